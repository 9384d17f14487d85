package dev.timens.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * libfaketime's reading of FAKETIME at the edges: whole offsets in each unit, the comma
 * that ends a number, dates with or without leading zeros, and the strtod numbers the
 * reader shares with the speed.
 */
@Tag("pure")
class FaketimePropertiesTest {

    private static final long[] UNIT_SECONDS = {1, 60, 3600, 86_400, 31_536_000};
    private static final String[] UNITS = {"", "m", "h", "d", "y"};

    @Property
    void wholeOffsetsInEachUnitAreExact(@ForAll @LongRange(min = 0, max = 290) long count,
                                       @ForAll @IntRange(min = 0, max = 4) int unit, @ForAll boolean negative) {
        String text = (negative ? "-" : "+") + count + UNITS[unit];
        Duration expected = Duration.ofSeconds(count * UNIT_SECONDS[unit]);
        assertThat(TimeSpecs.parseFaketime(text, ZoneId.of("UTC")))
                .isEqualTo(new FaketimeSpec.Offset(negative ? expected.negated() : expected));
    }

    /** In the C locale a comma is not a radix character: what follows it never counts. */
    @Property
    void aCommaEndsTheNumber(@ForAll @LongRange(min = 0, max = 290) long count,
                             @ForAll @IntRange(min = 0, max = 4) int unit,
                             @ForAll @IntRange(min = 0, max = 999_999) int decimals) {
        String text = "+" + count + "," + decimals + UNITS[unit];
        assertThat(TimeSpecs.parseFaketime(text, ZoneId.of("UTC")))
                .isEqualTo(TimeSpecs.parseFaketime("+" + count + UNITS[unit], ZoneId.of("UTC")));
    }

    /** strptime takes one- and two-digit fields alike; mktime reads them in the local zone. */
    @Property
    void datesReadBackWithOrWithoutLeadingZeros(@ForAll("dates") LocalDateTime date, @ForAll("zones") ZoneId zone,
                                                @ForAll boolean padded) {
        String pattern = padded ? "%04d-%02d-%02d %02d:%02d:%02d" : "%d-%d-%d %d:%d:%d";
        String text = pattern.formatted(date.getYear(), date.getMonthValue(), date.getDayOfMonth(), date.getHour(),
                date.getMinute(), date.getSecond());
        Instant expected = ZonedDateTime.of(date, zone).toInstant();
        assertThat(TimeSpecs.parseFaketime("@" + text, zone)).isEqualTo(new FaketimeSpec.StartAt(expected));
        assertThat(TimeSpecs.parseFaketime(text, zone)).isEqualTo(new FaketimeSpec.Frozen(expected));
    }

    /** strtod reads what Java reads for plain decimals, and stops where the number stops. */
    @Property
    void strtodReadsDecimalsAsJavaDoes(@ForAll double value, @ForAll("tails") String tail) {
        String text = Double.toString(Math.abs(value)).replace("E", "e") + tail;
        CNumber number = CNumber.strtod("-" + text, 0);
        assertThat(number.value()).isEqualTo(-Math.abs(value));
        assertThat(number.end()).isEqualTo(1 + text.length() - tail.length());
    }

    @Provide
    Arbitrary<LocalDateTime> dates() {
        return Arbitraries.longs().between(0, 200L * 365 * 86_400)
                .map(s -> LocalDateTime.of(1971, 1, 1, 0, 0).plusSeconds(s));
    }

    @Provide
    Arbitrary<ZoneId> zones() {
        return Arbitraries.of(ZoneId.of("UTC"), ZoneId.of("Europe/Berlin"), ZoneId.of("America/New_York"),
                ZoneId.of("Asia/Kolkata"));
    }

    @Provide
    Arbitrary<String> tails() {
        return Arbitraries.of("", "y", "d x2", ",5", " x10,0", "h", "e", "e+", "p1", ".", "x");
    }
}
