package dev.timens.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** libfaketime's FAKETIME forms that timens takes, and those it refuses for now. */
@Tag("pure")
class ParseFaketimeTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @ParameterizedTest(name = "[{index}] ''{0}'' = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            @2020-12-24 20:30:00             | 2020-12-24T19:30:00Z
            @2020-06-24 20:30:00             | 2020-06-24T18:30:00Z
            @2020-12-24T20:30:00Z            | 2020-12-24T20:30:00Z
            @2020-12-24 20:30:00.5+05:00     | 2020-12-24T15:30:00.500Z
            @2020-12-24 20:30                | 2020-12-24T19:30:00Z
            @2020-12-24                      | 2020-12-23T23:00:00Z
            @1700000000                      | 2023-11-14T22:13:20Z
            @1700000000.5                    | 2023-11-14T22:13:20.500Z
            @0                               | 1970-01-01T00:00:00Z
            @2020                            | 1970-01-01T00:33:40Z
            '  @2020-12-24 20:30:00\\n'       | 2020-12-24T19:30:00Z
            """)
    void startsTheClockAt(String text, String expected) {
        assertThat(TimeSpecs.parseFaketime(text.replace("\\n", "\n"), BERLIN))
                .isEqualTo(new FaketimeSpec.StartAt(Instant.parse(expected)));
    }

    @ParameterizedTest(name = "[{index}] ''{0}'' = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            +2d                              | P2D
            -1y                              | P-365D
            +3600                            | PT1H
            -120                             | PT-2M
            +1.5h                            | PT1H30M
            +0                               | PT0S
            -0.5                             | PT-0.5S
            +1h30m                           | PT1H30M
            '+2d '                           | P2D
            """)
    void shiftsTheClockBy(String text, String expected) {
        assertThat(TimeSpecs.parseFaketime(text, BERLIN))
                .isEqualTo(new FaketimeSpec.Offset(Duration.parse(expected)));
    }

    @Test
    void aDateWithoutAtFreezesTheClock() {
        assertThat(TimeSpecs.parseFaketime("2020-12-24 20:30:00", BERLIN))
                .isEqualTo(new FaketimeSpec.Frozen(Instant.parse("2020-12-24T19:30:00Z")));
    }

    @Test
    void aSpeedFactorWrapsTheClock() {
        assertThat(TimeSpecs.parseFaketime("+2d x2", BERLIN))
                .isEqualTo(new FaketimeSpec.Speed(new FaketimeSpec.Offset(Duration.ofDays(2)), new BigDecimal("2")));
        assertThat(TimeSpecs.parseFaketime("@2020-12-24 20:30:00 x0.5", BERLIN)).isEqualTo(new FaketimeSpec.Speed(
                new FaketimeSpec.StartAt(Instant.parse("2020-12-24T19:30:00Z")), new BigDecimal("0.5")));
        assertThat(TimeSpecs.parseFaketime("+0 x,5", BERLIN))
                .isEqualTo(new FaketimeSpec.Speed(new FaketimeSpec.Offset(Duration.ZERO), new BigDecimal("0.5")));
    }

    @ParameterizedTest(name = "[{index}] ''{0}'': {1}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                               | empty; use '@DATE' or '@SECONDS'
            '   '                            | empty
            2020-13-01 10:00:00              | month must be 1..12
            x2                               | speed factor 'x2' needs a start or an offset before it
            +0 x0                            | speed factor 'x0' must be above 0
            2020-12-24 x2                    | a frozen date cannot have a speed factor
            @2020-12-24 20:30:00 i2.0        | per-read increment 'i2.0' is not supported (clocks advance with time
            +0 i-1                           | per-read increment 'i-1' is not supported
            2d                               | an offset needs a sign: '+2d' or '-2d'
            3600                             | an offset needs a sign: '+3600' or '-3600'
            yesterday                        | use '@DATE' or '@SECONDS' to start the clock there, or a signed offset
            @                                | '@' must be followed by a date or by seconds since 1970-01-01 UTC
            @-1                              | out of range: must be between 1970-01-01 and 2262-04-11
            @1700000000.1234567890           | at most 9 fraction digits
            @2020-13-01                      | month must be 1..12
            @2020-12-24 20:30:00 junk        | unexpected ' junk' after the time
            @tomorrow                        | not a date
            @@1                              | not a date
            @9999-01-01                      | out of range
            +1x                              | unknown unit 'x'
            +1M                              | months are not accepted because their length varies; use days
            +                                | a sign must be followed by a number
            +2d-1h                           | a sign is only allowed at the start
            +293y                            | out of range
            """)
    void rejects(String text, String reason) {
        assertThatThrownBy(() -> TimeSpecs.parseFaketime(text, BERLIN))
                .isExactlyInstanceOf(SpecException.class)
                .hasMessageStartingWith("invalid --faketime value '" + text + "': ")
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\r"));
    }

    @Test
    void recordsRefuseValuesTheParsersWouldReject() {
        assertThatThrownBy(() -> new FaketimeSpec.StartAt(Instant.EPOCH.minusNanos(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FaketimeSpec.StartAt(TimeSpecs.MAX_INSTANT.plusNanos(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FaketimeSpec.Offset(TimeSpecs.MAX_DURATION.plusNanos(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FaketimeSpec.Offset(Duration.ofSeconds(Long.MIN_VALUE)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new FaketimeSpec.Offset(TimeSpecs.MAX_DURATION.negated()).offset())
                .isEqualTo(TimeSpecs.MAX_DURATION.negated());
    }
}
