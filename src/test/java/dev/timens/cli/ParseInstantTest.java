package dev.timens.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every accepted form of {@code --at}, and the errors, with exact expected values. */
@Tag("pure")
class ParseInstantTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @ParameterizedTest(name = "[{index}] ''{0}'' in {1} = {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # RFC 3339 / ISO 8601 with a zone: the zone argument does not matter
            2038-01-19T03:14:07Z                  | UTC           | 2038-01-19T03:14:07Z
            2038-01-19T03:14:07Z                  | Europe/Berlin | 2038-01-19T03:14:07Z
            2038-01-19t03:14:07z                  | Europe/Berlin | 2038-01-19T03:14:07Z
            2038-01-19 03:14:07Z                  | Europe/Berlin | 2038-01-19T03:14:07Z
            2038-01-19T03:14Z                     | Europe/Berlin | 2038-01-19T03:14:00Z
            2038-01-19T03:14:07+02:00             | UTC           | 2038-01-19T01:14:07Z
            2038-01-19T03:14:07+0200              | UTC           | 2038-01-19T01:14:07Z
            2038-01-19T03:14:07+02                | UTC           | 2038-01-19T01:14:07Z
            2038-01-19T03:14:07-05:30             | Europe/Berlin | 2038-01-19T08:44:07Z
            2038-01-19T03:14:07-00:00             | Europe/Berlin | 2038-01-19T03:14:07Z
            2038-01-19T03:14:07+18:00             | UTC           | 2038-01-18T09:14:07Z
            2038-01-19T03:14:07.5Z                | UTC           | 2038-01-19T03:14:07.500Z
            2038-01-19T03:14:07.000000001Z        | UTC           | 2038-01-19T03:14:07.000000001Z
            2038-01-19T03:14:07.123456789+01:00   | UTC           | 2038-01-19T02:14:07.123456789Z
            2038-01-19 03:14:07.25z               | UTC           | 2038-01-19T03:14:07.250Z
            # no zone: local time in the zone argument (Berlin is +01:00 in winter, +02:00 in summer)
            2038-01-19T03:14:07                   | UTC           | 2038-01-19T03:14:07Z
            2038-01-19T03:14:07                   | Europe/Berlin | 2038-01-19T02:14:07Z
            2038-01-19 03:14                      | Europe/Berlin | 2038-01-19T02:14:00Z
            2038-01-19 03:14:07.5                 | Europe/Berlin | 2038-01-19T02:14:07.500Z
            2038-07-19 03:14                      | Europe/Berlin | 2038-07-19T01:14:00Z
            2038-01-19t03:14                      | UTC           | 2038-01-19T03:14:00Z
            # a date alone is midnight in the zone
            2038-01-19                            | UTC           | 2038-01-19T00:00:00Z
            2038-01-19                            | Europe/Berlin | 2038-01-18T23:00:00Z
            2024-02-29                            | UTC           | 2024-02-29T00:00:00Z
            2000-02-29                            | UTC           | 2000-02-29T00:00:00Z
            # DST gap (clocks jump 02:00 -> 03:00): moved later by the gap, 03:30 CEST
            2024-03-31 02:30                      | Europe/Berlin | 2024-03-31T01:30:00Z
            # DST overlap (02:00-03:00 happens twice): the earlier offset, +02:00
            2024-10-27 02:30                      | Europe/Berlin | 2024-10-27T00:30:00Z
            # the ends of the range
            1970-01-01T00:00:00Z                  | UTC           | 1970-01-01T00:00:00Z
            1970-01-01                            | UTC           | 1970-01-01T00:00:00Z
            1970-01-01 01:00                      | Europe/Berlin | 1970-01-01T00:00:00Z
            2262-04-11T23:47:16.854775806Z        | UTC           | 2262-04-11T23:47:16.854775806Z
            # @ seconds since the epoch, always UTC
            @2147483640                           | Europe/Berlin | 2038-01-19T03:14:00Z
            @2147483647                           | UTC           | 2038-01-19T03:14:07Z
            @0                                    | Europe/Berlin | 1970-01-01T00:00:00Z
            @-0                                   | UTC           | 1970-01-01T00:00:00Z
            @+5                                   | UTC           | 1970-01-01T00:00:05Z
            @0000000012                           | UTC           | 1970-01-01T00:00:12Z
            @1700000000.5                         | UTC           | 2023-11-14T22:13:20.500Z
            @1700000000.123456789                 | UTC           | 2023-11-14T22:13:20.123456789Z
            @1700000000.000000001                 | UTC           | 2023-11-14T22:13:20.000000001Z
            @9223372036.854775806                 | UTC           | 2262-04-11T23:47:16.854775806Z
            """)
    void accepts(String text, String zone, String expected) {
        assertThat(TimeSpecs.parseInstant(text, ZoneId.of(zone))).isEqualTo(Instant.parse(expected));
    }

    @ParameterizedTest(name = "[{index}] ''{0}'' in {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                                    | UTC           | empty
            tomorrow                              | UTC           | not a date
            ' 2038-01-19'                         | UTC           | not a date
            2038                                  | UTC           | expected '-' after the year
            2038/01/19                            | UTC           | expected '-' after the year, found '/01/19'
            20380-01-19                           | UTC           | the year must have 4 digits
            2038-1-19                             | UTC           | the month must have 2 digits
            2038-13-01                            | UTC           | month must be 1..12
            2038-00-01                            | UTC           | month must be 1..12
            2038-01-00                            | UTC           | day must be 1..31 in January 2038
            2038-02-30                            | UTC           | day must be 1..28 in February 2038
            2036-02-30                            | UTC           | day must be 1..29 in February 2036
            2100-02-29                            | UTC           | day must be 1..28 in February 2100
            2038-04-31                            | UTC           | day must be 1..30 in April 2038
            2038-01-19X03:14                      | UTC           | expected 'T' or a space between the date and the time
            '2038-01-19 '                         | UTC           | expected the hour (2 digits) at the end
            2038-01-19T                           | UTC           | expected the hour (2 digits) at the end
            2038-01-19T3:14                       | UTC           | the hour must have 2 digits
            2038-01-19T03                         | UTC           | expected ':' after the hour
            2038-01-19T24:00                      | UTC           | hour must be 0..23
            2038-01-19T23:60                      | UTC           | minute must be 0..59
            2038-01-19T23:59:60Z                  | UTC           | second must be 0..59
            2038-01-19T03:14:                     | UTC           | expected the second (2 digits) at the end
            2038-01-19T03:14:07.                  | UTC           | the fraction after '.' needs digits
            2038-01-19T03:14:07.Z                 | UTC           | the fraction after '.' needs digits
            2038-01-19T03:14:07.1234567890Z       | UTC           | at most 9 fraction digits (nanoseconds), got 10
            2038-01-19T03:14.5                    | UTC           | unexpected '.5' after the time
            2038-01-19T03:14:07Zjunk              | UTC           | unexpected 'junk' after the zone offset
            2038-01-19T03:14:07 Z                 | UTC           | write the zone offset right after the time, without a space
            '2038-01-19 03:14:07 +0200'           | UTC           | write the zone offset right after the time, without a space
            '2038-01-19T03:14:07 junk'            | UTC           | unexpected ' junk' after the time
            2038-01-19T03:14:07+2                 | UTC           | a zone offset is +HH:MM, +HHMM or +HH
            2038-01-19T03:14:07+02:0              | UTC           | the offset minute must have 2 digits
            2038-01-19T03:14:07+19:00             | UTC           | zone offset must be between -18:00 and +18:00
            2038-01-19T03:14:07+02:60             | UTC           | zone offset must be between -18:00 and +18:00
            2038-01-19T03:14:07+02:00:00          | UTC           | unexpected ':00' after the zone offset
            2038-01-19T03:14:07[Europe/Paris]     | UTC           | unexpected '[Europe/Paris]' after the time
            ２０３８-01-19                        | UTC           | not a date
            @                                     | UTC           | '@' takes seconds since 1970-01-01 UTC
            @-                                    | UTC           | '@' takes seconds since 1970-01-01 UTC
            @abc                                  | UTC           | '@' takes seconds since 1970-01-01 UTC
            @1.                                   | UTC           | the fraction after '.' needs digits
            @.5                                   | UTC           | '@' takes seconds since 1970-01-01 UTC
            @1e9                                  | UTC           | unexpected 'e9' after the seconds
            '@1 '                                 | UTC           | unexpected ' ' after the seconds
            @1700000000.1234567890                | UTC           | at most 9 fraction digits (nanoseconds), got 10
            @2020-12-24                           | UTC           | write a date without '@'
            """)
    void rejects(String text, String zone, String reason) {
        assertThatThrownBy(() -> TimeSpecs.parseInstant(text, ZoneId.of(zone)))
                .isExactlyInstanceOf(SpecException.class)
                .hasMessageStartingWith("invalid --at value '" + text + "': ")
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\r"));
    }

    @ParameterizedTest(name = "[{index}] ''{0}'' in {1}")
    @CsvSource(delimiter = '|', textBlock = """
            1969-12-31T23:59:59Z                  | UTC
            1969-12-31T23:59:59.999999999Z        | UTC
            1970-01-01T00:00:00+00:01             | UTC
            1970-01-01                            | Europe/Berlin
            1970-01-01 00:59:59.999999999         | Europe/Berlin
            0000-01-01                            | UTC
            2262-04-11T23:47:16.854775807Z        | UTC
            2262-04-12                            | UTC
            9999-12-31T23:59:59Z                  | UTC
            @-1                                   | UTC
            @-0.000000001                         | UTC
            @9223372036.854775807                 | UTC
            @9223372037                           | UTC
            @99999999999                          | UTC
            @99999999999999999999999999999999     | UTC
            """)
    void rejectsOutOfRange(String text, String zone) {
        assertThatThrownBy(() -> TimeSpecs.parseInstant(text, ZoneId.of(zone)))
                .isExactlyInstanceOf(SpecException.class)
                .hasMessageStartingWith("invalid --at value '" + text + "': out of range: ")
                .hasMessageContaining("must be between 1970-01-01 and 2262-04-11");
    }

    @Test
    void rangeConstantsAreTheKernelLimits() {
        assertThat(TimeSpecs.MIN_INSTANT).isEqualTo(Instant.EPOCH);
        // KTIME_MAX is 2^63 - 1 ns after the epoch; the last accepted instant is just before it.
        assertThat(TimeSpecs.MAX_INSTANT.plusNanos(1))
                .isEqualTo(Instant.ofEpochSecond(Long.MAX_VALUE / 1_000_000_000L, Long.MAX_VALUE % 1_000_000_000L));
        assertThat(TimeSpecs.parseInstant("@9223372036.854775806", ZoneId.of("UTC")))
                .isEqualTo(TimeSpecs.MAX_INSTANT);
    }

    @Test
    void errorKeepsTheInputAndReasonApart() {
        SpecException e = catchSpec(() -> TimeSpecs.parseInstant("2038-13-01", BERLIN));
        assertThat(e.input()).isEqualTo("2038-13-01");
        assertThat(e.reason()).isEqualTo("month must be 1..12");
        assertThat(e).hasMessage("invalid --at value '2038-13-01': month must be 1..12");
    }

    @Test
    void controlCharactersInTheInputDoNotBreakTheMessageLine() {
        SpecException e = catchSpec(() -> TimeSpecs.parseInstant("2038-01-19\nrm -rf /\u202e", BERLIN));
        assertThat(e.getMessage())
                .startsWith("invalid --at value '2038-01-19\\nrm -rf /\\u202e': ")
                .doesNotContain("\n", "\u202e");
    }

    @Test
    void veryLongInputIsShortenedInTheMessageButKeptWhole() {
        String text = "2038-01-19T03:14:07Z" + "x".repeat(10_000);
        SpecException e = catchSpec(() -> TimeSpecs.parseInstant(text, BERLIN));
        assertThat(e.input()).isEqualTo(text);
        assertThat(e.getMessage()).hasSizeLessThan(400).contains("'2038-01-19T03:14:07Z", "...");
    }

    static SpecException catchSpec(Runnable parse) {
        try {
            parse.run();
        } catch (SpecException e) {
            return e;
        }
        throw new AssertionError("expected a SpecException");
    }
}
