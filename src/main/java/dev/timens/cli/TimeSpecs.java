package dev.timens.cli;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Parsers for the time values users give timens: the date of {@code --at}, the signed
 * durations of {@code --offset}, {@code --monotonic} and {@code --boottime}, and
 * libfaketime's {@code FAKETIME} strings.
 *
 * <p>Every parser either returns a value or throws {@link SpecException} with a one-line
 * message. timens's own forms are exact (nothing rounded, clamped or guessed) and strict:
 * no surrounding whitespace, ASCII digits only, no locale-dependent forms. FAKETIME
 * strings are read as libfaketime reads them instead, its leniency and double-precision
 * arithmetic included, so that a string means the same under both.
 *
 * <h2>Range</h2>
 * Instants must lie in {@link #MIN_INSTANT}..{@link #MAX_INSTANT}: what Linux keeps in
 * CLOCK_REALTIME, a signed 64-bit count of nanoseconds since the epoch ({@code ktime_t})
 * that {@code settimeofday} will not set negative. Durations must fit the same 64-bit
 * nanoseconds, either sign: magnitude at most {@link #MAX_DURATION}, about 292.47 years.
 */
public final class TimeSpecs {

    /**
     * The earliest instant accepted, 1970-01-01T00:00:00Z. Linux refuses to set a negative
     * CLOCK_REALTIME ({@code timespec64_valid_settod()} in include/linux/time64.h rejects
     * {@code tv_sec < 0}), so programs never see one and may not cope with it.
     */
    public static final Instant MIN_INSTANT = Instant.EPOCH;

    /**
     * The latest instant accepted, 2262-04-11T23:47:16.854775806Z: one nanosecond before
     * {@code KTIME_MAX} (2^63 - 1 ns after the epoch). KTIME_MAX itself is left out
     * because the kernel uses it to mean "never" (e.g. an hrtimer that does not expire).
     *
     * <p>The real kernel's {@code settimeofday} stops earlier, at {@code TIME_SETTOD_SEC_MAX}
     * (KTIME_SEC_MAX minus 30 years of uptime, around 2232); timens's clock is its own and
     * only needs to stay representable, so the full KTIME_MAX range is offered.
     */
    public static final Instant MAX_INSTANT = Instant.ofEpochSecond(0, Long.MAX_VALUE - 1);

    /**
     * The largest magnitude of a parsed duration, 2^63 - 1 ns (about 292.47 years of
     * 365 days). The negative limit is the same magnitude, not {@code Long.MIN_VALUE} ns,
     * so that negating a parsed duration never overflows.
     */
    public static final Duration MAX_DURATION = Duration.ofNanos(Long.MAX_VALUE);

    private static final String AT = "--at value";
    private static final String DURATION = "duration";

    private static final String INSTANT_FORMS =
            "use YYYY-MM-DD[THH:MM[:SS[.frac]]][Z|+HH:MM|-HH:MM], or @SECONDS[.frac] since 1970-01-01 UTC";
    private static final String EPOCH_FORM =
            "'@' takes seconds since 1970-01-01 UTC, e.g. @1700000000 or @1700000000.25";
    private static final String DURATION_FORMS =
            "use seconds (90, -0.5) or number+unit terms (1h30m, -2d, 1.5h) with units ns us ms s m h d w y";
    private static final String RANGE = "out of range: must be between 1970-01-01 and 2262-04-11"
            + " (from 1970-01-01T00:00:00Z up to, not including, 2262-04-11T23:47:16.854775807Z)";

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long SECONDS_PER_DAY = 86_400L;
    private static final int MAX_FRACTION_DIGITS = 9;
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

    /** Nanoseconds per duration unit, keyed by every spelling accepted. */
    private static final Map<String, Long> UNIT_NANOS = unitNanos();

    /**
     * Spellings a user may mean as months. Rejected by name because a month is 28 to 31
     * days, so "1M" has no single length; systemd and others guess (30.44 days), we ask.
     */
    private static final Set<String> MONTH_UNITS =
            Set.of("M", "mo", "mon", "mons", "month", "months", "mth", "mths");

    private TimeSpecs() {}

    /**
     * Parses DATE for {@code --at}. zone = the local zone used when DATE has no zone.
     *
     * <p>Accepted, with {@code T} and {@code Z} in either case and {@code T} replaceable by
     * one space:
     * <ul>
     *   <li>{@code 2038-01-19T03:14:07Z}, {@code 2038-01-19T03:14:07+02:00} (also
     *       {@code +0200}, {@code +02}): RFC 3339 / ISO 8601 with a zone, which wins over
     *       {@code zone};</li>
     *   <li>{@code 2038-01-19T03:14:07}, {@code 2038-01-19 03:14}: local time in
     *       {@code zone};</li>
     *   <li>{@code 2038-01-19}: midnight in {@code zone};</li>
     *   <li>{@code @2147483640}, {@code @1700000000.123456789}: seconds since the epoch
     *       (UTC), optionally signed.</li>
     * </ul>
     * Seconds may carry 1 to 9 fraction digits; more is an error, never rounded. There are
     * no leap seconds (second 60) because Linux clocks have none.
     *
     * <p>A local time that does not exist in {@code zone} (a gap, clocks jump forward)
     * is moved later by the length of the gap: {@code 2024-03-31 02:30} in Europe/Berlin
     * is 03:30 CEST. A local time that occurs twice (an overlap, clocks go back) takes the
     * earlier offset, i.e. its first occurrence: {@code 2024-10-27 02:30} in Europe/Berlin
     * is 02:30 CEST (+02:00). Both are what {@link ZonedDateTime#of(LocalDateTime, ZoneId)}
     * does.
     *
     * @return an instant within {@link #MIN_INSTANT}..{@link #MAX_INSTANT}
     * @throws SpecException if the text is not one of the forms above, names a date or
     *     time that does not exist (month 13, February 30, hour 24...), or is out of range
     */
    public static Instant parseInstant(String text, ZoneId zone) {
        Objects.requireNonNull(zone, "zone");
        return parseInstant(text, LocalZone.of(zone));
    }

    /**
     * As {@link #parseInstant(String, ZoneId)}, in a zone that may count leap
     * seconds: a date (not {@code @SECONDS}, which is a {@code time_t} already)
     * becomes the {@code time_t} that the zone's programs show as that date.
     */
    static Instant parseInstant(String text, LocalZone zone) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(zone, "zone");
        if (text.isEmpty()) {
            throw new SpecException(AT, text, "empty; " + INSTANT_FORMS);
        }
        if (text.charAt(0) == '@') {
            String seconds = text.substring(1);
            if (looksLikeDate(seconds)) {
                // Here '@' is only for epoch seconds; --faketime is where '@' precedes a date.
                throw new SpecException(AT, text, EPOCH_FORM + "; write a date without '@'");
            }
            return epochInstant(AT, text, seconds);
        }
        return new DateTimeReader(AT, text, text).instant(zone);
    }

    /**
     * Parses a signed duration for {@code --offset}, {@code --monotonic}, {@code --boottime}.
     *
     * <p>An optional sign ({@code +} or {@code -}, default {@code +}), then either a plain
     * number of seconds ({@code 3600}, {@code -0.5}) or one or more number+unit terms
     * written together, in any order, which add up ({@code 1h30m}, {@code 90min},
     * {@code +1h30m15s}, {@code 1.5h}, {@code 1h1h} = 2h). Units, lowercase only:
     * <ul>
     *   <li>{@code ns}; {@code us} or {@code µs}; {@code ms};</li>
     *   <li>{@code s}, {@code sec}, {@code secs}, {@code second}, {@code seconds};</li>
     *   <li>{@code m}, {@code min}, {@code mins}, {@code minute}, {@code minutes};</li>
     *   <li>{@code h}, {@code hr}, {@code hrs}, {@code hour}, {@code hours};</li>
     *   <li>{@code d}, {@code day}, {@code days} (24 hours: durations ignore DST);</li>
     *   <li>{@code w}, {@code week}, {@code weeks} (7 days);</li>
     *   <li>{@code y}, {@code year}, {@code years}: a year is always 365 days.</li>
     * </ul>
     * Months are not accepted: their length varies, so the message asks for days.
     * Any number may have a fraction; the result is exact, and a term that comes to a
     * fraction of a nanosecond ({@code 1.5ns}) is an error rather than rounded.
     *
     * @return a duration whose magnitude is at most {@link #MAX_DURATION}
     * @throws SpecException on anything else (spaces, a sign after the start, unknown
     *     units...) or if the magnitude is larger than {@link #MAX_DURATION}
     */
    public static Duration parseDuration(String text) {
        Objects.requireNonNull(text, "text");
        return duration(DURATION, text);
    }

    /**
     * Parses a {@code FAKETIME} string exactly as libfaketime 0.9.10 reads it, or refuses it
     * when timens cannot give it the same meaning: see {@link FaketimeReader}.
     *
     * <p>In short: {@code +2d}, {@code -120}, {@code +1,5h} (an offset; the number ends at
     * a comma, as libfaketime reads it in the C locale, so that is one hour);
     * {@code @2020-12-24 20:30:00} (start there, {@link FaketimeSpec.StartAt});
     * {@code 2020-12-24 20:30:00} (stand still there, {@link FaketimeSpec.Frozen});
     * {@code %} ({@link FaketimeSpec.FollowFile}); each but the frozen date with an optional
     * speed ({@code x10}, {@link FaketimeSpec.Speed}). The per-read increment ({@code i2})
     * is refused: the namespace's clocks advance with time, not with reads.
     *
     * @param zone the local zone for dates
     * @throws SpecException if libfaketime would fail on the string, or timens cannot
     *     mean the same by it, or it is out of range
     */
    public static FaketimeSpec parseFaketime(String text, ZoneId zone) {
        Objects.requireNonNull(zone, "zone");
        return parseFaketime(text, LocalZone.of(zone));
    }

    /** As {@link #parseFaketime(String, ZoneId)}, in a zone that may count leap seconds (see {@link #parseInstant(String, LocalZone)}). */
    static FaketimeSpec parseFaketime(String text, LocalZone zone) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(zone, "zone");
        return FaketimeReader.read(text, zone);
    }

    /** As {@link #parseFaketime(String, LocalZone)}, with dates in {@code format} (libfaketime's FAKETIME_FMT). */
    static FaketimeSpec parseFaketime(String text, LocalZone zone, FaketimeReader.Format format) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(zone, "zone");
        return FaketimeReader.read(text, zone, format);
    }

    // ---------------------------------------------------------------- epoch seconds

    /** {@code [+-]DIGITS[.DIGITS]}, 1 to 9 fraction digits; {@code input} is for messages. */
    private static Instant epochInstant(String subject, String input, String body) {
        int n = body.length();
        int i = 0;
        boolean negative = false;
        if (i < n && (body.charAt(i) == '+' || body.charAt(i) == '-')) {
            negative = body.charAt(i) == '-';
            i++;
        }
        int intStart = i;
        while (i < n && isDigit(body.charAt(i))) {
            i++;
        }
        if (i == intStart) {
            throw new SpecException(subject, input, EPOCH_FORM);
        }
        int intEnd = i;
        int nanos = 0;
        if (i < n && body.charAt(i) == '.') {
            i++;
            int fracStart = i;
            while (i < n && isDigit(body.charAt(i))) {
                i++;
            }
            nanos = fractionNanos(subject, input, body, fracStart, i);
        }
        if (i < n) {
            throw new SpecException(subject, input, "unexpected " + SpecException.quote(body.substring(i))
                    + " after the seconds; " + EPOCH_FORM);
        }
        // Leading zeros are harmless; past 11 significant digits the value is surely out of
        // range, and checking that first keeps parseLong from overflowing.
        int significant = intStart;
        while (significant < intEnd - 1 && body.charAt(significant) == '0') {
            significant++;
        }
        if (intEnd - significant > 11) {
            throw new SpecException(subject, input, RANGE);
        }
        long seconds = Long.parseLong(body, significant, intEnd, 10);
        if (negative && (seconds != 0 || nanos != 0)) {
            throw new SpecException(subject, input, RANGE);
        }
        return inRange(subject, input, Instant.ofEpochSecond(seconds, nanos));
    }

    /** Digits of a fraction of a second, {@code [from, to)} of {@code body}, as nanoseconds. */
    private static int fractionNanos(String subject, String input, String body, int from, int to) {
        int digits = to - from;
        if (digits == 0) {
            throw new SpecException(subject, input, "the fraction after '.' needs digits");
        }
        if (digits > MAX_FRACTION_DIGITS) {
            throw new SpecException(subject, input, "at most 9 fraction digits (nanoseconds), got " + digits);
        }
        int value = Integer.parseInt(body, from, to, 10);
        for (int k = digits; k < MAX_FRACTION_DIGITS; k++) {
            value *= 10;
        }
        return value;
    }

    private static Instant inRange(String subject, String input, Instant instant) {
        if (instant.isBefore(MIN_INSTANT) || instant.isAfter(MAX_INSTANT)) {
            throw new SpecException(subject, input, RANGE);
        }
        return instant;
    }

    // ---------------------------------------------------------------- dates

    /** Four digits and a '-': the start of YYYY-MM-DD, so a date however it goes on. */
    private static boolean looksLikeDate(String s) {
        if (s.length() < 5 || s.charAt(4) != '-') {
            return false;
        }
        for (int i = 0; i < 4; i++) {
            if (!isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads {@code YYYY-MM-DD[(T|t| )HH:MM[:SS[.frac]][Z|z|(+|-)HH[[:]MM]]]} left to right,
     * so that each error can name the field that is wrong.
     */
    private static final class DateTimeReader {
        private final String subject;
        private final String input;
        private final String body;
        private int pos;

        /**
         * @param input the user's whole text, for messages
         * @param body the part of it that is the date
         */
        DateTimeReader(String subject, String input, String body) {
            this.subject = subject;
            this.input = input;
            this.body = body;
        }

        Instant instant(LocalZone zone) {
            if (body.isEmpty() || !isDigit(body.charAt(0))) {
                throw fail((body.isEmpty() ? "no date; " : "not a date; ") + INSTANT_FORMS);
            }
            int year = field(4, "year");
            expect('-', "after the year");
            int month = field(2, "month");
            if (month < 1 || month > 12) {
                throw fail("month must be 1..12");
            }
            expect('-', "after the month");
            int day = field(2, "day");
            YearMonth yearMonth = YearMonth.of(year, month);
            if (day < 1 || day > yearMonth.lengthOfMonth()) {
                throw fail("day must be 1.." + yearMonth.lengthOfMonth() + " in "
                        + yearMonth.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH) + " " + year);
            }
            if (atEnd()) {
                return inRange(zone.clockReading(ZonedDateTime.of(year, month, day, 0, 0, 0, 0, zone.rules()).toInstant()));
            }
            char separator = body.charAt(pos);
            if (separator != 'T' && separator != 't' && separator != ' ') {
                throw fail("expected 'T' or a space between the date and the time, found "
                        + SpecException.quote(rest()) + "; " + INSTANT_FORMS);
            }
            pos++;
            int hour = field(2, "hour");
            if (hour > 23) {
                throw fail("hour must be 0..23");
            }
            expect(':', "after the hour");
            int minute = field(2, "minute");
            if (minute > 59) {
                throw fail("minute must be 0..59");
            }
            int second = 0;
            int nanos = 0;
            if (accept(':')) {
                second = field(2, "second");
                if (second > 59) {
                    throw fail("second must be 0..59");
                }
                if (accept('.')) {
                    int fracStart = pos;
                    skipDigits();
                    nanos = fractionNanos(subject, input, body, fracStart, pos);
                }
            }
            LocalDateTime local = LocalDateTime.of(year, month, day, hour, minute, second, nanos);
            ZoneOffset offset = offset();
            if (offset == null && rest().matches(" +[Zz+-].*")) {
                throw fail("write the zone offset right after the time, without a space, e.g. 03:14:07+02:00");
            }
            if (!atEnd()) {
                throw fail("unexpected " + SpecException.quote(rest()) + " after the "
                        + (offset == null ? "time" : "zone offset") + "; " + INSTANT_FORMS);
            }
            if (offset != null) {
                return inRange(zone.clockReading(local.toInstant(offset)));
            }
            return inRange(zone.clockReading(ZonedDateTime.of(local, zone.rules()).toInstant()));
        }

        /** {@code Z}, {@code z}, {@code ±HH}, {@code ±HHMM}, {@code ±HH:MM}, or null if none. */
        private ZoneOffset offset() {
            if (accept('Z') || accept('z')) {
                return ZoneOffset.UTC;
            }
            if (atEnd() || (body.charAt(pos) != '+' && body.charAt(pos) != '-')) {
                return null;
            }
            int sign = body.charAt(pos) == '-' ? -1 : 1;
            pos++;
            int start = pos;
            skipDigits();
            int hours;
            int minutes = 0;
            if (pos - start == 4) {
                hours = Integer.parseInt(body, start, start + 2, 10);
                minutes = Integer.parseInt(body, start + 2, pos, 10);
            } else if (pos - start == 2) {
                hours = Integer.parseInt(body, start, pos, 10);
                if (accept(':')) {
                    minutes = field(2, "offset minute");
                }
            } else {
                throw fail("a zone offset is +HH:MM, +HHMM or +HH (or - for west of UTC); " + INSTANT_FORMS);
            }
            // java.time's limit; real zones stay within -12:00..+14:00.
            if (minutes > 59 || hours * 60 + minutes > 18 * 60) {
                throw fail("zone offset must be between -18:00 and +18:00");
            }
            return ZoneOffset.ofTotalSeconds(sign * (hours * 3600 + minutes * 60));
        }

        /** Exactly {@code width} ASCII digits; callers check the value's range. */
        private int field(int width, String name) {
            int start = pos;
            skipDigits();
            int length = pos - start;
            if (length == 0) {
                throw fail("expected the " + name + " (" + width + " digits) "
                        + (atEnd() ? "at the end" : "at " + SpecException.quote(rest())) + "; " + INSTANT_FORMS);
            }
            if (length != width) {
                throw fail("the " + name + " must have " + width + " digits; " + INSTANT_FORMS);
            }
            return Integer.parseInt(body, start, pos, 10);
        }

        private void expect(char c, String where) {
            if (!accept(c)) {
                throw fail("expected '" + c + "' " + where
                        + (atEnd() ? "" : ", found " + SpecException.quote(rest())) + "; " + INSTANT_FORMS);
            }
        }

        private boolean accept(char c) {
            if (!atEnd() && body.charAt(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }

        private void skipDigits() {
            while (!atEnd() && isDigit(body.charAt(pos))) {
                pos++;
            }
        }

        private boolean atEnd() {
            return pos == body.length();
        }

        private String rest() {
            return body.substring(pos);
        }

        private Instant inRange(Instant instant) {
            return TimeSpecs.inRange(subject, input, instant);
        }

        private SpecException fail(String reason) {
            return new SpecException(subject, input, reason);
        }
    }

    // ---------------------------------------------------------------- durations

    private static Duration duration(String subject, String text) {
        return duration(subject, text, text);
    }

    /**
     * Reads {@code [+-](NUMBER | (NUMBER UNIT)+)}, adding the terms exactly in nanoseconds.
     *
     * @param input the user's whole text, for messages
     * @param body the part of it that is the duration
     */
    private static Duration duration(String subject, String input, String body) {
        int n = body.length();
        if (n == 0) {
            throw new SpecException(subject, input, "empty; " + DURATION_FORMS);
        }
        int i = 0;
        boolean negative = false;
        if (body.charAt(0) == '+' || body.charAt(0) == '-') {
            negative = body.charAt(0) == '-';
            i++;
            if (i == n) {
                throw new SpecException(subject, input, "a sign must be followed by a number; " + DURATION_FORMS);
            }
        }
        BigDecimal total = BigDecimal.ZERO;
        boolean firstTerm = true;
        while (i < n) {
            char c = body.charAt(i);
            if (!isDigit(c)) {
                throw new SpecException(subject, input, notANumber(body, i));
            }
            int numberStart = i;
            while (i < n && isDigit(body.charAt(i))) {
                i++;
            }
            if (i < n && body.charAt(i) == '.') {
                i++;
                int fracStart = i;
                while (i < n && isDigit(body.charAt(i))) {
                    i++;
                }
                if (i == fracStart) {
                    throw new SpecException(subject, input, "the fraction after '.' needs digits");
                }
            }
            String number = body.substring(numberStart, i);
            int unitStart = i;
            while (i < n && Character.isLetter(body.charAt(i))) {
                i++;
            }
            String unit = body.substring(unitStart, i);
            long unitNanos;
            if (!unit.isEmpty()) {
                unitNanos = unitNanos(subject, input, unit);
            } else if (firstTerm && i == n) {
                unitNanos = NANOS_PER_SECOND; // a plain number: seconds
            } else if (i == n) {
                throw new SpecException(subject, input, SpecException.quote(number)
                        + " needs a unit (only a lone number means seconds), e.g. 1h30m");
            } else {
                throw new SpecException(subject, input, notANumber(body, i));
            }
            BigDecimal term = new BigDecimal(number).multiply(BigDecimal.valueOf(unitNanos));
            if (term.signum() != 0 && term.stripTrailingZeros().scale() > 0) {
                throw new SpecException(subject, input, SpecException.quote(body.substring(numberStart, i))
                        + " is not a whole number of nanoseconds");
            }
            total = total.add(term);
            // Every term is positive, so once past the limit the sum stays past it.
            if (total.compareTo(MAX_NANOS) > 0) {
                throw new SpecException(subject, input, "out of range: the magnitude must be at most "
                        + "9223372036.854775807s (2^63-1 ns, about 292 years)");
            }
            firstTerm = false;
        }
        long nanos = total.longValueExact();
        return Duration.ofNanos(negative ? -nanos : nanos);
    }

    /** Why the character at {@code i}, where a number should start, is not one, and what to write. */
    private static String notANumber(String body, int i) {
        char c = body.charAt(i);
        if (c == '+' || c == '-') {
            return "a sign is only allowed at the start";
        }
        if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
            return "spaces are not allowed; write the terms together, e.g. 1h30m";
        }
        if (c == '.') {
            return "a number must start with a digit, e.g. 0.5";
        }
        if (Character.isLetter(c)) {
            int end = i;
            while (end < body.length() && Character.isLetter(body.charAt(end))) {
                end++;
            }
            return "unit " + SpecException.quote(body.substring(i, end)) + " needs a number before it, e.g. 1"
                    + body.substring(i, end);
        }
        return "unexpected " + SpecException.quote(body.substring(i, i + 1)) + "; " + DURATION_FORMS;
    }

    private static long unitNanos(String subject, String input, String unit) {
        Long nanos = UNIT_NANOS.get(unit);
        if (nanos != null) {
            return nanos;
        }
        String reason;
        if (MONTH_UNITS.contains(unit)) {
            reason = "months are not accepted because their length varies; use days, e.g. 30d";
        } else if (UNIT_NANOS.containsKey(unit.toLowerCase(Locale.ROOT))) {
            reason = "units are lowercase: write " + SpecException.quote(unit.toLowerCase(Locale.ROOT))
                    + ", not " + SpecException.quote(unit);
        } else {
            reason = "unknown unit " + SpecException.quote(unit) + "; " + DURATION_FORMS;
        }
        throw new SpecException(subject, input, reason);
    }

    private static Map<String, Long> unitNanos() {
        Map<String, Long> units = new HashMap<>();
        addUnit(units, 1L, "ns");
        // MICRO SIGN and GREEK SMALL LETTER MU look the same; users type either.
        addUnit(units, 1_000L, "us", "\u00b5s", "\u03bcs");
        addUnit(units, 1_000_000L, "ms");
        addUnit(units, NANOS_PER_SECOND, "s", "sec", "secs", "second", "seconds");
        addUnit(units, 60 * NANOS_PER_SECOND, "m", "min", "mins", "minute", "minutes");
        addUnit(units, 3_600 * NANOS_PER_SECOND, "h", "hr", "hrs", "hour", "hours");
        addUnit(units, SECONDS_PER_DAY * NANOS_PER_SECOND, "d", "day", "days");
        addUnit(units, 7 * SECONDS_PER_DAY * NANOS_PER_SECOND, "w", "week", "weeks");
        addUnit(units, 365 * SECONDS_PER_DAY * NANOS_PER_SECOND, "y", "year", "years");
        return Map.copyOf(units);
    }

    private static void addUnit(Map<String, Long> units, long nanos, String... spellings) {
        for (String spelling : spellings) {
            units.put(spelling, nanos);
        }
    }

    // ---------------------------------------------------------------- characters

    /** ASCII only: {@link Character#isDigit} would also take Arabic-Indic and other digits. */
    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
