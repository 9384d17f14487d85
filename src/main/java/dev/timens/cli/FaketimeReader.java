package dev.timens.cli;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZonedDateTime;

/**
 * Reads a {@code FAKETIME} string as libfaketime 0.9.10 does (src/libfaketime.c,
 * {@code parse_ft_string}, with {@code FAKETIME_FMT} its default {@code %Y-%m-%d %T} or
 * {@code %s}), so that a string means the same time under timens as under libfaketime,
 * or is refused.
 *
 * <p>What libfaketime does, and so what is done here:
 * <ul>
 *   <li>The first character decides. {@code +} or {@code -}: an offset. {@code @}: a start
 *       date that then ticks. {@code %}: start at the modification time of the file named
 *       by {@code FAKETIME_FOLLOW_FILE}. {@code x} or {@code i}: modifiers only, which
 *       libfaketime takes as "no faked time" (refused here). Anything else: a date at
 *       which the clock stands still.</li>
 *   <li>An offset is the number {@code strtod} reads at the start of the whole string
 *       (in the C locale, as libfaketime parses in its constructor, before the program
 *       can call {@code setlocale}): so a comma ends the number, {@code +2,5y} is two
 *       years and {@code +1,5h} one hour. The unit is the first of the letters
 *       {@code m}, {@code h}, {@code d}, {@code y} that occurs <em>anywhere</em> in the
 *       string, in that order of preference, else seconds: {@code -3d12h} is minus three
 *       hours. The value is computed in double precision, as libfaketime does.</li>
 *   <li>A date is read by glibc's {@code strptime} rules for {@code %Y-%m-%d %T}: spaces
 *       may precede each number, a space in the format matches any run of white space
 *       (none included), a number stops at the digit that would take it out of range
 *       ({@code 2020-2-30} is read, then normalised by {@code mktime} to March 1), seconds
 *       go up to 61. Whatever follows the seconds is ignored, except that a {@code .}
 *       right after them starts a fraction of a second. The date is local time
 *       ({@code TZ}). Under {@code FAKETIME_FMT=%s} a date is instead seconds since the
 *       epoch: digits only, no sign, no leading space.</li>
 *   <li>The speed is the number {@code strtod} reads after the first {@code x} anywhere in
 *       the string; without an {@code x}, an {@code i} asks for a per-read increment.</li>
 * </ul>
 * Refused, because timens cannot make them mean the same: the per-read increment, a
 * negative speed, a speed on a date that stands still (libfaketime would still scale
 * sleeps by it), and values out of timens's range.
 */
final class FaketimeReader {
    private static final String SUBJECT = "--faketime value";
    private static final String FORMS = "libfaketime takes '+2d', '-1,5h' (offsets), '@2020-12-24 20:30:00'"
            + " (start there), '2020-12-24 20:30:00' (stand still there), '%' (FAKETIME_FOLLOW_FILE's time),"
            + " each with an optional speed such as ' x10'";
    private static final String DATE_FORM = "libfaketime reads dates as 'YYYY-MM-DD hh:mm:ss' (FAKETIME_FMT"
            + " '%Y-%m-%d %T')";
    private static final double NANOS_PER_SECOND = 1_000_000_000.0;

    /** The strptime formats of FAKETIME_FMT that timens reads dates in. */
    enum Format {
        /** libfaketime's default. */
        DATE_TIME("%Y-%m-%d %T"),
        /** Seconds since the epoch. */
        EPOCH_SECONDS("%s");

        private final String spelling;

        Format(String spelling) {
            this.spelling = spelling;
        }

        /** The format FAKETIME_FMT spells so, or null when timens does not read it. */
        static Format of(String spelling) {
            for (Format f : values()) {
                if (f.spelling.equals(spelling)) return f;
            }
            return null;
        }

        @Override
        public String toString() {
            return spelling;
        }
    }

    private final String text;
    private final LocalZone zone;
    private final Format format;

    private FaketimeReader(String text, LocalZone zone, Format format) {
        this.text = text;
        this.zone = zone;
        this.format = format;
    }

    /** See the class comment; {@code zone} is the local zone dates are read in. */
    static FaketimeSpec read(String text, LocalZone zone) {
        return read(text, zone, Format.DATE_TIME);
    }

    /** As {@link #read(String, LocalZone)}, with dates in {@code format} (FAKETIME_FMT). */
    static FaketimeSpec read(String text, LocalZone zone, Format format) {
        return new FaketimeReader(text, zone, format).read();
    }

    private FaketimeSpec read() {
        if (text.isEmpty()) {
            throw fail("empty; " + FORMS);
        }
        return switch (text.charAt(0)) {
            case '+', '-' -> ticking(new FaketimeSpec.Offset(offset()));
            case '@' -> ticking(new FaketimeSpec.StartAt(date(1, "'@' ")));
            case '%' -> ticking(new FaketimeSpec.FollowFile());
            case 'x', 'i' -> throw fail("a speed or increment needs a start or an offset before it, e.g. "
                    + SpecException.quote("+0 " + text) + " (libfaketime alone would ignore it and show the real time)");
            default -> frozen();
        };
    }

    /** libfaketime's parse_modifiers: the first 'x' anywhere gives the speed; else an 'i' an increment. */
    private FaketimeSpec ticking(FaketimeSpec clock) {
        int x = text.indexOf('x');
        if (x >= 0) {
            double rate = CNumber.strtod(text, x + 1).value();
            if (Double.isNaN(rate) || rate < 0) {
                throw fail("speed " + SpecException.quote(text.substring(x)) + " is " + (rate < 0 ? "negative" : "not a number")
                        + ": timens's clocks cannot run backwards");
            }
            if (Double.isInfinite(rate)) {
                throw fail("speed " + SpecException.quote(text.substring(x)) + " is out of range");
            }
            return new FaketimeSpec.Speed(clock, BigDecimal.valueOf(rate));
        }
        int i = text.indexOf('i');
        if (i >= 0) {
            throw fail("per-read increment " + SpecException.quote(text.substring(i))
                    + " is not supported (libfaketime reads any 'i' without an 'x' so; timens's clocks advance"
                    + " with time, not with reads: use a speed such as 'x2' or --rate)");
        }
        return clock;
    }

    /** A date that stands still. libfaketime ignores any speed or increment after it, except in sleeps. */
    private FaketimeSpec frozen() {
        Instant instant = date(0, "");
        if (text.indexOf('x') >= 0) {
            throw fail("a date that stands still cannot have a speed (libfaketime would keep it still but"
                    + " shorten sleeps by the speed, which timens does not do); use "
                    + SpecException.quote("@" + text.strip()) + " to start there and tick");
        }
        return new FaketimeSpec.Frozen(instant);
    }

    /** {@code atof(text)} times the first unit letter found, split as libfaketime splits it. */
    private Duration offset() {
        double offset = CNumber.strtod(text, 0).value();
        if (text.indexOf('m') >= 0) {
            offset *= 60;
        } else if (text.indexOf('h') >= 0) {
            offset *= 60 * 60;
        } else if (text.indexOf('d') >= 0) {
            offset *= 60 * 60 * 24;
        } else if (text.indexOf('y') >= 0) {
            offset *= 60 * 60 * 24 * 365;
        }
        double seconds = Math.floor(offset);
        // Beyond 2^63 ns either way (and for inf and NaN) the kernel's clock cannot hold it.
        if (!(Math.abs(seconds) <= TimeSpecs.MAX_DURATION.getSeconds() - 1)) {
            throw fail("out of range: the offset must be within about 292 years either way");
        }
        long nanos = (long) ((offset - seconds) * NANOS_PER_SECOND);
        return Duration.ofSeconds((long) seconds, nanos);
    }

    /**
     * glibc's strptime of {@code %Y-%m-%d %T} from {@code from}, then mktime in the local
     * zone, then the fraction libfaketime reads after a '.'.
     */
    private Instant date(int from, String what) {
        if (format == Format.EPOCH_SECONDS) return epochSeconds(from, what);
        Strptime p = new Strptime(text, from);
        int year = p.number(0, 9999, 4);
        boolean ok = year >= 0 && p.literal('-');
        int month = ok ? p.number(1, 12, 2) : -1;
        ok = month >= 0 && p.literal('-');
        int day = ok ? p.number(1, 31, 2) : -1;
        if (day < 0) {
            throw fail(what + "needs a date and a time; " + DATE_FORM + hintFor(from));
        }
        p.spaces();
        int hour = p.number(0, 23, 2);
        ok = hour >= 0 && p.literal(':');
        int minute = ok ? p.number(0, 59, 2) : -1;
        ok = minute >= 0 && p.literal(':');
        int second = ok ? p.number(0, 61, 2) : -1;
        if (second < 0) {
            throw fail(what + "needs a time after the date, with seconds; " + DATE_FORM + hintFor(from));
        }
        // mktime normalises out-of-range fields (February 30, second 60) by carrying them.
        LocalDateTime local = LocalDateTime.of(year, month, 1, 0, 0).plusDays(day - 1L).plusHours(hour)
                .plusMinutes(minute).plusSeconds(second);
        return withFraction(zone.clockReading(ZonedDateTime.of(local, zone.rules()).toInstant()), p.position());
    }

    /**
     * glibc's strptime of {@code %s}: digits at once (no space, no sign), then
     * localtime_r, which mktime turns back into the same seconds.
     */
    private Instant epochSeconds(int from, String what) {
        int end = from;
        while (end < text.length() && CNumber.isDigit(text.charAt(end))) end++;
        if (end == from) {
            throw fail(what + "needs seconds since the epoch (FAKETIME_FMT %s): digits, no sign or space");
        }
        String digits = text.substring(from, end).replaceFirst("^0+(?=.)", "");
        if (digits.length() > 11) throw fail("out of range: must be between 1970-01-01 and 2262-04-11");
        return withFraction(Instant.ofEpochSecond(Long.parseLong(digits)), end);
    }

    /** libfaketime's fraction after a date: read when a '.' follows right after it. */
    private Instant withFraction(Instant instant, int end) {
        if (end < text.length() && text.charAt(end) == '.') {
            // libfaketime backs up one character, to the last digit of the seconds.
            double seconds = CNumber.strtod(text, end - 1).value();
            double fraction = seconds - Math.floor(seconds);
            if (Double.isFinite(fraction)) {
                instant = instant.plusNanos((long) (fraction * NANOS_PER_SECOND));
            }
        }
        if (instant.isBefore(TimeSpecs.MIN_INSTANT) || instant.isAfter(TimeSpecs.MAX_INSTANT)) {
            throw fail("out of range: must be between 1970-01-01 and 2262-04-11");
        }
        return instant;
    }

    /** Where the user probably meant one of timens's own forms, which option takes it. */
    private String hintFor(int from) {
        String body = text.substring(from);
        if (body.matches("[0-9]+(\\.[0-9]*)?\\s*")) {
            return "; for seconds since the epoch use --at @" + body.strip();
        }
        if (body.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}\\s*")) {
            return ", e.g. '" + text.substring(0, from) + body.strip() + " 00:00:00'";
        }
        if (body.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt].*")) {
            return "; for ISO 8601 dates use --at";
        }
        return "";
    }

    private SpecException fail(String reason) {
        return new SpecException(SUBJECT, text, reason);
    }

    /** The number conversions of glibc's strptime, over {@code text} from a position. */
    private static final class Strptime {
        private final String text;
        private int pos;

        Strptime(String text, int pos) {
            this.text = text;
            this.pos = pos;
        }

        int position() {
            return pos;
        }

        /** A white space in the format: skips any run of white space, none included. */
        void spaces() {
            while (pos < text.length() && CNumber.isSpace(text.charAt(pos))) {
                pos++;
            }
        }

        boolean literal(char c) {
            if (pos < text.length() && text.charAt(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }

        /**
         * glibc's get_number(from, to, n): white space skipped, then at least one
         * digit, at most {@code width}, and no further digit once one more would make
         * the value exceed {@code to}; -1 where strptime fails.
         */
        int number(int from, int to, int width) {
            spaces();
            if (pos >= text.length() || !CNumber.isDigit(text.charAt(pos))) {
                return -1;
            }
            int value = 0;
            int left = width;
            do {
                value = value * 10 + (text.charAt(pos++) - '0');
            } while (--left > 0 && value * 10 <= to && pos < text.length() && CNumber.isDigit(text.charAt(pos)));
            return value < from || value > to ? -1 : value;
        }
    }
}
