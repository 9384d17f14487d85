package dev.timens.clock;

import dev.timens.engine.ArgCondition;
import dev.timens.engine.RemotePtr;
import dev.timens.engine.SyscallCall;
import dev.timens.linux.SyscallNumbers;
import dev.timens.engine.SyscallOutcome;
import dev.timens.engine.SyscallSet;
import dev.timens.engine.SyscallStop;
import dev.timens.engine.TraceeFault;
import dev.timens.engine.TraceeMemory;
import dev.timens.linux.Errno;
import dev.timens.linux.Sysinfo;
import dev.timens.linux.Time;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Map;

import static dev.timens.linux.Time.NANOS;

/**
 * The time syscalls of a namespace, answered by the supervisor: raw clock
 * reads (programs that bypass the vDSO), and every way of setting the clock,
 * which moves only the namespace's transform, never the host clock.
 *
 * <p>Errors follow the kernel's own checks and their order
 * (kernel/time/posix-timers.c, kernel/time/time.c, kernel/time/timekeeping.c):
 * an unknown clock is EINVAL before a bad pointer is EFAULT, and so on.
 */
final class TimeSyscalls {
    /** KTIME_MAX / NSEC_PER_SEC: the last second a 64-bit nanosecond clock can hold. */
    static final long KTIME_SEC_MAX = Long.MAX_VALUE / NANOS;
    /**
     * TIME_SETTOD_SEC_MAX: the kernel refuses to set a wall clock within 30 years
     * of KTIME_SEC_MAX (timespec64_valid_settod), keeping room for uptime; so do we.
     */
    static final long SETTOD_SEC_MAX = KTIME_SEC_MAX - 30L * 365 * 24 * 3600;

    private static final int TIMEX_SIZE = (int) Time.TIMEX.byteSize();
    private static final int ADJ_FREQUENCY = 0x0002;
    private static final int ADJ_SETOFFSET = 0x0100;
    private static final int ADJ_TICK = 0x4000;
    private static final int ADJ_ADJTIME = 0x8000;
    private static final int ADJ_OFFSET_SINGLESHOT = 0x0001;
    private static final int ADJ_OFFSET_READONLY = 0x2000;
    /** USER_HZ: the unit of timex.tick's limits. */
    private static final long USER_HZ = 100;
    /** PPM_SCALE (include/linux/timex.h): freq is scaled by it, and must not overflow. */
    private static final long PPM_SCALE = 1000L << 16;
    private static final int ADJ_MICRO = 0x1000;
    private static final int ADJ_NANO = 0x2000;
    private static final int STA_NANO = 0x2000;
    private static final long TIMEX_STATUS = Time.TIMEX.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("status"));
    private static final long TIMEX_TICK = Time.TIMEX.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("tick"));
    private static final long TIMEX_FREQ = Time.TIMEX.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("freq"));
    private static final long TIMEX_TIME = Time.TIMEX.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("time"));

    /** Everything the namespace may subscribe to here, the reads traced (for tests of the filter's size). */
    static final SyscallSet SUBSCRIPTIONS = subscriptions(false);

    /**
     * What the namespace subscribes to; i386 and x32 clock calls are refused,
     * never answered with host time. Raw clock reads go to the seccomp
     * listener when {@code readsByListener} ({@link #read}): no stop at all.
     * (Under --rate and --warp they stay traced: the supervisor follows every
     * thread's stops there, to tell a thread's waits apart.)
     */
    static SyscallSet subscriptions(boolean readsByListener) {
        SyscallSet.Builder b = SyscallSet.builder();
        // Only the virtualized clocks: CPU-time clocks, which the vDSO hands to the
        // kernel by syscall, must not pay for a stop.
        for (int clock : ClockGroup.VIRTUALIZED_CLOCKS) {
            if (readsByListener) {
                b.notifyWhen(SyscallNumbers.CLOCK_GETTIME, ArgCondition.equalToInt(0, clock));
            } else {
                b.when(SyscallNumbers.CLOCK_GETTIME, ArgCondition.equalToInt(0, clock));
            }
        }
        if (readsByListener) {
            b.notify(SyscallNumbers.GETTIMEOFDAY).notify(SyscallNumbers.TIME);
        } else {
            b.always(SyscallNumbers.GETTIMEOFDAY).always(SyscallNumbers.TIME);
        }
        b.always(SyscallNumbers.SETTIMEOFDAY)
                .always(SyscallNumbers.CLOCK_SETTIME)
                .always(SyscallNumbers.ADJTIMEX)
                .always(SyscallNumbers.CLOCK_ADJTIME);
        CompatTimeCalls.refuse(b);
        return b.build();
    }

    private final ClockPage page;
    private final java.util.function.LongConsumer realtimeWasSet;
    private final MemorySegment timex;
    private final MemorySegment sysinfo;

    /**
     * @param realtimeWasSet runs after every change of the namespace's CLOCK_REALTIME,
     *                       with how far it moved (nanoseconds, negative: back)
     */
    TimeSyscalls(ClockPage page, java.util.function.LongConsumer realtimeWasSet) {
        this.page = page;
        this.realtimeWasSet = realtimeWasSet;
        // Used only on the tracer thread, for the life of the namespace.
        Arena arena = Arena.global();
        this.timex = arena.allocate(Time.TIMEX);
        this.sysinfo = arena.allocate(Sysinfo.SYSINFO);
    }

    SyscallOutcome handle(SyscallStop stop) {
        try {
            int nr = stop.number();
            if (isRead(nr)) return read(stop);
            if (nr == SyscallNumbers.SETTIMEOFDAY) return settimeofday(stop);
            if (nr == SyscallNumbers.CLOCK_SETTIME) return clockSettime(stop);
            if (nr == SyscallNumbers.ADJTIMEX) return clockAdjtime(stop.memory(), Time.CLOCK_REALTIME, stop.pointerArg(0));
            if (nr == SyscallNumbers.CLOCK_ADJTIME) return clockAdjtime(stop.memory(), (int) stop.arg(0), stop.pointerArg(1));
            if (nr == SyscallNumbers.SYSINFO) return sysinfo(stop);
            return SyscallOutcome.proceed();
        } catch (TraceeFault e) {
            return SyscallOutcome.error(Errno.EFAULT);
        }
    }

    /** clock_gettime, gettimeofday and time: what {@link #read} answers. */
    /** The calls that set the namespace's clock. */
    static boolean isSet(int nr) {
        return nr == SyscallNumbers.SETTIMEOFDAY || nr == SyscallNumbers.CLOCK_SETTIME || nr == SyscallNumbers.ADJTIMEX
                || nr == SyscallNumbers.CLOCK_ADJTIME;
    }

    static boolean isRead(int nr) {
        return nr == SyscallNumbers.CLOCK_GETTIME || nr == SyscallNumbers.GETTIMEOFDAY || nr == SyscallNumbers.TIME;
    }

    /**
     * A raw clock read ({@link #isRead}), answered from the clock page, at a
     * stop or from the listener: any thread may call this.
     */
    SyscallOutcome read(SyscallCall call) {
        try {
            int nr = call.number();
            if (nr == SyscallNumbers.CLOCK_GETTIME) return clockGettime(call);
            if (nr == SyscallNumbers.GETTIMEOFDAY) return gettimeofday(call);
            if (nr == SyscallNumbers.TIME) return time(call);
            return SyscallOutcome.proceed();
        } catch (TraceeFault e) {
            return SyscallOutcome.error(Errno.EFAULT);
        }
    }

    /**
     * Adds sysinfo(2) to {@code b} when its uptime is not the host's: CLOCK_BOOTTIME
     * shifted or scaled, or moved by --warp. Otherwise the kernel's answer is
     * already the namespace's, and the call (which glibc makes for
     * sysconf(_SC_PHYS_PAGES), at every Python start for one) costs no stop.
     */
    static void subscribeSysinfo(SyscallSet.Builder b, boolean boottimeMoves) {
        if (boottimeMoves) b.always(SyscallNumbers.SYSINFO);
    }

    /** The namespace's reading of {@code clock} now, or a failed reading (see {@link Time#failed}). */
    long virtualNow(int clock) {
        long host = Time.clockGettimeNanos(clock);
        if (Time.failed(host)) return host;
        ClockTransform t = page.transform(ClockGroup.of(clock));
        if (t.active() && !t.isUnitRate() && (clock == Time.CLOCK_TAI || clock == Time.CLOCK_MONOTONIC_RAW)) {
            // As the clock code does: scaled through the group's reference clock, the
            // TAI offset or NTP's correction added back unscaled.
            long reference = Time.clockGettimeNanos(clock == Time.CLOCK_TAI ? Time.CLOCK_REALTIME : Time.CLOCK_MONOTONIC);
            return t.apply(reference, host - reference);
        }
        return t.apply(host);
    }

    private SyscallOutcome clockGettime(SyscallCall stop) throws TraceeFault {
        int clock = (int) stop.arg(0); // clockid_t: the kernel reads only the low 32 bits
        if (ClockGroup.of(clock) == null) return SyscallOutcome.proceed();
        long now = virtualNow(clock);
        if (Time.failed(now)) return SyscallOutcome.error((int) (now - Long.MIN_VALUE));
        stop.memory().write(stop.pointerArg(1), TimeStruct.TIMESPEC.encode(now));
        return SyscallOutcome.returning(0);
    }

    private SyscallOutcome gettimeofday(SyscallCall stop) throws TraceeFault {
        RemotePtr tv = stop.pointerArg(0);
        RemotePtr tz = stop.pointerArg(1);
        if (!tv.isNull()) {
            long now = virtualNow(Time.CLOCK_REALTIME);
            stop.memory().write(tv, TimeStruct.TIMEVAL.encode(now));
        }
        if (!tz.isNull()) {
            try (Arena arena = Arena.ofConfined()) { // any thread may be here
                MemorySegment zone = arena.allocate(Time.TIMEZONE);
                Time.hostTimezone(zone);
                stop.memory().write(tz, zone.toArray(ValueLayout.JAVA_BYTE));
            }
        }
        return SyscallOutcome.returning(0);
    }

    private SyscallOutcome time(SyscallCall stop) throws TraceeFault {
        // time(2) reads the coarse wall clock's seconds (ktime_get_real_seconds).
        long seconds = Math.floorDiv(virtualNow(Time.CLOCK_REALTIME_COARSE), NANOS);
        RemotePtr tloc = stop.pointerArg(0);
        if (!tloc.isNull()) stop.memory().writeLong(tloc, seconds);
        return SyscallOutcome.returning(seconds);
    }

    /** In the kernel's order (kernel/time/time.c): copy and check tv, copy tz, then range checks. */
    private SyscallOutcome settimeofday(SyscallStop stop) throws TraceeFault {
        RemotePtr tv = stop.pointerArg(0);
        RemotePtr tz = stop.pointerArg(1);
        long seconds = 0;
        long micros = 0;
        if (!tv.isNull()) {
            byte[] b = stop.memory().read(tv, TimeStruct.SIZE);
            seconds = TimeStruct.TIMEVAL.seconds(b, 0);
            micros = TimeStruct.TIMEVAL.fraction(b, 0);
            if (micros < 0 || micros >= 1_000_000) return SyscallOutcome.error(Errno.EINVAL);
        }
        int minutesWest = 0;
        if (!tz.isNull()) minutesWest = wrap(stop.memory().read(tz, 8)).getInt(0);
        if (!tv.isNull() && (seconds < 0 || seconds >= SETTOD_SEC_MAX)) return SyscallOutcome.error(Errno.EINVAL);
        // The kernel's timezone is host-wide state; a namespace does not move it, but
        // checks it as the kernel would.
        if (!tz.isNull() && (minutesWest < -15 * 60 || minutesWest > 15 * 60)) return SyscallOutcome.error(Errno.EINVAL);
        if (tv.isNull()) return SyscallOutcome.returning(0);
        return setRealtime(seconds, micros * 1000);
    }

    private SyscallOutcome clockSettime(SyscallStop stop) throws TraceeFault {
        int clock = (int) stop.arg(0); // clockid_t: the kernel reads only the low 32 bits
        if (isCpuClock(clock)) {
            // The kernel never sets a CPU-time clock (posix_cpu_clock_set only ever
            // fails, kernel/time/posix-cpu-timers.c), so its own answer is safe to let
            // through, and exact: EINVAL for CLOCK_PROCESS/THREAD_CPUTIME_ID (no
            // clock_set) and for a pid that is no process or thread of the caller,
            // EFAULT, then EPERM for one that is.
            return SyscallOutcome.proceed();
        }
        if (clock < 0) return SyscallOutcome.error(posixClockDevice(stop.tid(), ~(clock >> 3)) ? Errno.EPERM : Errno.EINVAL);
        if (clock != Time.CLOCK_REALTIME) return SyscallOutcome.error(Errno.EINVAL); // not settable, or unknown
        byte[] b = stop.memory().read(stop.pointerArg(1), TimeStruct.SIZE);
        long seconds = TimeStruct.TIMESPEC.seconds(b, 0);
        long nanos = TimeStruct.TIMESPEC.fraction(b, 0);
        if (nanos < 0 || nanos >= NANOS) return SyscallOutcome.error(Errno.EINVAL);
        return setRealtime(seconds, nanos);
    }

    /**
     * Whether descriptor {@code fd} of thread {@code tid} is a posix clock
     * device (/dev/ptpN), which a negative clock id ending in CLOCKFD names
     * (FD_TO_CLOCKID). The kernel answers EINVAL for any other descriptor
     * (get_clock_desc, kernel/time/posix-clock.c) and would set the hardware
     * clock of one that is: a namespace never does, and answers EPERM. When
     * the descriptor cannot be looked at, EPERM too.
     */
    private static boolean posixClockDevice(int tid, int fd) {
        java.nio.file.Path link = java.nio.file.Path.of("/proc", Integer.toString(tid), "fd", Integer.toString(fd));
        try {
            int mode = (Integer) java.nio.file.Files.getAttribute(link, "unix:mode");
            if ((mode & 0170000) != 0020000) return false; // not a character device
            long rdev = (Long) java.nio.file.Files.getAttribute(link, "unix:rdev");
            // glibc's 64-bit dev_t (gnu_dev_major, gnu_dev_minor in sys/sysmacros.h).
            long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & 0xfffff000L);
            long minor = (rdev & 0xff) | ((rdev >>> 12) & 0xffffff00L);
            java.nio.file.Path subsystem = java.nio.file.Path.of("/sys/dev/char", major + ":" + minor, "subsystem");
            return java.nio.file.Files.readSymbolicLink(subsystem).getFileName().toString().equals("ptp");
        } catch (java.nio.file.NoSuchFileException e) {
            return false; // no such descriptor
        } catch (java.io.IOException | RuntimeException e) {
            return true;
        }
    }

    /**
     * CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, and the negative ids of
     * other processes' and threads' CPU clocks (clock_getcpuclockid): those whose
     * low three bits are not CLOCKFD (3), which would name a descriptor
     * (include/linux/posix-timers.h).
     */
    static boolean isCpuClock(int clock) {
        return clock == Time.CLOCK_PROCESS_CPUTIME_ID || clock == Time.CLOCK_THREAD_CPUTIME_ID
                || (clock < 0 && (clock & 7) != 3);
    }

    /** Moves the namespace's REALTIME group so that it reads {@code seconds.nanos} now. */
    private SyscallOutcome setRealtime(long seconds, long nanos) {
        int errno = stepRealtime(seconds, nanos);
        return errno == 0 ? SyscallOutcome.returning(0) : SyscallOutcome.error(errno);
    }

    /**
     * Moves the namespace's REALTIME group so that it reads {@code seconds.nanos} now, as
     * a settimeofday inside does (waits and timers on absolute REALTIME deadlines follow);
     * on the tracer thread. Returns 0, or EINVAL where the kernel would refuse that time.
     */
    int stepRealtime(long seconds, long nanos) {
        if (seconds < 0 || seconds >= SETTOD_SEC_MAX) return Errno.EINVAL;
        long target = seconds * NANOS + nanos;
        if (beforeBoot(target)) return Errno.EINVAL;
        long host = Time.clockGettimeNanos(Time.CLOCK_REALTIME);
        ClockTransform now = page.transform(ClockGroup.REALTIME);
        page.publish(Map.of(ClockGroup.REALTIME, now.setTo(host, target)));
        realtimeWasSet.accept(target - now.apply(host));
        return 0;
    }

    /**
     * Whether a wall clock of {@code realtime} would lie before the namespace's
     * boot: the kernel refuses (EINVAL) to set CLOCK_REALTIME below
     * CLOCK_MONOTONIC, as the offset between them (wall_to_monotonic) would turn
     * positive (do_settimeofday64 and timekeeping_inject_offset in
     * kernel/time/timekeeping.c). Here against the namespace's own MONOTONIC.
     */
    private boolean beforeBoot(long realtime) {
        long monotonic = virtualNow(Time.CLOCK_MONOTONIC);
        return !Time.failed(monotonic) && realtime < monotonic;
    }

    /**
     * sysinfo(2) as the kernel gives it inside a time namespace (kernel/sys.c,
     * do_sysinfo): the uptime from the namespace's CLOCK_BOOTTIME, its seconds
     * rounded up; the rest (loads, memory, process count) the host's, which is
     * what the kernel reports to every process.
     */
    private SyscallOutcome sysinfo(SyscallStop stop) throws TraceeFault {
        int result = Sysinfo.sysinfo(sysinfo);
        if (result < 0) return SyscallOutcome.error(-result);
        long boottime = virtualNow(Time.CLOCK_BOOTTIME);
        if (!Time.failed(boottime)) {
            sysinfo.set(ValueLayout.JAVA_LONG, 0, boottime / NANOS + (boottime % NANOS != 0 ? 1 : 0));
        }
        stop.memory().write(stop.pointerArg(0), sysinfo.toArray(ValueLayout.JAVA_BYTE));
        return SyscallOutcome.returning(0);
    }

    /** In the kernel's order (kernel/time/posix-timers.c): copy the timex, then check the clock. */
    private SyscallOutcome clockAdjtime(TraceeMemory memory, int clock, RemotePtr buffer) throws TraceeFault {
        ByteBuffer tx = wrap(memory.read(buffer, TIMEX_SIZE));
        if (clock != Time.CLOCK_REALTIME) {
            ClockGroup group = ClockGroup.of(clock);
            boolean known = group != null || clock == Time.CLOCK_PROCESS_CPUTIME_ID
                    || clock == Time.CLOCK_THREAD_CPUTIME_ID || clock < 0;
            return SyscallOutcome.error(known ? Errno.EOPNOTSUPP : Errno.EINVAL);
        }
        int modes = tx.getInt(0);
        // The kernel's checks (timekeeping_validate_timex), those that hold for
        // everyone first: ADJ_ADJTIME (adjtime(3)) without its singleshot bit is
        // EINVAL even unprivileged; with ADJ_OFFSET_READONLY it only reads.
        if ((modes & ADJ_ADJTIME) != 0) {
            if ((modes & ADJ_OFFSET_SINGLESHOT) == 0) return SyscallOutcome.error(Errno.EINVAL);
            if ((modes & ADJ_OFFSET_READONLY) != 0) return readTimex(memory, buffer, modes);
            return SyscallOutcome.error(Errno.EPERM); // a slew: a discipline change, below
        }
        if (modes == 0) return readTimex(memory, buffer, modes);
        // What the kernel refuses as invalid from the privileged, refused the same way
        // (the namespace acts as privileged for setting), before the EPERM below.
        long tick = tx.getLong((int) TIMEX_TICK);
        if ((modes & ADJ_TICK) != 0 && (tick < 900_000 / USER_HZ || tick > 1_100_000 / USER_HZ)) {
            return SyscallOutcome.error(Errno.EINVAL);
        }
        if ((modes & ADJ_SETOFFSET) != 0) {
            long fraction = tx.getLong((int) TIMEX_TIME + 8);
            if (fraction < 0 || fraction >= ((modes & ADJ_NANO) != 0 ? NANOS : 1_000_000)) {
                return SyscallOutcome.error(Errno.EINVAL);
            }
        }
        long freq = tx.getLong((int) TIMEX_FREQ);
        if ((modes & ADJ_FREQUENCY) != 0 && (freq < Long.MIN_VALUE / PPM_SCALE || freq > Long.MAX_VALUE / PPM_SCALE)) {
            return SyscallOutcome.error(Errno.EINVAL);
        }
        if ((modes & ADJ_SETOFFSET) != 0 && (modes & ~(ADJ_SETOFFSET | ADJ_NANO | ADJ_MICRO)) == 0) {
            long seconds = tx.getLong((int) TIMEX_TIME);
            long fraction = tx.getLong((int) TIMEX_TIME + 8);
            boolean nano = (modes & ADJ_NANO) != 0;
            long delta;
            try {
                delta = Math.addExact(Math.multiplyExact(seconds, NANOS), nano ? fraction : fraction * 1000);
            } catch (ArithmeticException e) {
                return SyscallOutcome.error(Errno.EINVAL);
            }
            long host = Time.clockGettimeNanos(Time.CLOCK_REALTIME);
            ClockTransform t = page.transform(ClockGroup.REALTIME);
            long now = t.apply(host);
            long target = now + delta;
            // Overflow, or a wall clock the kernel would not accept (timekeeping_inject_offset):
            // past what it can hold, or before the boot.
            if ((delta > 0 && target < now) || target < 0 || target / NANOS >= SETTOD_SEC_MAX || beforeBoot(target)) {
                return SyscallOutcome.error(Errno.EINVAL);
            }
            page.publish(Map.of(ClockGroup.REALTIME, t.setTo(host, target)));
            realtimeWasSet.accept(delta);
            return readTimex(memory, buffer, modes);
        }
        // Frequency, PLL, tick, status, leap-second and singleshot-offset changes
        // would discipline a clock; a namespace's clock has no discipline to change,
        // and the host's must never change.
        return SyscallOutcome.error(Errno.EPERM);
    }

    /** A read-only adjtimex on the host, with the time field replaced by the namespace's time. */
    private SyscallOutcome readTimex(TraceeMemory memory, RemotePtr buffer, int modes) throws TraceeFault {
        timex.fill((byte) 0);
        int state = Time.adjtimexReadOnly(timex);
        if (state < 0) return SyscallOutcome.error(-state);
        long now = virtualNow(Time.CLOCK_REALTIME);
        boolean nano = (timex.get(ValueLayout.JAVA_INT, TIMEX_STATUS) & STA_NANO) != 0;
        timex.set(ValueLayout.JAVA_INT, 0, modes);
        timex.set(ValueLayout.JAVA_LONG, TIMEX_TIME, Math.floorDiv(now, NANOS));
        long fraction = Math.floorMod(now, NANOS);
        timex.set(ValueLayout.JAVA_LONG, TIMEX_TIME + 8, nano ? fraction : fraction / 1000);
        memory.write(buffer, timex.toArray(ValueLayout.JAVA_BYTE));
        return SyscallOutcome.returning(state);
    }

    private static ByteBuffer wrap(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * An instant as nanoseconds since the epoch: from 1970-01-01T00:00:00Z up to
     * one nanosecond before KTIME_MAX (2262-04-11T23:47:16.854775806Z), the range
     * the command line's dates are parsed to (KTIME_MAX itself is the kernel's
     * "never"). It agrees with {@code TimeSpecs.MAX_INSTANT}, so that what the
     * parser accepts always starts.
     */
    static long toNanos(Instant instant, String what) {
        long seconds = instant.getEpochSecond();
        if (seconds < 0 || seconds > KTIME_SEC_MAX
                || (seconds == KTIME_SEC_MAX && instant.getNano() >= ClockTransform.MAX % NANOS)) {
            throw new IllegalArgumentException(what + " " + instant + " is out of range: CLOCK_REALTIME holds "
                    + "1970-01-01T00:00:00Z up to, not including, 2262-04-11T23:47:16.854775807Z");
        }
        return seconds * NANOS + instant.getNano();
    }
}
