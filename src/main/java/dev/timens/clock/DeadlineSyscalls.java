package dev.timens.clock;

import dev.timens.engine.ArgCondition;
import dev.timens.engine.RemotePtr;
import dev.timens.linux.SyscallNumbers;
import dev.timens.engine.SyscallOutcome;
import dev.timens.engine.SyscallSet;
import dev.timens.engine.SyscallStop;
import dev.timens.engine.TraceControl;
import dev.timens.engine.TraceeFault;
import dev.timens.linux.Errno;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import static dev.timens.linux.Time.NANOS;
import static dev.timens.linux.Time.TIMER_ABSTIME;

/**
 * Absolute deadlines on the namespace's clocks, translated to host time before
 * the kernel sees them, as the kernel does for its own time namespaces
 * (timens_ktime_to_host): {@code clock_nanosleep(TIMER_ABSTIME)},
 * {@code timerfd_settime(TFD_TIMER_ABSTIME)}, {@code timer_settime(TIMER_ABSTIME)},
 * futex waits with absolute timeouts (what {@code pthread_cond_timedwait},
 * {@code sem_timedwait}, {@code pthread_mutex_timedlock} use), {@code futex_waitv}, and
 * {@code mq_timedsend}/{@code mq_timedreceive}. Relative timeouts need nothing:
 * the clocks tick at the host's rate.
 *
 * <p>The translated copy goes on the thread's stack below its red zone, and the
 * argument is pointed at it; the program's own struct is never written. A
 * thread blocked on an absolute CLOCK_REALTIME deadline when the namespace's
 * clock is set is interrupted; its syscall restarts, meets the filter again,
 * and is translated with the new clock, as a real clock step moves such
 * deadlines. io_uring, whose timeouts live in shared rings the supervisor
 * cannot see, is refused (ENOSYS) rather than left to wait on host time.
 */
final class DeadlineSyscalls {
    private static final int FUTEX_LOCK_PI = 6;
    private static final int FUTEX_WAIT_BITSET = 9;
    private static final int FUTEX_WAIT_REQUEUE_PI = 11;
    private static final int FUTEX_LOCK_PI2 = 13;
    private static final int FUTEX_CLOCK_REALTIME = 256;
    /** The futex command and its clock flag; FUTEX_PRIVATE_FLAG (128) does not matter here. */
    private static final long FUTEX_CMD_AND_CLOCK = 0x7f | FUTEX_CLOCK_REALTIME;

    /** A thread blocked (as far as we know) on an absolute deadline we translated. */
    private record Wait(int nr, int argIndex, long scratch, long virtualDeadline, ClockGroup group) {
        /**
         * Whether argument {@code arg} of {@code stop} is still this copy (the syscall
         * was restarted with it). The copy's bytes need not be intact: a signal
         * handler that ran before the restart had its frame on that stack.
         */
        boolean isCopyIn(SyscallStop stop, int arg) {
            return stop.number() == nr && argIndex == arg && stop.arg(arg) == scratch;
        }
    }

    private final ClockPage page;
    /** Per thread, its last translated deadline: a restarted syscall still points at the copy. */
    private final Map<Integer, Wait> waits = new HashMap<>();
    private TraceControl control;

    DeadlineSyscalls(ClockPage page) {
        this.page = page;
    }

    void start(TraceControl control) {
        this.control = control;
    }

    /**
     * What to trap: absolute waits only (the flag or the futex command is in the
     * filter, so relative sleeps and plain futex waits never stop), and
     * MONOTONIC-based ones only when that clock is shifted at all. Absolute
     * timerfds go to the listener instead when {@code timerfdsByListener}
     * ({@link Timers#armTimerfd}).
     */
    static void subscribe(SyscallSet.Builder b, boolean monotonicShifted, boolean timerfdsByListener) {
        b.when(SyscallNumbers.CLOCK_NANOSLEEP, ArgCondition.bitsSet(1, TIMER_ABSTIME));
        if (!timerfdsByListener) b.when(SyscallNumbers.TIMERFD_SETTIME, ArgCondition.bitsSet(1, TIMER_ABSTIME));
        b.when(SyscallNumbers.TIMER_SETTIME, ArgCondition.bitsSet(1, TIMER_ABSTIME));
        // Futex waits only with a timeout: glibc waits without one through the same
        // FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, and those must stay free.
        futexWithTimeout(b, ArgCondition.maskedEquals(1, 0x7f, FUTEX_LOCK_PI));
        for (int cmd : new int[] {FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI2}) {
            futexWithTimeout(b, ArgCondition.maskedEquals(1, FUTEX_CMD_AND_CLOCK, cmd | FUTEX_CLOCK_REALTIME));
            if (monotonicShifted) futexWithTimeout(b, ArgCondition.maskedEquals(1, FUTEX_CMD_AND_CLOCK, cmd));
        }
        // futex_waitv's timeout is always absolute, on the clock its fifth argument names.
        b.when(SyscallNumbers.FUTEX_WAITV, ArgCondition.equalToInt(4, 0 /* CLOCK_REALTIME */));
        if (monotonicShifted) b.when(SyscallNumbers.FUTEX_WAITV, ArgCondition.equalToInt(4, 1 /* CLOCK_MONOTONIC */));
        b.always(SyscallNumbers.MQ_TIMEDSEND).always(SyscallNumbers.MQ_TIMEDRECEIVE);
        b.always(SyscallNumbers.IO_URING_SETUP);
    }

    /** {@code op} holds and the timeout pointer (args[3]) is not NULL: its low or its high half is set. */
    private static void futexWithTimeout(SyscallSet.Builder b, ArgCondition op) {
        b.when(SyscallNumbers.FUTEX, op, ArgCondition.anyBitSet(3, 0xFFFF_FFFFL));
        b.when(SyscallNumbers.FUTEX, op, ArgCondition.anyBitSet(3, 0xFFFF_FFFF_0000_0000L));
    }

    boolean handles(int nr) {
        return nr == SyscallNumbers.CLOCK_NANOSLEEP || nr == SyscallNumbers.TIMERFD_SETTIME
                || nr == SyscallNumbers.TIMER_SETTIME || nr == SyscallNumbers.FUTEX
                || nr == SyscallNumbers.MQ_TIMEDSEND || nr == SyscallNumbers.MQ_TIMEDRECEIVE
                || nr == SyscallNumbers.FUTEX_WAITV
                || nr == SyscallNumbers.IO_URING_SETUP;
    }

    SyscallOutcome handle(SyscallStop stop) throws TraceeFault {
        int nr = stop.number();
        if (nr == SyscallNumbers.IO_URING_SETUP) return SyscallOutcome.error(Errno.ENOSYS);
        if (nr == SyscallNumbers.CLOCK_NANOSLEEP) {
            if ((stop.arg(1) & TIMER_ABSTIME) == 0) return SyscallOutcome.proceed();
            return deadline(stop, 2, (int) stop.arg(0));
        }
        if (nr == SyscallNumbers.FUTEX) {
            int op = (int) stop.arg(1);
            int cmd = op & 0x7f;
            boolean realtime = cmd == FUTEX_LOCK_PI || (op & FUTEX_CLOCK_REALTIME) != 0;
            if (cmd != FUTEX_LOCK_PI && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT_REQUEUE_PI
                    && cmd != FUTEX_LOCK_PI2) {
                return SyscallOutcome.proceed();
            }
            return deadline(stop, 3, realtime ? 0 : 1);
        }
        if (nr == SyscallNumbers.FUTEX_WAITV) return deadline(stop, 3, (int) stop.arg(4));
        if (nr == SyscallNumbers.MQ_TIMEDSEND || nr == SyscallNumbers.MQ_TIMEDRECEIVE) {
            return deadline(stop, 4, 0); // always CLOCK_REALTIME
        }
        if ((stop.arg(1) & TIMER_ABSTIME) == 0) return SyscallOutcome.proceed();
        Integer clock = timerClock(stop);
        if (clock == null) return SyscallOutcome.proceed(); // not a timer: the kernel says so
        return timerValue(stop, clock);
    }

    /** Translates the timespec deadline in argument {@code arg} of a wait on {@code clock}. */
    private SyscallOutcome deadline(SyscallStop stop, int arg, int clock) throws TraceeFault {
        RemotePtr user = stop.pointerArg(arg);
        if (user.isNull()) return SyscallOutcome.proceed(); // no timeout
        ClockGroup group = ClockGroup.of(clock);
        if (group == null) return SyscallOutcome.proceed();
        Long virtual = virtualDeadline(stop, arg);
        waits.remove(stop.tid());
        if (virtual == null) return SyscallOutcome.proceed(); // EFAULT, EINVAL or beyond KTIME_MAX: as the kernel sees it
        ClockTransform t = page.transform(group);
        // An unshifted REALTIME can still be set inside: the wait must be known then.
        if (!t.active() && group != ClockGroup.REALTIME) return SyscallOutcome.proceed();
        RemotePtr copy = stop.pushScratch(TimeStruct.TIMESPEC.encode(Math.max(0, hostDeadline(t, group, virtual))));
        stop.setArg(arg, copy.address());
        waits.put(stop.tid(), new Wait(stop.number(), arg, copy.address(), virtual, group));
        return SyscallOutcome.proceed();
    }

    /**
     * The deadline on the namespace's clock that argument {@code arg} (a struct
     * timespec) of {@code stop} names: the program's own, or when the syscall was
     * restarted with the translated copy, the deadline that copy was made from.
     * Null when the kernel would refuse it (unreadable, invalid, beyond KTIME_MAX).
     */
    Long virtualDeadline(SyscallStop stop, int arg) {
        Wait previous = waits.get(stop.tid());
        if (previous != null && previous.isCopyIn(stop, arg)) return previous.virtualDeadline;
        try {
            return TimeStruct.TIMESPEC.read(stop.memory(), stop.pointerArg(arg));
        } catch (TraceeFault e) {
            return null;
        }
    }

    /** Translates it_value of the struct itimerspec in argument 2 (it_interval is relative). */
    private SyscallOutcome timerValue(SyscallStop stop, int clock) throws TraceeFault {
        ClockGroup group = ClockGroup.of(clock);
        if (group == null || !page.transform(group).active()) return SyscallOutcome.proceed();
        byte[] spec;
        try {
            spec = stop.memory().read(stop.pointerArg(2), TimeStruct.PAIR_SIZE);
        } catch (TraceeFault e) {
            return SyscallOutcome.proceed();
        }
        if (!translateTimerValue(spec, page.transform(group), group)) return SyscallOutcome.proceed();
        stop.setArg(2, stop.pushScratch(spec).address());
        return SyscallOutcome.proceed();
    }

    /**
     * Replaces it_value of the struct itimerspec {@code spec}, an absolute time
     * on {@code group}'s clock under {@code t}, by the host time at which that
     * clock gets there; false, unchanged, where there is nothing to translate:
     * a zero value disarms and stays zero; values the kernel refuses or clamps
     * stay as they are, for it to judge. A deadline translated to zero becomes
     * 1 ns (zero would disarm the timer instead).
     */
    static boolean translateTimerValue(byte[] spec, ClockTransform t, ClockGroup group) {
        if (TimeStruct.TIMESPEC.isZero(spec, TimeStruct.PAIR_VALUE)) return false;
        Long value = TimeStruct.TIMESPEC.nanos(spec, TimeStruct.PAIR_VALUE);
        if (value == null) return false;
        TimeStruct.TIMESPEC.put(spec, TimeStruct.PAIR_VALUE, Math.max(1, hostDeadline(t, group, value)));
        return true;
    }

    /**
     * The namespace's CLOCK_REALTIME was set: threads blocked on a translated
     * REALTIME deadline are interrupted so that their syscall restarts and is
     * translated again. /proc/TID/syscall tells whether a thread is still in
     * that syscall with our copy; an interrupt elsewhere could surface as EINTR.
     */
    void realtimeWasSet() {
        clocksWereSet(java.util.EnumSet.of(ClockGroup.REALTIME));
    }

    /**
     * As {@link #realtimeWasSet()}, for deadlines on any of {@code groups}: moved
     * from outside ({@code timensctl set}), their waits are translated anew.
     */
    void clocksWereSet(java.util.Set<ClockGroup> groups) {
        for (Iterator<Map.Entry<Integer, Wait>> it = waits.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Integer, Wait> e = it.next();
            if (!groups.contains(e.getValue().group)) continue;
            Wait wait = e.getValue();
            if (blockedIn(e.getKey(), wait)) {
                // Going on in restart_syscall (after a stop and SIGCONT, or a tracer's attach),
                // the kernel would keep the old deadline: the call itself is made again.
                control.interrupt(e.getKey(), stop -> {
                    if (stop.number() == SyscallNumbers.RESTART_SYSCALL) stop.restartAs(wait.nr);
                    else stop.restartFromScratch();
                });
            } else {
                it.remove();
            }
        }
    }

    void taskExited(int tid) {
        waits.remove(tid);
    }

    private static boolean blockedIn(int tid, Wait wait) {
        long[] call = TaskActivity.currentSyscall(tid);
        // restart_syscall's argument registers are still those of the call it continues.
        return call != null && (call[0] == wait.nr || call[0] == SyscallNumbers.RESTART_SYSCALL)
                && call[1 + wait.argIndex] == wait.scratch;
    }

    /**
     * The host time at which {@code t}'s clock reaches {@code virtual}. At rate 1
     * (or any non-zero rate) that is the transform's inverse; a stopped clock
     * never gets there, so its waits take the real time they name, counted from now.
     */
    static long hostDeadline(ClockTransform t, ClockGroup group, long virtual) {
        if (t.mult() != 0) return t.inverse(virtual);
        long hostNow = dev.timens.linux.Time.clockGettimeNanos(group.referenceClock());
        long ahead = virtual - t.apply(hostNow);
        return ahead <= 0 ? hostNow : hostNow + Math.min(ahead, Long.MAX_VALUE - hostNow);
    }

    /** The clock of the timer that timerfd_settime or timer_settime names, or null. */
    static Integer timerClock(SyscallStop stop) {
        // Up to three handlers ask at one stop (deadlines, rates, timers), and
        // each answer is a /proc read: the last stop's answer is kept. Only
        // the tracer thread handles stops.
        if (TimerClockOfLastStop.stop == stop) return TimerClockOfLastStop.clock;
        Integer clock = stop.number() == SyscallNumbers.TIMERFD_SETTIME
                ? timerfdClock(stop.tgid(), (int) stop.arg(0))
                : posixTimerClock(stop.tgid(), (int) stop.arg(0));
        TimerClockOfLastStop.stop = stop;
        TimerClockOfLastStop.clock = clock;
        return clock;
    }

    /** {@link #timerClock}'s answer at the stop being handled. */
    private static final class TimerClockOfLastStop {
        static SyscallStop stop;
        static Integer clock;
    }

    /** The clock of timerfd {@code fd} of process {@code tgid}, from /proc/TGID/fdinfo/FD. */
    private static Integer timerfdClock(int tgid, int fd) {
        return procField(Path.of("/proc/" + tgid + "/fdinfo/" + fd), null, "clockid:");
    }

    /** The clock of POSIX timer {@code id} of process {@code tgid}, from /proc/TGID/timers. */
    private static Integer posixTimerClock(int tgid, int id) {
        return procField(Path.of("/proc/" + tgid + "/timers"), "ID: " + id, "ClockID:");
    }

    private static Integer procField(Path file, String section, String key) {
        String value = procValue(file, section, key);
        try {
            return value == null ? null : Integer.valueOf(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The value after {@code key} on a line of a /proc file of "key: value"
     * lines, within the part that starts with line {@code section} ("ID: N" in
     * /proc/PID/timers; null: the whole file); null when there is none.
     */
    static String procValue(Path file, String section, String key) {
        try {
            boolean inSection = section == null;
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith("ID:")) inSection = section == null || line.trim().equals(section);
                if (inSection && line.startsWith(key)) return line.substring(key.length()).trim();
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

}
