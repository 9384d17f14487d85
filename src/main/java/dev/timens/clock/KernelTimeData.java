package dev.timens.clock;

import dev.timens.linux.Time;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntToLongFunction;

/**
 * The kernel's time data: the page at the start of the {@code [vvar]} mapping
 * from which the kernel's vDSO computes the time (two {@code struct
 * kernel_vdso_clock} of src/main/native/vdso/clock.h), and whether timens's
 * clock code may read it directly instead of calling the kernel's function.
 *
 * <p>Reading it directly is what lets a virtual clock read as fast as the host
 * clock: the offset is added while the time is still in registers, with no
 * call and no second pass over the caller's timespec. But the layout is the
 * kernel's internal business, not an ABI, so it is checked here, once, against
 * the running kernel, in this JVM's own mapping (the kernel maps the same data
 * at the same distance from the vDSO in every process): every field the clock
 * code reads must hold what it should, compared with the clocks read by
 * syscall. Anything unexpected (another layout, another clock source than the
 * TSC, a kernel time namespace) gives a refusal with its reason, and the clock
 * code then calls the kernel's function, as it does for every clock it does
 * not read directly; {@code timens --stats} says which way was taken.
 *
 * @param offsetFromVdso where the data lies relative to the kernel vDSO's
 *                       address, 0 when it must not be read
 * @param refusal        why it must not, or null
 */
public record KernelTimeData(long offsetFromVdso, String refusal) {
    /** struct kernel_vdso_clock (clock.h): size and field offsets. */
    static final int CLOCK_SIZE = 232;
    static final int OFF_SEQ = 0;
    static final int OFF_MODE = 4;
    static final int OFF_CYCLE_LAST = 8;
    static final int OFF_MAX_CYCLES = 16;
    static final int OFF_MASK = 24;
    static final int OFF_MULT = 32;
    static final int OFF_SHIFT = 36;
    static final int OFF_BASE = 40;
    static final int BASE_SIZE = 16;
    static final int MODE_TSC = 1;

    private static final long NS = 1_000_000_000L;
    /** How far behind the clocks the last update may be: a tick, or more when the kernel let ticks stop. */
    private static final long MAX_STALENESS = 10 * NS;
    private static final int ATTEMPTS = 100;
    private static final int PAGE = 4096;

    /** Counter-based clocks and where their base is: [clock struct, clock id]. */
    private static final int[][] COUNTER_CLOCKS = {
            {0, Time.CLOCK_REALTIME}, {0, Time.CLOCK_MONOTONIC}, {0, Time.CLOCK_BOOTTIME},
            {0, Time.CLOCK_TAI}, {1, Time.CLOCK_MONOTONIC_RAW}};
    /**
     * Pairs of those whose distance is nearly constant (the TAI offset, the
     * time spent suspended, NTP's correction): the bases must be as far apart
     * as the clocks, which tells their slots apart where the ten seconds above
     * cannot. Within DISTANCE_SLACK: the two syscalls may be preempted apart.
     */
    private static final int[][] DISTANCES = {
            {Time.CLOCK_TAI, Time.CLOCK_REALTIME}, {Time.CLOCK_BOOTTIME, Time.CLOCK_MONOTONIC},
            {Time.CLOCK_MONOTONIC_RAW, Time.CLOCK_MONOTONIC}};
    private static final long DISTANCE_SLACK = 20_000_000L;
    /** Clocks that read the last update's time as it is: their bases are exact. */
    private static final int[] TICK_CLOCKS = {Time.CLOCK_REALTIME_COARSE, Time.CLOCK_MONOTONIC_COARSE};

    static KernelTimeData refused(String reason) {
        return new KernelTimeData(0, reason);
    }

    public boolean usable() {
        return refusal == null;
    }

    /** One line for {@code --stats}. */
    public String describe() {
        return usable()
                ? "read directly from the kernel's time data (TSC), offset added in registers"
                : "through the kernel's vDSO function (" + refusal + ")";
    }

    /** Finds and checks the kernel's time data as mapped in this JVM. */
    public static KernelTimeData probe() {
        long vvar = -1;
        long vdso = -1;
        List<String> maps;
        try {
            maps = Files.readAllLines(Path.of("/proc/self/maps"));
        } catch (IOException e) {
            return refused("cannot read /proc/self/maps: " + e.getMessage());
        }
        for (String line : maps) {
            if (line.endsWith("[vvar]")) vvar = Long.parseUnsignedLong(line.substring(0, line.indexOf('-')), 16);
            if (line.endsWith("[vdso]")) vdso = Long.parseUnsignedLong(line.substring(0, line.indexOf('-')), 16);
        }
        if (vvar < 0 || vdso < 0) return refused("no [vvar] or [vdso] mapping in /proc/self/maps");
        long offset = vvar - vdso;
        if (offset >= 0 || offset < -64L * PAGE) return refused("[vvar] is not just below [vdso]");
        // Safe: [vvar] starts at vvar and is at least one page long, readable
        // for as long as the process lives; only its first page is read.
        MemorySegment page = MemorySegment.ofAddress(vvar).reinterpret(PAGE);
        return check(page, offset, Time::clockGettimeNanos);
    }

    /**
     * Checks {@code page} (the kernel's time data, live) against the clocks as
     * {@code clocks} reads them (nanoseconds, by the syscall). The data is
     * copied under its sequence count between two readings of the clocks, so
     * that a tick in between cannot make a correct layout look wrong.
     */
    static KernelTimeData check(MemorySegment page, long offsetFromVdso, IntToLongFunction clocks) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            long[] before = new long[TICK_CLOCKS.length];
            for (int i = 0; i < TICK_CLOCKS.length; i++) before[i] = clocks.applyAsLong(TICK_CLOCKS[i]);
            int seq = page.get(ValueLayout.JAVA_INT, OFF_SEQ);
            int mode = page.get(ValueLayout.JAVA_INT, OFF_MODE);
            if (mode != MODE_TSC) return refused(modeRefusal(mode));
            if ((seq & 1) != 0) continue;
            ByteBuffer copy = ByteBuffer.wrap(page.asSlice(0, 2L * CLOCK_SIZE).toArray(ValueLayout.JAVA_BYTE))
                    .order(ByteOrder.LITTLE_ENDIAN);
            if (page.get(ValueLayout.JAVA_INT, OFF_SEQ) != seq
                    || page.get(ValueLayout.JAVA_INT, CLOCK_SIZE + OFF_SEQ) != copy.getInt(CLOCK_SIZE + OFF_SEQ)) {
                continue;
            }
            long[] after = new long[TICK_CLOCKS.length];
            for (int i = 0; i < TICK_CLOCKS.length; i++) after[i] = clocks.applyAsLong(TICK_CLOCKS[i]);
            String wrong = layoutError(copy, before, after, clocks);
            return wrong == null ? new KernelTimeData(offsetFromVdso, null)
                    : refused("its layout is not the one timens knows: " + wrong);
        }
        return refused("it kept changing while it was checked");
    }

    /**
     * Why a clock mode other than the TSC's: what the value means where the
     * layout is the one timens knows, or else that it is another layout
     * (6.10 to 6.14 kept the data elsewhere in [vvar]).
     */
    private static String modeRefusal(int mode) {
        String meaning = switch (mode) {
            case 0 -> "a clock source without vDSO support";
            case 2 -> "kvm-clock";
            case 3 -> "the Hyper-V clock";
            case Integer.MAX_VALUE -> "a kernel time namespace";
            default -> null;
        };
        return meaning == null ? "its layout is not the one timens knows (clock mode " + mode + ")"
                : "clock mode " + mode + ": " + meaning + ", or a layout timens does not know";
    }

    /** What in {@code data} contradicts the layout, or null. */
    private static String layoutError(ByteBuffer data, long[] before, long[] after, IntToLongFunction clocks) {
        for (int c = 0; c < 2; c++) {
            int at = c * CLOCK_SIZE;
            int seq = data.getInt(at + OFF_SEQ);
            if (data.getInt(at + OFF_MODE) != MODE_TSC || (seq & 1) != 0) {
                return "clock data " + c + " has seq " + seq + ", mode " + data.getInt(at + OFF_MODE);
            }
            if (data.getLong(at + OFF_MASK) != -1L) return "clock data " + c + " has no full 64-bit mask";
            long mult = Integer.toUnsignedLong(data.getInt(at + OFF_MULT));
            int shift = data.getInt(at + OFF_SHIFT);
            // A TSC ticks at 50 MHz to 20 GHz: mult / 2^shift ns per cycle.
            if (shift < 1 || shift > 40 || mult == 0) return "clock data " + c + " has mult " + mult + ", shift " + shift;
            double nsPerCycle = mult / Math.pow(2, shift);
            if (nsPerCycle < 0.05 || nsPerCycle > 20) return "clock data " + c + " gives " + nsPerCycle + " ns per cycle";
            long maxCycles = data.getLong(at + OFF_MAX_CYCLES);
            if (maxCycles <= 0 || Long.compareUnsigned(maxCycles, Long.divideUnsigned(-1L, mult)) > 0) {
                return "clock data " + c + " has max_cycles " + Long.toUnsignedString(maxCycles);
            }
            if (data.getLong(at + OFF_CYCLE_LAST) == 0) return "clock data " + c + " has no cycle_last";
        }
        java.util.Map<Integer, Long> bases = new java.util.HashMap<>();
        for (int[] clock : COUNTER_CLOCKS) {
            int at = clock[0] * CLOCK_SIZE + OFF_BASE + clock[1] * BASE_SIZE;
            int shift = data.getInt(clock[0] * CLOCK_SIZE + OFF_SHIFT);
            long sec = data.getLong(at);
            long nsec = data.getLong(at + 8) >>> shift;
            long now = clocks.applyAsLong(clock[1]);
            if (sec < 0 || sec > Long.MAX_VALUE / NS - 1 || nsec >= NS) return "clock " + clock[1] + " has base " + sec + " s " + nsec + " ns";
            long base = sec * NS + nsec;
            if (base > now || base < now - MAX_STALENESS) {
                return "clock " + clock[1] + " has base " + base + " ns, the clock reads " + now;
            }
            bases.put(clock[1], base);
        }
        for (int[] pair : DISTANCES) {
            long clocksApart = clocks.applyAsLong(pair[0]) - clocks.applyAsLong(pair[1]);
            long basesApart = bases.get(pair[0]) - bases.get(pair[1]);
            if (Math.abs(basesApart - clocksApart) > DISTANCE_SLACK) {
                return "clocks " + pair[0] + " and " + pair[1] + " are " + clocksApart + " ns apart, their bases "
                        + basesApart;
            }
        }
        for (int i = 0; i < TICK_CLOCKS.length; i++) {
            int at = OFF_BASE + TICK_CLOCKS[i] * BASE_SIZE;
            long sec = data.getLong(at);
            long nsec = data.getLong(at + 8);
            if (sec < 0 || sec > Long.MAX_VALUE / NS - 1 || nsec < 0 || nsec >= NS) {
                return "clock " + TICK_CLOCKS[i] + " has base " + sec + " s " + nsec + " ns";
            }
            long base = sec * NS + nsec;
            if (base < before[i] || base > after[i]) {
                return "clock " + TICK_CLOCKS[i] + " has base " + base + " ns, the clock read " + before[i] + " then " + after[i];
            }
        }
        return null;
    }
}
