package dev.timens.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties at the edges of the ranges: whatever in-range value we format in an accepted
 * form reads back exactly, and no string at all makes a parser throw anything but a
 * one-line {@link SpecException}.
 */
@Tag("pure")
class TimeSpecsPropertiesTest {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    // ---------------------------------------------------------------- instants

    @Property
    void epochSecondsWithNineDigitsReadBack(@ForAll("inRange") Instant t, @ForAll("zones") ZoneId zone) {
        String text = "@" + t.getEpochSecond() + "." + "%09d".formatted(t.getNano());
        assertThat(TimeSpecs.parseInstant(text, zone)).isEqualTo(t);
    }

    @Property
    void epochSecondsWithShortestFractionReadBack(@ForAll("inRange") Instant t, @ForAll("zones") ZoneId zone) {
        String fraction = "%09d".formatted(t.getNano()).replaceFirst("0+$", "");
        String text = "@" + t.getEpochSecond() + (fraction.isEmpty() ? "" : "." + fraction);
        assertThat(TimeSpecs.parseInstant(text, zone)).isEqualTo(t);
    }

    @Property
    void isoInstantReadsBack(@ForAll("inRange") Instant t, @ForAll("zones") ZoneId zone) {
        assertThat(TimeSpecs.parseInstant(t.toString(), zone)).isEqualTo(t);
    }

    @Property
    void isoWithAnyOffsetReadsBack(
            @ForAll("inRange") Instant t,
            @ForAll @IntRange(min = -18 * 60, max = 18 * 60) int offsetMinutes,
            @ForAll boolean spaceAndLowercase,
            @ForAll("zones") ZoneId zone) {
        // OffsetDateTime.toString leaves out zero seconds and uses Z for +00:00: both accepted.
        String text = t.atOffset(ZoneOffset.ofTotalSeconds(offsetMinutes * 60)).toString();
        if (spaceAndLowercase) {
            text = text.replace('T', ' ').toLowerCase(Locale.ROOT);
        }
        assertThat(TimeSpecs.parseInstant(text, zone)).isEqualTo(t);
    }

    @Property
    void localTimeIsReadInTheGivenZone(@ForAll("inRange") Instant t, @ForAll("zones") ZoneId zone) {
        LocalDateTime local = t.atZone(zone).toLocalDateTime();
        // Not always t itself: in an overlap both readings are valid and the earlier offset wins.
        Instant expected = ZonedDateTime.of(local, zone).toInstant();
        if (expected.isBefore(TimeSpecs.MIN_INSTANT) || expected.isAfter(TimeSpecs.MAX_INSTANT)) {
            assertThatThrownBy(() -> TimeSpecs.parseInstant(local.toString(), zone))
                    .isExactlyInstanceOf(SpecException.class)
                    .hasMessageContaining("out of range");
        } else {
            assertThat(TimeSpecs.parseInstant(local.toString(), zone)).isEqualTo(expected);
        }
    }

    @Property
    void instantsOutsideTheRangeAreRejected(@ForAll("outOfRange") Instant t, @ForAll("zones") ZoneId zone) {
        assertThatThrownBy(() -> TimeSpecs.parseInstant(t.toString(), zone))
                .isExactlyInstanceOf(SpecException.class)
                .hasMessageContaining("out of range");
    }

    // ---------------------------------------------------------------- durations

    @Property
    void secondsWithNineDigitsReadBack(
            @ForAll("inRangeNanos") long nanos, @ForAll boolean withUnit, @ForAll boolean explicitPlus) {
        long abs = Math.abs(nanos);
        String text = sign(nanos, explicitPlus) + abs / NANOS_PER_SECOND + "."
                + "%09d".formatted(abs % NANOS_PER_SECOND) + (withUnit ? "s" : "");
        assertThat(TimeSpecs.parseDuration(text)).isEqualTo(Duration.ofNanos(nanos));
    }

    @Property
    void millisecondsWithSixDigitsReadBack(@ForAll("inRangeNanos") long nanos) {
        long abs = Math.abs(nanos);
        String text = sign(nanos, false) + abs / 1_000_000 + "." + "%06d".formatted(abs % 1_000_000) + "ms";
        assertThat(TimeSpecs.parseDuration(text)).isEqualTo(Duration.ofNanos(nanos));
    }

    @Property
    void sumOfUnitsReadsBack(
            @ForAll("inRangeNanos") long nanos,
            @ForAll boolean keepZeroTerms,
            @ForAll boolean reversed,
            @ForAll boolean explicitPlus) {
        String[] units = {"y", "w", "d", "h", "m", "s", "ms", "us", "ns"};
        long[] sizes = {
            365 * 86_400 * NANOS_PER_SECOND, 7 * 86_400 * NANOS_PER_SECOND, 86_400 * NANOS_PER_SECOND,
            3_600 * NANOS_PER_SECOND, 60 * NANOS_PER_SECOND, NANOS_PER_SECOND, 1_000_000, 1_000, 1
        };
        long rest = Math.abs(nanos);
        List<String> terms = new ArrayList<>();
        for (int k = 0; k < units.length; k++) {
            long count = rest / sizes[k];
            rest %= sizes[k];
            if (count != 0 || keepZeroTerms) {
                terms.add(count + units[k]);
            }
        }
        if (terms.isEmpty()) {
            terms.add("0s");
        }
        if (reversed) {
            Collections.reverse(terms);
        }
        String text = sign(nanos, explicitPlus) + String.join("", terms);
        assertThat(TimeSpecs.parseDuration(text)).isEqualTo(Duration.ofNanos(nanos));
    }

    @Property
    void durationsPastSigned64BitNanosecondsAreRejected(
            @ForAll("beyondMaxNanos") String magnitude, @ForAll boolean negative) {
        String text = (negative ? "-" : "") + magnitude + "ns";
        assertThatThrownBy(() -> TimeSpecs.parseDuration(text))
                .isExactlyInstanceOf(SpecException.class)
                .hasMessageContaining("out of range");
    }

    // ---------------------------------------------------------------- any string

    @Property(tries = 3000)
    void anyStringIsParsedOrRejectedWithOneLine(@ForAll String text, @ForAll("zones") ZoneId zone) {
        parsesOrRejectsCleanly(text, zone);
    }

    @Property(tries = 5000)
    void stringsOfGrammarCharactersAreParsedOrRejectedWithOneLine(
            @ForAll("grammarSoup") String text, @ForAll("zones") ZoneId zone) {
        parsesOrRejectsCleanly(text, zone);
    }

    @Property(tries = 5000)
    void nearMissesAreParsedOrRejectedWithOneLine(@ForAll("nearMisses") String text, @ForAll("zones") ZoneId zone) {
        parsesOrRejectsCleanly(text, zone);
    }

    private static void parsesOrRejectsCleanly(String text, ZoneId zone) {
        List<Runnable> parsers = List.of(
                () -> TimeSpecs.parseInstant(text, zone),
                () -> TimeSpecs.parseDuration(text),
                () -> TimeSpecs.parseFaketime(text, zone));
        for (Runnable parser : parsers) {
            try {
                parser.run();
            } catch (SpecException e) {
                assertThat(e.input()).isEqualTo(text);
                assertThat(e.getMessage())
                        .startsWith("invalid ")
                        .doesNotContain("\n", "\r", "\u0085", "\u2028", "\u2029");
            }
        }
    }

    // ---------------------------------------------------------------- generators

    @Provide
    Arbitrary<Instant> inRange() {
        long max = Long.MAX_VALUE - 1;
        // Whole seconds, millis and micros too, so Instant.toString prints 0, 3, 6 or 9 digits.
        return Arbitraries.longs().between(0, max)
                .flatMap(n -> Arbitraries.of(n, n - n % NANOS_PER_SECOND, n - n % 1_000_000, n - n % 1_000))
                .map(n -> Instant.ofEpochSecond(0, n));
    }

    @Provide
    Arbitrary<Instant> outOfRange() {
        Arbitrary<Instant> before = Arbitraries.longs().between(-4_000_000_000L, -1)
                .flatMap(s -> Arbitraries.integers().between(0, 999_999_999).map(ns -> Instant.ofEpochSecond(s, ns)))
                .filter(t -> t.isBefore(Instant.EPOCH));
        Arbitrary<Instant> after = Arbitraries.longs().between(0, 1_000_000_000_000L)
                .map(extra -> TimeSpecs.MAX_INSTANT.plusNanos(1).plusNanos(extra));
        return Arbitraries.oneOf(before, after);
    }

    @Provide
    Arbitrary<Long> inRangeNanos() {
        return Arbitraries.longs().between(-Long.MAX_VALUE, Long.MAX_VALUE);
    }

    @Provide
    Arbitrary<String> beyondMaxNanos() {
        return Arbitraries.bigIntegers()
                .between(java.math.BigInteger.valueOf(Long.MAX_VALUE).add(java.math.BigInteger.ONE),
                        java.math.BigInteger.TEN.pow(30))
                .map(java.math.BigInteger::toString);
    }

    @Provide
    Arbitrary<ZoneId> zones() {
        // Fixed zones only, never the machine's: UTC, a European DST zone, a 30-minute DST
        // shift, and a zone whose DST gaps were at midnight.
        return Arbitraries.of(ZoneOffset.UTC, ZoneId.of("UTC"), ZoneId.of("Europe/Berlin"),
                ZoneId.of("Australia/Lord_Howe"), ZoneId.of("America/Sao_Paulo"));
    }

    @Provide
    Arbitrary<String> grammarSoup() {
        return Arbitraries.strings()
                .withChars("0123456789+-:.,@TtZz smhdywnuµxiMH\n\t\u202e")
                .ofMaxLength(40);
    }

    @Provide
    Arbitrary<String> nearMisses() {
        Arbitrary<String> valid = Arbitraries.of(
                "2038-01-19T03:14:07Z", "2038-01-19 03:14:07.123456789+02:00", "2038-01-19", "2024-03-31 02:30",
                "@2147483640", "@1700000000.123456789", "@2020-12-24 20:30:00", "+2d x2", "1h30m", "-1.5h",
                "+106751d23h47m16.854775807s", "9223372036.854775807", "250µs", "2262-04-11T23:47:16.854775806Z");
        Arbitrary<Character> chars = Arbitraries.chars().with("0123456789+-:.@TZ smhdxi\u0000\uffff".toCharArray());
        return Combinators.combine(valid, Arbitraries.integers().between(0, 40), chars, Arbitraries.integers().between(0, 2))
                .as((text, position, c, operation) -> {
                    int at = Math.min(position, text.length());
                    return switch (operation) {
                        case 0 -> text.substring(0, at) + c + text.substring(at);
                        case 1 -> at < text.length() ? text.substring(0, at) + c + text.substring(at + 1) : text + c;
                        default -> at < text.length() ? text.substring(0, at) + text.substring(at + 1) : text;
                    };
                });
    }

    private static String sign(long nanos, boolean explicitPlus) {
        return nanos < 0 ? "-" : explicitPlus ? "+" : "";
    }
}
