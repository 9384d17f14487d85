package dev.timens.clock;

import dev.timens.linux.Errno;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a write to /proc/PID/timens_offsets says, read as the kernel reads it
 * (fs/proc/base.c): up to two lines of {@code CLOCK SECONDS NANOSECONDS}, each
 * scanned as {@code "%9s %lld %lu"}, where CLOCK is {@code monotonic} or
 * {@code 1}, {@code boottime} or {@code 7}; nanoseconds below a second. The
 * kernel stops after the second offset and reports the bytes up to it as
 * written.
 *
 * @param offsets what each line sets, in order
 * @param written how many bytes the write reports
 */
record TimensOffsets(List<Offset> offsets, long written) {
    /** The kernel's KTIME_SEC_MAX: the largest number of seconds a ktime_t holds. */
    static final long KTIME_SEC_MAX = Long.MAX_VALUE / 1_000_000_000L;
    /** The most one write may hold (PAGE_SIZE, exclusive). */
    static final int MAX_WRITE = 4096;

    /** One line: the clock it moves, and the offset from the host's (here: the outermost namespace's) clock. */
    record Offset(ClockGroup clock, long seconds, long nanos) {}

    /** A write the kernel refuses, with its errno. */
    static final class Refused extends Exception {
        final int errno;

        Refused(int errno) {
            super(Errno.describe(errno), null, false, false);
            this.errno = errno;
        }
    }

    /** Reads {@code bytes}, one write's worth, as the kernel does. */
    static TimensOffsets parse(byte[] bytes) throws Refused {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) end++; // the kernel's copy ends at the first NUL
        String text = new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
        List<Offset> offsets = new ArrayList<>();
        long written = bytes.length;
        int pos = 0;
        while (true) {
            int newline = text.indexOf('\n', pos);
            String line = newline < 0 ? text.substring(pos) : text.substring(pos, newline);
            int next = newline < 0 || newline + 1 == text.length() ? -1 : newline + 1;
            offsets.add(line(line));
            if (offsets.size() == 2) {
                if (next >= 0) written = next;
                break;
            }
            if (next < 0) break;
            pos = next;
        }
        return new TimensOffsets(List.copyOf(offsets), written);
    }

    /** One line, scanned as {@code "%9s %lld %lu"}. */
    private static Offset line(String line) throws Refused {
        Scanner s = new Scanner(line);
        String clock = s.word(9);
        s.skipSpaces();
        Long seconds = s.number(true);
        s.skipSpaces();
        Long nanos = s.number(false);
        if (clock == null || seconds == null || nanos == null) throw new Refused(Errno.EINVAL);
        if (Long.compareUnsigned(nanos, 1_000_000_000L) >= 0) throw new Refused(Errno.EINVAL);
        ClockGroup group = switch (clock) {
            case "monotonic", "1" -> ClockGroup.MONOTONIC;
            case "boottime", "7" -> ClockGroup.BOOTTIME;
            default -> throw new Refused(Errno.EINVAL);
        };
        return new Offset(group, seconds, nanos);
    }

    /** The kernel's vsscanf, for the three conversions used here. */
    private static final class Scanner {
        private final String s;
        private int i;

        Scanner(String s) {
            this.s = s;
        }

        private static boolean space(char c) {
            return c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r';
        }

        private static boolean digit(char c) {
            return c >= '0' && c <= '9';
        }

        void skipSpaces() {
            while (i < s.length() && space(s.charAt(i))) i++;
        }

        /** %Ns: spaces skipped, then up to {@code width} other characters; null at the end of the line. */
        String word(int width) {
            skipSpaces();
            if (i >= s.length()) return null;
            int start = i;
            while (i < s.length() && i - start < width && !space(s.charAt(i))) i++;
            return s.substring(start, i);
        }

        /**
         * %lld or %lu: decimal digits, with a leading '-' for a signed one only;
         * null when no digit follows. Too many digits wrap, as the kernel's do.
         */
        Long number(boolean signed) {
            if (i >= s.length()) return null;
            boolean negative = signed && s.charAt(i) == '-';
            int at = negative ? i + 1 : i;
            if (at >= s.length() || !digit(s.charAt(at))) return null;
            long value = 0;
            while (at < s.length() && digit(s.charAt(at))) {
                value = value * 10 + (s.charAt(at) - '0');
                at++;
            }
            i = at;
            return negative ? -value : value;
        }
    }

    /** The file's text for offsets {@code monotonic} and {@code boottime} (nanoseconds), as the kernel shows it. */
    static String show(long monotonic, long boottime) {
        return line("monotonic", monotonic) + line("boottime", boottime);
    }

    private static String line(String clock, long nanos) {
        return String.format(java.util.Locale.ROOT, "%-10s %10d %9d%n", clock, Math.floorDiv(nanos, 1_000_000_000L),
                Math.floorMod(nanos, 1_000_000_000L));
    }
}
