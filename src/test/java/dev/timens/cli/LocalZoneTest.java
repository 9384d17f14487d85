package dev.timens.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Dates under a zone whose time_t counts leap seconds (the tz database's
 * "right/" zones): the values are what glibc's {@code date -d} gives under the
 * same TZ (checked by hand: {@code TZ=right/UTC date -d '2030-01-01T00:00Z' +%s}
 * is 1893456027).
 */
class LocalZoneTest {
    private static final Path RIGHT_UTC = Path.of("/usr/share/zoneinfo/right/UTC");

    private static LocalZone rightUtc() {
        assumeTrue(Files.isReadable(RIGHT_UTC), RIGHT_UTC + " is not installed (tzdata-legacy or tzdata)");
        LocalZone zone = LocalZone.fromTz("right/UTC");
        assertThat(zone.countsLeapSeconds()).isTrue();
        return zone;
    }

    @Test
    void leapSecondsAreAddedToDatesAfterThem() {
        LocalZone zone = rightUtc();
        assertThat(zone.clockReading(Instant.parse("1972-06-30T23:59:59Z")).getEpochSecond()).isEqualTo(78796799);
        assertThat(zone.clockReading(Instant.parse("1972-07-01T00:00:00Z")).getEpochSecond()).isEqualTo(78796801);
        assertThat(zone.clockReading(Instant.parse("1973-01-01T00:00:00Z")).getEpochSecond()).isEqualTo(94694402);
        assertThat(zone.clockReading(Instant.parse("2030-01-01T00:00:00.5Z")))
                .isEqualTo(Instant.parse("2030-01-01T00:00:27.5Z"));
        assertThat(zone.clockReading(Instant.EPOCH)).isEqualTo(Instant.EPOCH);
    }

    @Test
    void atUnderRightUtcIsExact() {
        LocalZone zone = rightUtc();
        assertThat(TimeSpecs.parseInstant("2030-01-01 00:00", zone).getEpochSecond()).isEqualTo(1893456027);
        assertThat(TimeSpecs.parseInstant("2030-01-01T00:00:00Z", zone).getEpochSecond()).isEqualTo(1893456027);
        assertThat(TimeSpecs.parseInstant("2030-01-01", zone).getEpochSecond()).isEqualTo(1893456027);
        // @SECONDS is a time_t already.
        assertThat(TimeSpecs.parseInstant("@1893456000", zone).getEpochSecond()).isEqualTo(1893456000);
        assertThat(TimeSpecs.parseFaketime("@2030-01-01 00:00:00", zone))
                .isEqualTo(new FaketimeSpec.StartAt(Instant.ofEpochSecond(1893456027)));
    }

    @Test
    void theZoneIsFoundHoweverTzNamesIt() {
        rightUtc();
        for (String tz : new String[] {"right/UTC", ":right/UTC", RIGHT_UTC.toString()}) {
            LocalZone zone = LocalZone.fromTz(tz);
            assertThat(zone.countsLeapSeconds()).as(tz).isTrue();
            assertThat(zone.rules().normalized()).as(tz).isEqualTo(ZoneId.of("UTC").normalized());
        }
        assumeTrue(Files.isReadable(Path.of("/usr/share/zoneinfo/right/Europe/Berlin")));
        LocalZone berlin = LocalZone.fromTz("right/Europe/Berlin");
        assertThat(berlin.rules()).isEqualTo(ZoneId.of("Europe/Berlin"));
        // 2023-11-14 23:13:20 CET is 22:13:20Z, POSIX 1700000000: glibc gives 1700000027.
        assertThat(TimeSpecs.parseInstant("2023-11-14 23:13:20", berlin).getEpochSecond()).isEqualTo(1700000027);
    }

    @Test
    void zonesWithoutLeapSecondsAreJavasOwn() {
        assumeTrue(Files.isReadable(Path.of("/usr/share/zoneinfo/UTC")));
        assertThat(LocalZone.fromTz("UTC").countsLeapSeconds()).isFalse();
        assertThat(LocalZone.fromTz("No/Such_Zone").countsLeapSeconds()).isFalse();
        assertThat(LocalZone.leapSeconds(new byte[] {1, 2, 3})[0]).isEmpty();
    }
}
