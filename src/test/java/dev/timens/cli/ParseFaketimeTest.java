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

/**
 * FAKETIME strings read as libfaketime 0.9.10 reads them. Each expected value is what
 * {@code FAKETIME=... LD_PRELOAD=libfaketime.so.1 date} printed on Debian's 0.9.10
 * (FaketimeIT compares the two for the documented examples on every run).
 */
@Tag("pure")
class ParseFaketimeTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @ParameterizedTest(name = "[{index}] ''{0}'' = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            @2020-12-24 20:30:00             | 2020-12-24T19:30:00Z
            @2020-06-24 20:30:00             | 2020-06-24T18:30:00Z
            @2000-01-01 11:12:13             | 2000-01-01T10:12:13Z
            '@ 2020-1-2 3:4:5'               | 2020-01-02T02:04:05Z
            '@2020- 12-24   20:30:00'        | 2020-12-24T19:30:00Z
            @2020-2-30 1:2:3                 | 2020-03-01T00:02:03Z
            @2020-12-24 20:30:60             | 2020-12-24T19:31:00Z
            @2020-12-24 20:30:00.5           | 2020-12-24T19:30:00.500Z
            @2020-12-24 20:30:00.5e1         | 2020-12-24T19:30:00Z
            @2020-12-24 20:30:00,5           | 2020-12-24T19:30:00Z
            @2020-12-24 20:30:00Z            | 2020-12-24T19:30:00Z
            @2020-12-24 20:30:00+05:00       | 2020-12-24T19:30:00Z
            '@2020-12-24 20:30:00\\n'         | 2020-12-24T19:30:00Z
            """)
    void startsTheClockAt(String text, String expected) {
        assertThat(TimeSpecs.parseFaketime(text.replace("\\n", "\n"), BERLIN))
                .isEqualTo(new FaketimeSpec.StartAt(Instant.parse(expected)));
    }

    /** The number is strtod's in the C locale, the unit the first of m, h, d, y anywhere. */
    @ParameterizedTest(name = "[{index}] ''{0}'' = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            -15d                             | P-15D
            +14d                             | P14D
            -120                             | PT-2M
            -10m                             | PT-10M
            +90m                             | PT1H30M
            +1.5h                            | PT1H30M
            +1,5h                            | PT1H
            +2,5y                            | P730D
            +2.5y                            | P912DT12H
            -3d12h                           | PT-3H
            +1d12h                           | PT1H
            +1year                           | P365D
            +2days                           | P2D
            +1month                          | PT1M
            +3weeks                          | PT3S
            +1e3                             | PT1000S
            +.5                              | PT0.5S
            +5.                              | PT5S
            -0.5                             | PT-0.5S
            +0                               | PT0S
            +abc                             | PT0S
            +-5                              | PT0S
            '+2d '                           | P2D
            +0.1                             | PT0.1S
            """)
    void shiftsTheClockBy(String text, String expected) {
        assertThat(TimeSpecs.parseFaketime(text, BERLIN))
                .isEqualTo(new FaketimeSpec.Offset(Duration.parse(expected)));
    }

    @Test
    void fractionsAreComputedInDoublePrecisionAsLibfaketimeDoes() {
        // 0.1 h = 360 s exactly; 0.1 * 3600 in double is 360.00000000000006, whose fraction
        // is below a nanosecond and truncated.
        assertThat(TimeSpecs.parseFaketime("+0.1h", BERLIN)).isEqualTo(new FaketimeSpec.Offset(Duration.ofSeconds(360)));
        // 2.3 in double is 2.29999999999999982236431605997495353221893310546875.
        assertThat(TimeSpecs.parseFaketime("+2.3", BERLIN))
                .isEqualTo(new FaketimeSpec.Offset(Duration.ofSeconds(2, 299_999_999)));
    }

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @CsvSource(delimiter = '|', textBlock = """
            2020-12-24 20:30:00              | 2020-12-24T19:30:00Z
            2008-12-24 08:15:42              | 2008-12-24T07:15:42Z
            ' 2020-12-24 20:30:00'           | 2020-12-24T19:30:00Z
            2020-12-24 20:30:00garbage       | 2020-12-24T19:30:00Z
            2020-12-24 20:30:00 i2           | 2020-12-24T19:30:00Z
            """)
    void aDateWithoutAtStandsStill(String text, String expected) {
        assertThat(TimeSpecs.parseFaketime(text, BERLIN)).isEqualTo(new FaketimeSpec.Frozen(Instant.parse(expected)));
    }

    /** The speed is strtod's number after the first 'x' anywhere: "0,50" is 0, so the clock stands still. */
    @ParameterizedTest(name = "[{index}] ''{0}''")
    @CsvSource(delimiter = '|', textBlock = """
            +2,5y x10,0                      | P730D    | 10
            +2,5y x0,50                      | P730D    | 0
            +1,5y x10,0                      | P365D    | 10
            +1y x2                           | P365D    | 2
            +1y x0,5                         | P365D    | 0
            +1y x0.5                         | P365D    | 0.5
            +0 x2                            | PT0S     | 2
            +0x10                            | PT16S    | 10
            +0x                              | PT0S     | 0
            +1y x2 i3                        | P365D    | 2
            """)
    void aSpeedWrapsTheClock(String text, String offset, String rate) {
        assertThat(TimeSpecs.parseFaketime(text, BERLIN)).isEqualTo(
                new FaketimeSpec.Speed(new FaketimeSpec.Offset(Duration.parse(offset)), BigDecimal.valueOf(Double.parseDouble(rate))));
    }

    @Test
    void startsAndFollowedFilesTakeSpeedsToo() {
        assertThat(TimeSpecs.parseFaketime("@2020-12-24 20:30:00 x10", BERLIN)).isEqualTo(new FaketimeSpec.Speed(
                new FaketimeSpec.StartAt(Instant.parse("2020-12-24T19:30:00Z")), BigDecimal.valueOf(10.0)));
        assertThat(TimeSpecs.parseFaketime("%", BERLIN)).isEqualTo(new FaketimeSpec.FollowFile());
        assertThat(TimeSpecs.parseFaketime("% x2", BERLIN))
                .isEqualTo(new FaketimeSpec.Speed(new FaketimeSpec.FollowFile(), BigDecimal.valueOf(2.0)));
    }

    @ParameterizedTest(name = "[{index}] ''{0}'': {1}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                               | empty; libfaketime takes
            x2                               | a speed or increment needs a start or an offset before it, e.g. '+0 x2'
            i2                               | a speed or increment needs a start or an offset
            +0 x-1                           | speed 'x-1' is negative
            +0 xnan                          | is not a number
            +0 xinf                          | out of range
            2020-12-24 20:30:00 x2           | a date that stands still cannot have a speed
            +1y i2,0                         | per-read increment 'i2,0' is not supported
            +2,5y i2,0                       | per-read increment 'i2,0' is not supported
            @2020-12-24 20:30:00 i2.0        | per-read increment 'i2.0' is not supported
            +10min                           | per-read increment 'in' is not supported
            @2020-12-24                      | needs a time after the date, with seconds; libfaketime reads dates as 'YYYY-MM-DD hh:mm:ss' (FAKETIME_FMT '%Y-%m-%d %T'), e.g. '@2020-12-24 00:00:00'
            @2020-12-24 20:30                | needs a time after the date, with seconds
            @2020-12-24T20:30:00             | use --at
            @1700000000                      | for seconds since the epoch use --at @1700000000
            @2020-12-245 20:30:00            | needs a time after the date
            @2020-13-01 00:00:00             | needs a date and a time
            ' @2020-12-24 20:30:00'          | needs a date and a time
            ' +5'                            | needs a date and a time
            2d                               | needs a date and a time
            yesterday                        | needs a date and a time
            last friday 5 pm                 | needs a date and a time
            @                                | needs a date and a time
            +inf                             | out of range
            +nan                             | out of range
            +300y                            | out of range
            -300y                            | out of range
            @1969-12-31 23:00:00             | out of range
            @0000-01-01 00:00:00             | out of range
            @9999-01-01 00:00:00             | out of range
            """)
    void rejects(String text, String reason) {
        assertThatThrownBy(() -> TimeSpecs.parseFaketime(text, BERLIN))
                .isExactlyInstanceOf(SpecException.class)
                .hasMessageStartingWith("invalid --faketime value '" + text + "': ")
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\r"));
    }

    /** FAKETIME_FMT=%s: glibc's strptime takes digits at once, and mktime gives the same seconds back. */
    @Test
    void underFormatSDatesAreSecondsSinceTheEpoch() {
        LocalZone berlin = LocalZone.of(BERLIN);
        FaketimeReader.Format s = FaketimeReader.Format.EPOCH_SECONDS;
        assertThat(TimeSpecs.parseFaketime("@1700000000", berlin, s))
                .isEqualTo(new FaketimeSpec.StartAt(Instant.ofEpochSecond(1_700_000_000L)));
        assertThat(TimeSpecs.parseFaketime("1700000000.5", berlin, s))
                .isEqualTo(new FaketimeSpec.Frozen(Instant.ofEpochSecond(1_700_000_000L, 500_000_000)));
        assertThat(TimeSpecs.parseFaketime("1700000000junk", berlin, s))
                .isEqualTo(new FaketimeSpec.Frozen(Instant.ofEpochSecond(1_700_000_000L)));
        assertThat(TimeSpecs.parseFaketime("@1700000000 x10", berlin, s)).isEqualTo(new FaketimeSpec.Speed(
                new FaketimeSpec.StartAt(Instant.ofEpochSecond(1_700_000_000L)), BigDecimal.valueOf(10.0)));
        assertThat(TimeSpecs.parseFaketime("-5", berlin, s)).isEqualTo(new FaketimeSpec.Offset(Duration.ofSeconds(-5)));
        for (String refused : new String[] {" 1700000000", "@ 1700000000", "@-5", "@99999999999999999999"}) {
            assertThatThrownBy(() -> TimeSpecs.parseFaketime(refused, berlin, s)).isExactlyInstanceOf(SpecException.class);
        }
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
        assertThatThrownBy(() -> new FaketimeSpec.Speed(new FaketimeSpec.Offset(Duration.ZERO), BigDecimal.ONE.negate()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new FaketimeSpec.Offset(TimeSpecs.MAX_DURATION.negated()).offset())
                .isEqualTo(TimeSpecs.MAX_DURATION.negated());
    }
}
