package dev.timens.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Arrays;

/**
 * The local time zone that dates on the command line are read in, as the C
 * library of the programs inside will read their clocks: the zone's rules, and
 * its leap seconds.
 *
 * <p>Under a "right/" zone of the tz database ({@code TZ=right/UTC}, or
 * {@code /etc/localtime} pointing at one), {@code time_t} counts leap seconds:
 * glibc's {@code localtime} takes 1893456027, not 1893456000, as
 * 2030-01-01T00:00:00Z (27 leap seconds since 1972). A date given to
 * {@code --at} must then become the {@code time_t} that such programs show as
 * that date, or they are 27 s off. The leap seconds come from the zone's TZif
 * file (tzfile(5)); java.time knows no "right/" zones and has no leap seconds,
 * so it is asked only for the rules of the same zone without the prefix.
 *
 * @param rules   the zone's offsets from UTC
 * @param leapAt  for each leap second, the first UTC second (POSIX count) after it
 * @param leapSum the total correction from then on, in seconds
 */
record LocalZone(ZoneId rules, long[] leapAt, long[] leapSum) {
    private static final Path ZONEINFO = Path.of("/usr/share/zoneinfo");

    LocalZone {
        leapAt = leapAt.clone();
        leapSum = leapSum.clone();
    }

    /** A zone without leap seconds: {@code time_t} is POSIX time, as almost everywhere. */
    static LocalZone of(ZoneId rules) {
        return new LocalZone(rules, new long[0], new long[0]);
    }

    /**
     * The zone that {@code TZ} names (a name, {@code :name}, or a path), or
     * {@code /etc/localtime} when it is unset or empty; Java's default zone
     * without leap seconds when neither names a TZif file.
     */
    static LocalZone fromEnvironment() {
        return fromTz(System.getenv("TZ"));
    }

    /** The zone that a {@code TZ} of {@code tz} names (null: unset). */
    static LocalZone fromTz(String tz) {
        Path file;
        if (tz == null || tz.isEmpty()) {
            file = Path.of("/etc/localtime");
        } else {
            String name = tz.startsWith(":") ? tz.substring(1) : tz;
            file = name.startsWith("/") ? Path.of(name) : ZONEINFO.resolve(name);
        }
        Path real;
        byte[] tzif;
        try {
            real = file.toRealPath();
            tzif = Files.readAllBytes(real);
        } catch (IOException | SecurityException e) {
            return of(ZoneId.systemDefault());
        }
        long[][] leaps = leapSeconds(tzif);
        if (leaps[0].length == 0) return of(ZoneId.systemDefault());
        return new LocalZone(rulesFor(real), leaps[0], leaps[1]);
    }

    /**
     * The rules of a "right/" (or "posix/") zone's file: those of the zone of
     * the same name without the prefix ({@code right/Europe/Berlin} ->
     * Europe/Berlin); Java's default zone when there is none (a copied
     * /etc/localtime has no name to go by).
     */
    private static ZoneId rulesFor(Path file) {
        String name = file.toString();
        int zoneinfo = name.lastIndexOf("/zoneinfo/");
        if (zoneinfo >= 0) name = name.substring(zoneinfo + "/zoneinfo/".length());
        for (String prefix : new String[] {"right/", "posix/"}) {
            if (name.startsWith(prefix)) name = name.substring(prefix.length());
        }
        try {
            return ZoneId.of(name);
        } catch (DateTimeException e) {
            return ZoneId.systemDefault();
        }
    }

    /**
     * The leap second records of a TZif file (RFC 8536), from its 64-bit part
     * when it has one: {@code [0]} the first POSIX second after each leap
     * second, {@code [1]} the total correction from then on. Empty arrays
     * when it has none or is not a TZif file.
     */
    static long[][] leapSeconds(byte[] tzif) {
        long[][] none = {new long[0], new long[0]};
        ByteBuffer b = ByteBuffer.wrap(tzif);
        if (tzif.length < 44 || b.getInt(0) != 0x545a6966 /* "TZif" */) return none;
        int version = tzif[4];
        int at = 0;
        int timeSize = 4;
        if (version >= '2') {
            // Skip the 32-bit part: its header and data block.
            at = 44 + dataSize(b, 0, 4);
            if (tzif.length < at + 44 || b.getInt(at) != 0x545a6966) return none;
            timeSize = 8;
        }
        Counts counts = Counts.at(b, at);
        int leapcnt = counts.leapcnt();
        if (leapcnt <= 0 || counts.isutcnt() < 0 || counts.isstdcnt() < 0 || counts.timecnt() < 0
                || counts.typecnt() < 0 || counts.charcnt() < 0) return none;
        int leaps = at + 44 + counts.timecnt() * timeSize + counts.timecnt() + counts.typecnt() * 6 + counts.charcnt();
        if (leaps + (long) leapcnt * (timeSize + 4) > tzif.length) return none;
        long[] occurs = new long[leapcnt];
        long[] sum = new long[leapcnt];
        long previous = 0;
        for (int i = 0; i < leapcnt; i++) {
            int record = leaps + i * (timeSize + 4);
            long occurrence = timeSize == 8 ? b.getLong(record) : b.getInt(record);
            long correction = b.getInt(record + timeSize);
            // The record's time counts leap seconds (it is a time_t of this zone):
            // the corrections before it come off to give the POSIX second.
            occurs[i] = occurrence - previous;
            sum[i] = correction;
            previous = correction;
        }
        return new long[][] {occurs, sum};
    }

    /** The six counts of a TZif header (RFC 8536, 3.1), at bytes 20 to 43 of it. */
    private record Counts(int isutcnt, int isstdcnt, int leapcnt, int timecnt, int typecnt, int charcnt) {
        static Counts at(ByteBuffer b, int header) {
            return new Counts(b.getInt(header + 20), b.getInt(header + 24), b.getInt(header + 28),
                    b.getInt(header + 32), b.getInt(header + 36), b.getInt(header + 40));
        }
    }

    /** The size of a TZif data block with the counts of the header at {@code at}. */
    private static int dataSize(ByteBuffer b, int at, int timeSize) {
        Counts c = Counts.at(b, at);
        return c.timecnt() * timeSize + c.timecnt() + c.typecnt() * 6 + c.charcnt() + c.leapcnt() * (timeSize + 4)
                + c.isstdcnt() + c.isutcnt();
    }

    /**
     * The {@code time_t} (as an instant since the epoch) that this zone's
     * programs show as the UTC instant {@code utc}: {@code utc} itself, plus
     * the leap seconds inserted before it under a "right/" zone.
     */
    Instant clockReading(Instant utc) {
        int i = Arrays.binarySearch(leapAt, utc.getEpochSecond());
        int index = i >= 0 ? i : -i - 2; // the last leap second at or before utc
        return index < 0 ? utc : utc.plusSeconds(leapSum[index]);
    }

    /** Whether {@code time_t} counts leap seconds here. */
    boolean countsLeapSeconds() {
        return leapAt.length > 0;
    }
}
