package dev.timens.clock;

import dev.timens.engine.ArgCondition;
import dev.timens.engine.InterruptStop;
import dev.timens.engine.RemotePtr;
import dev.timens.linux.SyscallNumbers;
import dev.timens.engine.SyscallOutcome;
import dev.timens.engine.SyscallSet;
import dev.timens.engine.SyscallStop;
import dev.timens.engine.TraceControl;
import dev.timens.engine.TraceeFault;
import dev.timens.engine.TraceeMemory;
import dev.timens.linux.Time;

import java.util.HashMap;
import java.util.Map;

import static dev.timens.linux.Time.NANOS;
import static dev.timens.linux.Time.TIMER_ABSTIME;

/**
 * Relative timeouts when the namespace's clocks run at another rate
 * ({@code --rate R}): a program that waits N virtual seconds must see N virtual
 * seconds pass, so the host waits N / R. Timeouts in registers are scaled in
 * place; timeouts in memory get a scaled copy on the thread's stack (never
 * writing the program's own struct on the way in). What the kernel reports back
 * (select/pselect/ppoll's updated timeout, old and current timer values, socket
 * timeouts, alarm's remaining seconds) is scaled back at the syscall's exit; the
 * remaining time of an interrupted sleep is {@link InterruptedSleeps}'s. If the
 * kernel is about to restart the syscall, the program's own pointer is put back
 * first, so the restarted call is scaled afresh.
 *
 * <p>Not scaled: ITIMER_VIRTUAL/PROF and POSIX timers on CPU-time clocks (CPU
 * time), and timeouts inside structures
 * the supervisor cannot see (io_uring is refused anyway). Only used when the
 * rate is neither 1 nor 0 (a stopped clock keeps real durations), or when the
 * namespace was started to take other rates later ({@code --name} with {@code --rate}).
 *
 * <p>The rate may change while waits run ({@code timensctl set --rate}). So
 * each wait in the kernel is kept, with its timeout in the namespace's time;
 * at a change, those blocked are interrupted and made to start over from
 * their registers ({@link #rateChanged}), and the call that starts over is
 * given what it had left, at the new rate, not its whole timeout again (which
 * a restart would give a poll or an epoll_wait, and a sleep resumed from the
 * program's own request). While the clocks stand still, durations are real
 * time, as at rate 1. Tracer thread only.
 */
final class RateSyscalls {
    private static final int FUTEX_WAIT = 0;
    private static final int ITIMER_REAL = 0;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO_OLD = 20;
    private static final int SO_SNDTIMEO_OLD = 21;
    private static final int SO_RCVTIMEO_NEW = 66;
    private static final int SO_SNDTIMEO_NEW = 67;

    /**
     * A wait of a thread in the kernel: syscall {@code nr}, whose argument
     * {@code arg} the program gave as {@code own} (a pointer, or milliseconds)
     * and the kernel got as {@code given}: a timeout of {@code timeout}
     * nanoseconds of the namespace's from {@code since} (host CLOCK_MONOTONIC),
     * scaled under {@code scaledUnder}. Once a rate change made it start over,
     * {@code left} is the namespace time it had left when the rate changed, at
     * {@code changedAt} (else -1). Kept in the namespace's time, not as the
     * host timeout, which may have been cut to what the kernel holds.
     */
    private record InFlight(int nr, int arg, long own, long given, long since, long timeout,
                            ClockTransform scaledUnder, long left, long changedAt) {
        /** The rate changed at {@code at}: the time left then, in the namespace's time. */
        InFlight toStartOver(long at) {
            long passed = scaledUnder.virtualDuration(Math.max(0, at - since));
            return new InFlight(nr, arg, own, given, since, timeout, scaledUnder, Math.max(0, timeout - passed), at);
        }

        /** Changed again at {@code at} before it started over: the time since the last change ran under {@code before}. */
        InFlight changedAgain(long at, ClockTransform before) {
            long passed = before.virtualDuration(Math.max(0, at - changedAt));
            return new InFlight(nr, arg, own, given, since, timeout, scaledUnder, Math.max(0, left - passed), at);
        }

        boolean startingOver() {
            return left >= 0;
        }
    }

    private final ClockPage page;
    private final Map<Integer, InFlight> inFlight = new HashMap<>();
    private TraceControl control;

    RateSyscalls(ClockPage page) {
        this.page = page;
    }

    void start(TraceControl control) {
        this.control = control;
    }

    /**
     * The rate changed at {@code changedAt} (host CLOCK_MONOTONIC), from
     * {@code before}: every wait in the kernel with a timeout scaled for another
     * rate starts over, with the time it had left then, at the new rate; so
     * does one the kernel continues in {@code restart_syscall} (after a stop, or
     * an interrupt of the supervisor's), whose host deadline is the old rate's.
     * One not in the kernel yet (on its way there) keeps the old scaling. While
     * the clocks stand still, durations are real time, as at rate 1.
     */
    void rateChanged(long changedAt, ClockTransform before) {
        if (control == null) return;
        ClockTransform now = rate();
        for (Map.Entry<Integer, InFlight> e : inFlight.entrySet()) {
            InFlight f = e.getValue();
            if (f.startingOver()) {
                e.setValue(f.changedAgain(changedAt, before));
                continue;
            }
            if (f.scaledUnder().scalesDurationsAs(now)) continue;
            long[] call = TaskActivity.currentSyscall(e.getKey());
            boolean inIt = call != null && (call[0] == f.nr() && call[1 + f.arg()] == f.given()
                    || call[0] == SyscallNumbers.RESTART_SYSCALL && call[1 + f.arg()] == f.own());
            if (!inIt) continue;
            e.setValue(f.toStartOver(changedAt));
            control.interrupt(e.getKey(), this::startOver);
        }
    }

    /**
     * At the interrupt stop of a wait a rate change marked: the call starts
     * over from its registers, to be given what it has left. One that ended
     * meanwhile, or that a signal of the program's will end or restart after
     * its handler, is forgotten: a call made again after that is a new wait.
     */
    private void startOver(InterruptStop stop) {
        int tid = stop.tid();
        InFlight f = inFlight.get(tid);
        if (f == null || !f.startingOver()) return;
        if (stop.willRestart() && !stop.signalPending()) {
            if (stop.number() == SyscallNumbers.RESTART_SYSCALL && stop.arg(f.arg()) == f.own()) {
                stop.restartAs(f.nr()); // its registers hold the call's own arguments
                return;
            }
            long arg = stop.arg(f.arg());
            if (stop.number() == f.nr() && (arg == f.given() || arg == f.own())) {
                stop.restartFromScratch();
                return;
            }
        }
        inFlight.remove(tid);
    }

    void taskExited(int tid) {
        inFlight.remove(tid);
    }

    /**
     * The namespace time left of the wait {@code stop} starts over, when a rate
     * change made it start over (null otherwise): what it had left at the change,
     * less what passed since at the new rate. What a sleep interrupted later has
     * left is counted from there, too.
     */
    Long resumedRemaining(SyscallStop stop) {
        InFlight f = inFlight.get(stop.tid());
        if (f == null || !f.startingOver() || f.nr() != stop.number() || stop.arg(f.arg()) != f.own()) return null;
        long since = Math.max(0, Time.clockGettimeNanos(Time.CLOCK_MONOTONIC) - f.changedAt());
        return Math.max(0, f.left() - rate().virtualDuration(since));
    }

    /**
     * Keeps the wait {@code stop} starts: {@code own} as the program gave it,
     * {@code given} to the kernel, for {@code timeout} nanoseconds of the
     * namespace's; forgotten at its exit, unless the kernel starts it over.
     */
    private void waiting(SyscallStop stop, int arg, long own, long given, long timeout) {
        int tid = stop.tid();
        InFlight f = new InFlight(stop.number(), arg, own, given, Time.clockGettimeNanos(Time.CLOCK_MONOTONIC),
                timeout, rate(), -1, 0);
        inFlight.put(tid, f);
        stop.atExit(exit -> {
            if (!exit.willRestart() && inFlight.get(tid) == f) inFlight.remove(tid);
        });
    }

    static void subscribe(SyscallSet.Builder b) {
        for (int nr : new int[] {SyscallNumbers.NANOSLEEP, SyscallNumbers.SELECT, SyscallNumbers.PSELECT6,
                SyscallNumbers.POLL, SyscallNumbers.PPOLL, SyscallNumbers.EPOLL_WAIT, SyscallNumbers.EPOLL_PWAIT,
                SyscallNumbers.EPOLL_PWAIT2, SyscallNumbers.RT_SIGTIMEDWAIT, SyscallNumbers.TIMERFD_SETTIME,
                SyscallNumbers.TIMERFD_GETTIME, SyscallNumbers.TIMER_SETTIME, SyscallNumbers.TIMER_GETTIME,
                SyscallNumbers.SETITIMER, SyscallNumbers.GETITIMER, SyscallNumbers.ALARM, SyscallNumbers.SEMTIMEDOP,
                SyscallNumbers.IO_GETEVENTS, SyscallNumbers.IO_PGETEVENTS, SyscallNumbers.RECVMMSG}) {
            b.always(nr);
        }
        b.when(SyscallNumbers.CLOCK_NANOSLEEP, ArgCondition.bitsClear(1, TIMER_ABSTIME));
        b.when(SyscallNumbers.FUTEX, ArgCondition.maskedEquals(1, 0x7f, FUTEX_WAIT), ArgCondition.anyBitSet(3, 0xFFFF_FFFFL));
        b.when(SyscallNumbers.FUTEX, ArgCondition.maskedEquals(1, 0x7f, FUTEX_WAIT),
                ArgCondition.anyBitSet(3, 0xFFFF_FFFF_0000_0000L));
        b.when(SyscallNumbers.SETSOCKOPT, ArgCondition.equalToInt(1, SOL_SOCKET));
        b.when(SyscallNumbers.GETSOCKOPT, ArgCondition.equalToInt(1, SOL_SOCKET));
    }

    private ClockTransform rate() {
        return page.transform(ClockGroup.MONOTONIC);
    }

    /** Whether this class answers {@code stop} (relative waits and timer values). */
    boolean handles(SyscallStop stop) {
        int nr = stop.number();
        if (nr == SyscallNumbers.CLOCK_NANOSLEEP) return (stop.arg(1) & TIMER_ABSTIME) == 0;
        if (nr == SyscallNumbers.FUTEX) return (stop.arg(1) & 0x7f) == FUTEX_WAIT;
        return nr == SyscallNumbers.NANOSLEEP || nr == SyscallNumbers.SELECT || nr == SyscallNumbers.PSELECT6
                || nr == SyscallNumbers.POLL || nr == SyscallNumbers.PPOLL || nr == SyscallNumbers.EPOLL_WAIT
                || nr == SyscallNumbers.EPOLL_PWAIT || nr == SyscallNumbers.EPOLL_PWAIT2
                || nr == SyscallNumbers.RT_SIGTIMEDWAIT || nr == SyscallNumbers.TIMERFD_GETTIME
                || nr == SyscallNumbers.TIMER_GETTIME || nr == SyscallNumbers.SETITIMER
                || nr == SyscallNumbers.GETITIMER || nr == SyscallNumbers.ALARM || nr == SyscallNumbers.SEMTIMEDOP
                || nr == SyscallNumbers.IO_GETEVENTS || nr == SyscallNumbers.IO_PGETEVENTS
                || nr == SyscallNumbers.RECVMMSG || nr == SyscallNumbers.SETSOCKOPT
                || nr == SyscallNumbers.GETSOCKOPT
                || nr == SyscallNumbers.TIMERFD_SETTIME || nr == SyscallNumbers.TIMER_SETTIME;
    }

    SyscallOutcome handle(SyscallStop stop) throws TraceeFault {
        int nr = stop.number();
        if (nr == SyscallNumbers.NANOSLEEP) return sleep(stop, 0);
        if (nr == SyscallNumbers.CLOCK_NANOSLEEP) {
            return ClockGroup.of((int) stop.arg(0)) == null ? SyscallOutcome.proceed() : sleep(stop, 2);
        }
        if (nr == SyscallNumbers.POLL) return millis(stop, 2);
        if (nr == SyscallNumbers.EPOLL_WAIT || nr == SyscallNumbers.EPOLL_PWAIT) return millis(stop, 3);
        if (nr == SyscallNumbers.SELECT) return timeout(stop, 4, TimeStruct.TIMEVAL, true);
        if (nr == SyscallNumbers.PSELECT6) return timeout(stop, 4, TimeStruct.TIMESPEC, true);
        if (nr == SyscallNumbers.PPOLL) return timeout(stop, 2, TimeStruct.TIMESPEC, true);
        if (nr == SyscallNumbers.EPOLL_PWAIT2 || nr == SyscallNumbers.SEMTIMEDOP || nr == SyscallNumbers.FUTEX) {
            return timeout(stop, 3, TimeStruct.TIMESPEC, false);
        }
        if (nr == SyscallNumbers.RT_SIGTIMEDWAIT) return timeout(stop, 2, TimeStruct.TIMESPEC, false);
        if (nr == SyscallNumbers.IO_GETEVENTS || nr == SyscallNumbers.IO_PGETEVENTS || nr == SyscallNumbers.RECVMMSG) {
            return timeout(stop, 4, TimeStruct.TIMESPEC, false);
        }
        if (nr == SyscallNumbers.TIMERFD_SETTIME || nr == SyscallNumbers.TIMER_SETTIME) return timerSet(stop);
        if (nr == SyscallNumbers.TIMERFD_GETTIME || nr == SyscallNumbers.TIMER_GETTIME) {
            if (nr == SyscallNumbers.TIMER_GETTIME && !onNamespaceClock(stop)) return SyscallOutcome.proceed();
            RemotePtr current = stop.pointerArg(1);
            stop.atExit(exit -> {
                if (exit.result() == 0) scalePairBack(exit.memory(), current, TimeStruct.TIMESPEC);
            });
            return SyscallOutcome.proceed();
        }
        if (nr == SyscallNumbers.SETITIMER) return setitimer(stop);
        if (nr == SyscallNumbers.GETITIMER) {
            if (stop.arg(0) != ITIMER_REAL) return SyscallOutcome.proceed();
            RemotePtr current = stop.pointerArg(1);
            stop.atExit(exit -> {
                if (exit.result() == 0) scalePairBack(exit.memory(), current, TimeStruct.TIMEVAL);
            });
            return SyscallOutcome.proceed();
        }
        if (nr == SyscallNumbers.ALARM) return alarm(stop);
        if (nr == SyscallNumbers.SETSOCKOPT || nr == SyscallNumbers.GETSOCKOPT) return socketTimeout(stop);
        return SyscallOutcome.proceed();
    }

    /**
     * nanosleep / relative clock_nanosleep: a scaled request. The time left of
     * an interrupted one is the namespace's, written by {@link InterruptedSleeps}.
     */
    private SyscallOutcome sleep(SyscallStop stop, int requestArg) throws TraceeFault {
        return timeout(stop, requestArg, TimeStruct.TIMESPEC, false);
    }

    /** An int millisecond timeout in a register; negative means forever, 0 means do not wait. */
    private SyscallOutcome millis(SyscallStop stop, int arg) {
        int ms = (int) stop.arg(arg);
        if (ms <= 0) {
            inFlight.remove(stop.tid()); // no wait to keep: nor an earlier one of this thread
            return SyscallOutcome.proceed();
        }
        Long resumed = resumedRemaining(stop);
        long virtual = resumed != null ? resumed : ms * 1_000_000L;
        long host = rate().hostDuration(virtual);
        // Rounded up (a wait never ends early), and at most what poll's int holds.
        long hostMs = Math.min(Integer.MAX_VALUE, host / 1_000_000 + (host % 1_000_000 == 0 ? 0 : 1));
        stop.setArg(arg, hostMs);
        waiting(stop, arg, ms, hostMs, virtual);
        // The program's own value back: a wait an ignored signal cut short starts
        // over from these registers (see Supervisor), and must be scaled once.
        stop.atExit(exit -> exit.setArg(arg, ms));
        return SyscallOutcome.proceed();
    }

    /**
     * A timeout struct (timespec, or timeval for select) at argument {@code arg}:
     * a scaled copy goes in; at the exit the program's pointer is put back, and
     * when the kernel reports the remaining time in it ({@code updated}), that is
     * scaled back into the program's struct.
     */
    private SyscallOutcome timeout(SyscallStop stop, int arg, TimeStruct kind, boolean updated) throws TraceeFault {
        RemotePtr user = stop.pointerArg(arg);
        if (user.isNull()) {
            inFlight.remove(stop.tid()); // no wait to keep: nor an earlier one of this thread
            return SyscallOutcome.proceed();
        }
        Long virtual = resumedRemaining(stop);
        if (virtual == null) {
            try {
                byte[] t = stop.memory().read(user, TimeStruct.SIZE);
                virtual = stop.number() == SyscallNumbers.SELECT ? TimeStruct.selectTimeout(t) : kind.nanos(t, 0);
            } catch (TraceeFault e) {
                return SyscallOutcome.proceed(); // the kernel answers EFAULT itself
            }
            if (virtual == null) return SyscallOutcome.proceed(); // invalid: the kernel answers EINVAL
        }
        ClockTransform scaledUnder = rate();
        long host = scaledUnder.hostDuration(virtual);
        RemotePtr copy = stop.pushScratch(kind.encode(host));
        stop.setArg(arg, copy.address());
        if (stop.number() != SyscallNumbers.SETSOCKOPT) waiting(stop, arg, user.address(), copy.address(), virtual);
        stop.atExit(exit -> {
            exit.setArg(arg, user.address()); // a restarted call must see the program's own pointer
            if (updated && exit.result() != -14 /* EFAULT */) {
                Long left = kind.read(exit.memory(), copy);
                if (left != null) exit.memory().write(user, kind.encode(scaledUnder.virtualDuration(left)));
            }
        });
        return SyscallOutcome.proceed();
    }

    /**
     * timerfd_settime / timer_settime: the interval is relative; the value too,
     * unless TIMER_ABSTIME makes it a deadline on the timer's own clock.
     */
    private SyscallOutcome timerSet(SyscallStop stop) throws TraceeFault {
        boolean absolute = (stop.arg(1) & TIMER_ABSTIME) != 0;
        ClockGroup group = null;
        if (absolute) {
            Integer clock = DeadlineSyscalls.timerClock(stop);
            if (clock == null) return SyscallOutcome.proceed(); // not a timer: the kernel says so
            group = ClockGroup.of(clock);
            if (group == null) return SyscallOutcome.proceed(); // CPU time: not the namespace's
        } else if (stop.number() == SyscallNumbers.TIMER_SETTIME && !onNamespaceClock(stop)) {
            return SyscallOutcome.proceed();
        }
        RemotePtr spec = stop.pointerArg(2);
        byte[] its;
        try {
            its = stop.memory().read(spec, TimeStruct.PAIR_SIZE);
        } catch (TraceeFault e) {
            return SyscallOutcome.proceed();
        }
        Long interval = TimeStruct.TIMESPEC.nanos(its, 0);
        Long value = TimeStruct.TIMESPEC.nanos(its, TimeStruct.PAIR_VALUE);
        if (interval == null || value == null) return SyscallOutcome.proceed();
        long hostValue = value == 0 ? 0 // zero disarms, whatever the flags
                : !absolute ? rate().hostDuration(value)
                : group == null ? value
                : Math.max(1, DeadlineSyscalls.hostDeadline(page.transform(group), group, value));
        byte[] scaled = TimeStruct.TIMESPEC.encodePair(rate().hostDuration(interval), hostValue);
        stop.setArg(2, stop.pushScratch(scaled).address());
        RemotePtr old = stop.pointerArg(3);
        stop.atExit(exit -> {
            exit.setArg(2, spec.address());
            if (exit.result() == 0 && !old.isNull()) scalePairBack(exit.memory(), old, TimeStruct.TIMESPEC);
        });
        return SyscallOutcome.proceed();
    }

    /**
     * Whether the POSIX timer of timer_settime/timer_gettime runs on one of the
     * namespace's clocks. A CPU-time clock (CLOCK_PROCESS_CPUTIME_ID,
     * CLOCK_THREAD_CPUTIME_ID, another process's or thread's) counts the CPU
     * time the program used, which no rate changes: its values pass unscaled
     * both ways. A timer /proc/PID/timers does not show is taken to be on the
     * namespace's clocks (the kernel refuses an unknown one itself, scaled or
     * not). timerfds have no CPU-time clocks (timerfd_create(2)).
     */
    private static boolean onNamespaceClock(SyscallStop stop) {
        Integer clock = DeadlineSyscalls.timerClock(stop);
        return clock == null || ClockGroup.of(clock) != null;
    }

    private SyscallOutcome setitimer(SyscallStop stop) throws TraceeFault {
        if (stop.arg(0) != ITIMER_REAL) return SyscallOutcome.proceed(); // CPU-time timers: untouched
        RemotePtr spec = stop.pointerArg(1);
        RemotePtr old = stop.pointerArg(2);
        if (!spec.isNull()) {
            byte[] it;
            try {
                it = stop.memory().read(spec, TimeStruct.PAIR_SIZE);
            } catch (TraceeFault e) {
                return SyscallOutcome.proceed();
            }
            Long interval = TimeStruct.TIMEVAL.nanos(it, 0);
            Long value = TimeStruct.TIMEVAL.nanos(it, TimeStruct.PAIR_VALUE);
            if (interval == null || value == null) return SyscallOutcome.proceed();
            byte[] scaled = TimeStruct.TIMEVAL.encodePair(rate().hostDuration(interval), rate().hostDuration(value));
            stop.setArg(1, stop.pushScratch(scaled).address());
        }
        stop.atExit(exit -> {
            exit.setArg(1, spec.address());
            if (exit.result() == 0 && !old.isNull()) scalePairBack(exit.memory(), old, TimeStruct.TIMEVAL);
        });
        return SyscallOutcome.proceed();
    }

    /**
     * alarm(2) counts whole seconds, too coarse for a scaled clock: it becomes
     * setitimer(ITIMER_REAL) with the scaled value, and alarm's result (the old
     * alarm's remaining seconds, rounded as the kernel rounds them) is computed
     * at the exit from the old timer value.
     */
    private SyscallOutcome alarm(SyscallStop stop) throws TraceeFault {
        long seconds = stop.arg(0) & 0xFFFF_FFFFL;
        // The new itimerval, then room for the old one.
        byte[] it = java.util.Arrays.copyOf(
                TimeStruct.TIMEVAL.encodePair(0, seconds == 0 ? 0 : rate().hostDuration(seconds * NANOS)),
                2 * TimeStruct.PAIR_SIZE);
        RemotePtr spec = stop.pushScratch(it);
        RemotePtr old = spec.plus(TimeStruct.PAIR_SIZE);
        stop.setNumber(SyscallNumbers.SETITIMER);
        stop.setArg(0, ITIMER_REAL);
        stop.setArg(1, spec.address());
        stop.setArg(2, old.address());
        stop.atExit(exit -> {
            exit.setArg(0, seconds);
            if (exit.result() != 0) return;
            Long previous = TimeStruct.TIMEVAL.read(exit.memory(), old.plus(TimeStruct.PAIR_VALUE));
            long remaining = rate().virtualDuration(previous == null ? 0 : previous);
            long sec = remaining / NANOS;
            long usec = (remaining % NANOS) / 1000;
            if (usec >= 500_000 || (sec == 0 && usec > 0)) sec++; // kernel/time/itimer.c: alarm_setitimer
            exit.setResult(sec);
        });
        return SyscallOutcome.proceed();
    }

    private SyscallOutcome socketTimeout(SyscallStop stop) throws TraceeFault {
        int option = (int) stop.arg(2);
        if (option != SO_RCVTIMEO_OLD && option != SO_SNDTIMEO_OLD && option != SO_RCVTIMEO_NEW
                && option != SO_SNDTIMEO_NEW) {
            return SyscallOutcome.proceed();
        }
        RemotePtr value = stop.pointerArg(3);
        if (stop.number() == SyscallNumbers.GETSOCKOPT) {
            stop.atExit(exit -> {
                if (exit.result() == 0) scaleBack(exit.memory(), value, TimeStruct.TIMEVAL);
            });
            return SyscallOutcome.proceed();
        }
        return timeout(stop, 3, TimeStruct.TIMEVAL, false);
    }

    /** Scales a host duration at {@code at} back to the namespace's, in place. */
    private void scaleBack(TraceeMemory memory, RemotePtr at, TimeStruct kind) throws TraceeFault {
        Long host = kind.read(memory, at);
        if (host != null) memory.write(at, kind.encode(rate().virtualDuration(host)));
    }

    /** Scales an itimerspec/itimerval (interval, value) back in place. */
    private void scalePairBack(TraceeMemory memory, RemotePtr at, TimeStruct kind) throws TraceeFault {
        scaleBack(memory, at, kind);
        scaleBack(memory, at.plus(TimeStruct.PAIR_VALUE), kind);
    }
}
