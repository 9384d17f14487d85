package dev.timens.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static dev.timens.linux.Native.INT;
import static dev.timens.linux.Native.LONG;

/** The host clocks, as the supervisor reads them: time.h and sys/timex.h. */
public final class Time {
    private Time() {}

    /** Nanoseconds in a second. */
    public static final long NANOS = 1_000_000_000L;
    /** The flag of clock_nanosleep, timer_settime and timerfd_settime (TFD_TIMER_ABSTIME) for an absolute time. */
    public static final int TIMER_ABSTIME = 1;
    public static final int CLOCK_REALTIME = 0;
    public static final int CLOCK_MONOTONIC = 1;
    public static final int CLOCK_PROCESS_CPUTIME_ID = 2;
    public static final int CLOCK_THREAD_CPUTIME_ID = 3;
    public static final int CLOCK_MONOTONIC_RAW = 4;
    public static final int CLOCK_REALTIME_COARSE = 5;
    public static final int CLOCK_MONOTONIC_COARSE = 6;
    public static final int CLOCK_BOOTTIME = 7;
    public static final int CLOCK_REALTIME_ALARM = 8;
    public static final int CLOCK_BOOTTIME_ALARM = 9;
    public static final int CLOCK_TAI = 11;

    /** struct __kernel_timespec (x86_64). */
    public static final StructLayout TIMESPEC = MemoryLayout.structLayout(
            LONG.withName("tv_sec"), LONG.withName("tv_nsec")).withName("timespec");
    /** struct __kernel_old_timeval (x86_64). */
    public static final StructLayout TIMEVAL = MemoryLayout.structLayout(
            LONG.withName("tv_sec"), LONG.withName("tv_usec")).withName("timeval");
    /** struct timezone. */
    public static final StructLayout TIMEZONE = MemoryLayout.structLayout(
            INT.withName("tz_minuteswest"), INT.withName("tz_dsttime")).withName("timezone");
    /** struct timex (x86_64, 208 bytes): the fields timens reads or writes, then padding. */
    public static final StructLayout TIMEX = MemoryLayout.structLayout(
            INT.withName("modes"), MemoryLayout.paddingLayout(4),
            LONG.withName("offset"), LONG.withName("freq"), LONG.withName("maxerror"),
            LONG.withName("esterror"), INT.withName("status"), MemoryLayout.paddingLayout(4),
            LONG.withName("constant"), LONG.withName("precision"), LONG.withName("tolerance"),
            TIMEVAL.withName("time"), LONG.withName("tick"), LONG.withName("ppsfreq"),
            LONG.withName("jitter"), INT.withName("shift"), MemoryLayout.paddingLayout(4),
            LONG.withName("stabil"), LONG.withName("jitcnt"), LONG.withName("calcnt"),
            LONG.withName("errcnt"), LONG.withName("stbcnt"), INT.withName("tai"),
            MemoryLayout.paddingLayout(44)).withName("timex");

    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.global().allocate(TIMESPEC));

    /**
     * Reads a host clock in nanoseconds since its epoch. Returns
     * {@code Long.MIN_VALUE + errno} on failure (an invalid clock id), which no
     * clock can read as.
     */
    public static long clockGettimeNanos(int clock) {
        MemorySegment ts = SCRATCH.get();
        // The raw syscall rather than the vDSO: only answers to traced programs'
        // raw syscalls read the host clock here, and they cost a ptrace stop anyway.
        long result = Native.syscall(SyscallNumbers.CLOCK_GETTIME, clock, ts.address(), 0, 0, 0, 0);
        if (result != 0) return Long.MIN_VALUE - result;
        return ts.get(LONG, 0) * 1_000_000_000L + ts.get(LONG, 8);
    }

    /**
     * Calls {@code function}, code in this process with clock_gettime's C
     * signature (a clock code under test), for {@code clock} into {@code ts};
     * returns its result. The caller keeps the code mapped for the call.
     */
    public static int callClockGettime(MemorySegment function, int clock, MemorySegment ts) {
        return (int) Native.call(function, Native.capture(), clock, ts.address(), 0, 0, 0, 0);
    }

    public static boolean failed(long clockReading) {
        return clockReading < Long.MIN_VALUE + 4096;
    }

    /**
     * adjtimex(2) on the host with {@code buffer} (a struct timex). The caller must
     * pass modes that only read (0): timens never adjusts the host clock.
     * Returns the clock state (TIME_OK...) or {@code -errno}.
     */
    public static int adjtimexReadOnly(MemorySegment buffer) {
        if (buffer.get(INT, 0) != 0) throw new IllegalArgumentException("timens never adjusts the host clock");
        return (int) Native.syscall(SyscallNumbers.ADJTIMEX, buffer.address(), 0, 0, 0, 0, 0);
    }

    /** The host's timezone as gettimeofday(2) reports it into {@code timezone}. */
    public static void hostTimezone(MemorySegment timezone) {
        long result = Native.syscall(SyscallNumbers.GETTIMEOFDAY, 0, timezone.address(), 0, 0, 0, 0);
        if (result != 0) throw new LinuxException("gettimeofday", (int) -result);
    }
}
