package dev.timens.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every accepted form of a duration, and the errors, with exact expected values. */
@Tag("pure")
class ParseDurationTest {

    @ParameterizedTest(name = "[{index}] ''{0}'' = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # plain seconds, optional sign, optional fraction
            3600                         | PT1H
            +3600                        | PT1H
            -3600                        | PT-1H
            0                            | PT0S
            -0                           | PT0S
            -0.5                         | PT-0.5S
            +1.25                        | PT1.25S
            0.000000001                  | PT0.000000001S
            1.000000000000000000         | PT1S
            007                          | PT7S
            # terms, any order, summed
            1h30m                        | PT1H30M
            30m1h                        | PT1H30M
            2d12h                        | P2DT12H
            90min                        | PT1H30M
            1y                           | P365D
            3d                           | P3D
            -3d                          | P-3D
            +1h30m15s                    | PT1H30M15S
            -1h30m15s                    | PT-1H-30M-15S
            500ms                        | PT0.5S
            1.5h                         | PT1H30M
            0.5d                         | PT12H
            1w                           | P7D
            1h1h                         | PT2H
            1s1ms1us1ns                  | PT1.001001001S
            250us                        | PT0.00025S
            250µs                        | PT0.00025S
            250μs                        | PT0.00025S
            0.5us                        | PT0.0000005S
            1.5ms                        | PT0.0015S
            1ns                          | PT0.000000001S
            0.000000001s                 | PT0.000000001S
            0.001ms1ns                   | PT0.000001001S
            # every spelling
            2sec                         | PT2S
            2secs                        | PT2S
            1second                      | PT1S
            2seconds                     | PT2S
            2min                         | PT2M
            2mins                        | PT2M
            1minute                      | PT1M
            2minutes                     | PT2M
            1hr                          | PT1H
            2hrs                         | PT2H
            1hour                        | PT1H
            2hours                       | PT2H
            1day                         | P1D
            2days                        | P2D
            1week                        | P7D
            2weeks                       | P14D
            1year                        | P365D
            2years                       | P730D
            # the ends of the range: 2^63 - 1 ns either way
            292y                         | P106580D
            9223372036.854775807         | PT2562047H47M16.854775807S
            -9223372036.854775807        | PT-2562047H-47M-16.854775807S
            106751d23h47m16.854775807s   | PT2562047H47M16.854775807S
            -106751d23h47m16854775807ns  | PT-2562047H-47M-16.854775807S
            """)
    void accepts(String text, String expected) {
        assertThat(TimeSpecs.parseDuration(text)).isEqualTo(Duration.parse(expected));
    }

    @ParameterizedTest(name = "[{index}] ''{0}'': {1}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                           | empty; use seconds (90, -0.5) or number+unit terms
            +                            | a sign must be followed by a number
            -                            | a sign must be followed by a number
            ++1h                         | a sign is only allowed at the start
            --1                          | a sign is only allowed at the start
            1h-2m                        | a sign is only allowed at the start
            1h+2m                        | a sign is only allowed at the start
            1x                           | unknown unit 'x'; use seconds (90, -0.5) or number+unit terms
            1e3                          | unknown unit 'e'
            1h30x                        | unknown unit 'x'
            '1 h'                        | spaces are not allowed; write the terms together, e.g. 1h30m
            '1h 30m'                     | spaces are not allowed
            ' 1h'                        | spaces are not allowed
            '1h '                        | spaces are not allowed
            h                            | unit 'h' needs a number before it, e.g. 1h
            -min                         | unit 'min' needs a number before it
            1hh                          | unknown unit 'hh'
            1h30                         | '30' needs a unit (only a lone number means seconds), e.g. 1h30m
            .5h                          | a number must start with a digit, e.g. 0.5
            1.h                          | the fraction after '.' needs digits
            1.                           | the fraction after '.' needs digits
            1..5                         | the fraction after '.' needs digits
            '1,5h'                       | unexpected ','; use seconds (90, -0.5) or number+unit terms
            1_000s                       | unexpected '_'
            1M                           | months are not accepted because their length varies; use days, e.g. 30d
            1mo                          | months are not accepted
            1month                       | months are not accepted
            2months                      | months are not accepted
            1H                           | units are lowercase: write 'h', not 'H'
            1MS                          | units are lowercase: write 'ms', not 'MS'
            1Min                         | units are lowercase: write 'min', not 'Min'
            1.5ns                        | '1.5ns' is not a whole number of nanoseconds
            0.1ns                        | '0.1ns' is not a whole number of nanoseconds
            0.0000000001                 | '0.0000000001' is not a whole number of nanoseconds
            1h0.0000000001s              | '0.0000000001s' is not a whole number of nanoseconds
            0.0001us                     | '0.0001us' is not a whole number of nanoseconds
            ١h                           | unexpected '١'
            """)
    void rejects(String text, String reason) {
        assertThatThrownBy(() -> TimeSpecs.parseDuration(text))
                .isExactlyInstanceOf(SpecException.class)
                .hasMessageStartingWith("invalid duration '" + text + "': ")
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\r"));
    }

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @CsvSource(delimiter = '|', textBlock = """
            9223372036.854775808
            -9223372036.854775808
            293y
            -293y
            106751d23h47m16.854775808s
            292y200d
            9223372036854775808ns
            99999999999999999999999999999999999999d
            """)
    void rejectsOutOfRange(String text) {
        assertThatThrownBy(() -> TimeSpecs.parseDuration(text))
                .isExactlyInstanceOf(SpecException.class)
                .hasMessageStartingWith("invalid duration '" + text + "': out of range: ")
                .hasMessageContaining("292 years");
    }

    @Test
    void maxDurationIsSigned64BitNanoseconds() {
        assertThat(TimeSpecs.MAX_DURATION.toNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(TimeSpecs.parseDuration("-9223372036.854775807").toNanos()).isEqualTo(-Long.MAX_VALUE);
    }

    @Test
    void theCliCanNameTheOption() {
        SpecException e = ParseInstantTest.catchSpec(() -> TimeSpecs.parseDuration("1x"));
        SpecException named = e.forOption("--monotonic");
        assertThat(named)
                .hasMessageStartingWith("invalid --monotonic value '1x': unknown unit 'x'")
                .isExactlyInstanceOf(SpecException.class);
        assertThat(named.input()).isEqualTo("1x");
        assertThat(named.reason()).isEqualTo(e.reason());
    }
}
