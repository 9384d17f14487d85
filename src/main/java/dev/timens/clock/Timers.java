package dev.timens.clock;

import dev.timens.engine.InjectedSyscalls;
import dev.timens.engine.InterruptStop;
import dev.timens.engine.Notification;
import dev.timens.engine.RemotePtr;
import dev.timens.engine.SyscallExit;
import dev.timens.linux.SyscallNumbers;
import dev.timens.engine.SyscallOutcome;
import dev.timens.engine.SyscallSet;
import dev.timens.engine.SyscallStop;
import dev.timens.engine.TraceControl;
import dev.timens.engine.TraceeFault;
import dev.timens.engine.ArgCondition;
import dev.timens.linux.Descriptors;
import dev.timens.linux.Errno;
import dev.timens.linux.LinuxException;
import dev.timens.linux.Time;
import dev.timens.linux.Timerfd;
import dev.timens.linux.Unistd;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

import static dev.timens.linux.Time.NANOS;
import static dev.timens.linux.Time.TIMER_ABSTIME;

/**
 * The armed timers of the namespace whose expiry the supervisor must move,
 * because the kernel keeps them in host time: timerfds, POSIX timers
 * (timer_create) and the ITIMER_REAL interval timer ({@code alarm},
 * {@code setitimer}).
 *
 * <ul>
 *   <li>A {@code settimeofday} inside the namespace moves absolute CLOCK_REALTIME
 *       timers with the clock, as a real clock step does (relative ones, and every
 *       other clock's, stay: the kernel runs relative REALTIME timers on
 *       MONOTONIC); a timerfd armed with {@code TFD_TIMER_CANCEL_ON_SET} is
 *       cancelled: it becomes readable and its next read fails with ECANCELED.</li>
 *   <li>Under {@code --warp}, timers are events the clocks can jump to, and every
 *       jump moves every timer's host expiry earlier by the jump, so that each
 *       still expires at its time on the namespace's clocks.</li>
 *   <li>Where relative durations are scaled to a rate, a change of the rate
 *       ({@code timensctl set --rate}) scales the time left to each timer's next
 *       expiry, and its period, to the new rate, so that it still expires at its
 *       time on the namespace's clocks.</li>
 * </ul>
 *
 * <p>How a timer is moved: a timerfd through a duplicate of its descriptor the
 * supervisor takes with pidfd_getfd (it reads and re-arms the very same timer,
 * no stop needed); a POSIX timer or ITIMER_REAL, which only their process can
 * reach, by interrupting one of its threads and injecting timer_gettime and
 * timer_settime (getitimer, setitimer) there.
 *
 * <p>Cancel-on-set: the kernel cancels a timerfd only when the host's clock is
 * set, so the supervisor must answer the next read of a cancelled one itself.
 * The filter is fixed when the namespace starts, and a process may not add a
 * second listener to it, so the filter cannot learn new descriptor numbers:
 * instead, every timerfd is made where the filter looks. timerfd_create goes
 * to the listener, which creates the timer and installs it at the lowest free
 * number of {@link #CANCELLABLE_FDS} in the caller, and reads of those numbers
 * go to the listener (answered "run it" unless the timer there was cancelled).
 *
 * <p>Every method runs under this object's lock: the warp watcher thread asks
 * for the next expiry while the tracer thread changes the table.
 */
final class Timers implements AutoCloseable {
    private static final int TFD_TIMER_CANCEL_ON_SET = 2;
    private static final int ITIMER_REAL = 0;
    private static final long ECANCELED = -125;
    private static final int TFD_CLOEXEC = 0x80000;
    private static final int O_CLOEXEC = 0x80000;
    private static final int CLOCK_REALTIME_ALARM = 8;
    private static final int CLOCK_BOOTTIME_ALARM = 9;
    /**
     * The descriptor numbers timerfds are given, 1008 to 1023: reads of these go
     * to the listener. Below the usual limit of 1024 descriptors, and within
     * select's FD_SETSIZE; a process rarely has so many files open that its own
     * reads there cost it the listener's round trip.
     */
    static final int CANCELLABLE_FDS = 1008;
    static final int CANCELLABLE_COUNT = 16;
    /** A timer that expired this recently may not have woken anyone yet: it still counts as coming. */
    private static final long RECENT_NANOS = 20_000_000;
    /** An injection not done after this long is asked for again. */
    private static final long INJECTION_STALE_NANOS = 1_000_000_000L;

    /** A timerfd, reached through the supervisor's own descriptor {@code dup} of it. */
    private static final class FdTimer {
        final int tgid;
        final int fd;
        final int dup;
        int clock;
        int flags;
        /** Cancel-on-set: the namespace's clock was set; the next read fails with ECANCELED. */
        boolean cancelled;
        /** What the timer is re-armed to when the cancellation is read: host deadline on its clock, interval. */
        long afterCancelValue;
        long afterCancelInterval;
        /** Its clock's transform when its host times were last computed (what they are scaled for). */
        ClockTransform armedUnder;

        FdTimer(int tgid, int fd, int dup) {
            this.tgid = tgid;
            this.fd = fd;
            this.dup = dup;
        }

        boolean absoluteRealtime() {
            return Timers.absoluteRealtime(flags, clock);
        }

        boolean absoluteOn(ClockGroup group) {
            return (flags & TIMER_ABSTIME) != 0 && ClockGroup.of(clock) == group;
        }
    }

    /**
     * A POSIX timer ({@code id} &ge; 0) or the ITIMER_REAL of process {@code tgid}
     * ({@code id} = -1), with its next expiry on the host's CLOCK_MONOTONIC as the
     * supervisor computed it from the values the kernel was given.
     */
    private static final class ProcessTimer {
        final int tgid;
        final int id;
        int clock;
        int flags;
        long hostExpiry;
        long interval;
        /** Host nanoseconds the next expiry must still move earlier, at the injection to come. */
        long pendingShift;
        /** Its clock's transform when its host times were last computed (what they are scaled for). */
        ClockTransform armedUnder;
        /** The rate changed: its time left and period are scaled anew at the injection to come. */
        boolean rescale;
        /** When (host CLOCK_MONOTONIC) the rate first changed, for {@link #rescale}. */
        long rescaleFrom;
        /** When it changed last, and the namespace time that passed from the first change to that one. */
        long rescaleLast;
        long rescalePassed;

        ProcessTimer(int tgid, int id) {
            this.tgid = tgid;
            this.id = id;
        }

        boolean itimer() {
            return id < 0;
        }

        boolean absoluteRealtime() {
            return !itimer() && Timers.absoluteRealtime(flags, clock);
        }

        boolean absoluteOn(ClockGroup group) {
            return !itimer() && (flags & TIMER_ABSTIME) != 0 && ClockGroup.of(clock) == group;
        }

        /**
         * The next expiry: after {@code now}, or an expiry less than
         * {@link #RECENT_NANOS} ago, whose signal may not have been delivered yet
         * (it is still about to happen); 0: none.
         */
        long nextExpiry(long now) {
            if (hostExpiry == 0) return 0;
            // A move not made yet: the kernel expires it late, but it is due earlier
            // by the jumps made since, and no wait may be let past that.
            long expiry = hostExpiry - pendingShift;
            if (expiry > now) return expiry;
            long last = interval <= 0 ? expiry : expiry + (now - expiry) / interval * interval;
            if (now - last < RECENT_NANOS) return last;
            return interval <= 0 ? 0 : last + interval;
        }
    }

    private final ClockPage page;
    private final boolean warp;
    /** Relative timers are followed too: under --warp, and where durations are scaled to a rate. */
    private final boolean followRelative;
    private final IntFunction<Long> syscallInstruction;
    private final PrintStream diagnostics;
    private final int self = Unistd.getpid();
    private final List<FdTimer> fdTimers = new ArrayList<>();
    private final Map<Long, ProcessTimer> processTimers = new HashMap<>();
    /** The thread group of every thread that is not a leader. */
    private final Map<Integer, Integer> tgidOf = new HashMap<>();
    /** Processes and descriptors already warned of: a cancel-on-set timerfd outside {@link #CANCELLABLE_FDS}. */
    private final Set<Long> warnedUncancellable = new HashSet<>();
    /** Per process, a pidfd for pidfd_getfd. */
    private final Map<Integer, Integer> pidfds = new HashMap<>();
    /** Processes with an injection asked for and not yet done. */
    private final Map<Integer, Injection> injecting = new HashMap<>();
    private volatile java.util.function.IntPredicate keepsDeadline = tid -> false;
    private TraceControl control;
    /** Told (outside this object's lock) when a timer was armed. */
    private volatile Runnable armed = () -> { };

    /**
     * @param warp               whether every timer is an event (--warp), not only absolute REALTIME ones
     * @param scaled             whether relative durations are scaled to the rate, which may change
     * @param syscallInstruction per thread, the address of a {@code syscall} instruction of its kernel vDSO, or null
     */
    Timers(ClockPage page, boolean warp, boolean scaled, IntFunction<Long> syscallInstruction,
           PrintStream diagnostics) {
        this.page = page;
        this.warp = warp;
        this.followRelative = warp || scaled;
        this.syscallInstruction = syscallInstruction;
        this.diagnostics = diagnostics;
    }

    /**
     * Arming and deleting timers: POSIX timers always; absolute timerfds at rate
     * 1 without --warp through the listener ({@link #armTimerfd}), else traced
     * (for DeadlineSyscalls and RateSyscalls); under --warp every arming.
     */
    static void subscribe(SyscallSet.Builder b, boolean warp, boolean scaled) {
        b.notify(SyscallNumbers.TIMERFD_CREATE);
        for (int read : new int[] {SyscallNumbers.READ, SyscallNumbers.READV}) {
            b.notifyWhen(read, ArgCondition.maskedEquals(0, 0xFFFF_FFFFL & -CANCELLABLE_COUNT, CANCELLABLE_FDS));
        }
        if (!warp && !scaled) b.notifyWhen(SyscallNumbers.TIMERFD_SETTIME, ArgCondition.bitsSet(1, TIMER_ABSTIME));
        // A POSIX timer re-armed relative must be seen (nothing in /proc tells it
        // apart); a timerfd's flags are in its fdinfo, read when it is moved.
        b.always(SyscallNumbers.TIMER_SETTIME).always(SyscallNumbers.TIMER_DELETE);
        if (warp) b.always(SyscallNumbers.TIMERFD_SETTIME).always(SyscallNumbers.ALARM).always(SyscallNumbers.SETITIMER);
    }

    /** {@code listener} runs after a timer was armed, on the tracer thread, without this object's lock. */
    void onArmed(Runnable listener) {
        this.armed = listener;
    }

    synchronized void start(TraceControl control) {
        this.control = control;
    }

    boolean handles(int nr) {
        return nr == SyscallNumbers.TIMERFD_SETTIME || nr == SyscallNumbers.TIMER_SETTIME
                || nr == SyscallNumbers.TIMER_DELETE || nr == SyscallNumbers.ALARM || nr == SyscallNumbers.SETITIMER;
    }

    /** Before the syscall's own handling: follows the arming at its exit (null: the usual handling goes on). */
    synchronized SyscallOutcome onSyscall(SyscallStop stop) throws TraceeFault {
        int nr = stop.number();
        int tgid = stop.tgid();
        switch (nr) {
            case SyscallNumbers.TIMERFD_SETTIME -> {
                int fd = (int) stop.arg(0);
                int flags = (int) stop.arg(1);
                Integer clock = DeadlineSyscalls.timerClock(stop);
                if (clock == null || ClockGroup.of(clock) == null) return null; // not a timerfd: the kernel says so
                if (!followRelative && (flags & TIMER_ABSTIME) == 0) {
                    forgetFd(tgid, fd); // re-armed relative: nothing to follow any more
                    return null;
                }
                int tid = stop.tid();
                stop.atExit(exit -> {
                    if (exit.result() != 0) return;
                    armedFd(tid, tgid, fd, clock, flags);
                    armed.run();
                });
            }
            case SyscallNumbers.TIMER_SETTIME -> {
                int id = (int) stop.arg(0);
                int flags = (int) stop.arg(1);
                Integer clock = DeadlineSyscalls.timerClock(stop);
                if (clock == null) return null;
                // A CPU-time clock has no namespace time in it; without --warp only
                // absolute timers need following: a clock step, or a move from
                // outside (timensctl set), moves them.
                if (ClockGroup.of(clock) == null || !followRelative && (flags & TIMER_ABSTIME) == 0) {
                    processTimers.remove(key(tgid, id));
                    return null;
                }
                stop.atExit(exit -> {
                    if (exit.result() != 0) return;
                    armedProcess(tgid, id, clock, flags, exit, 2, false);
                    armed.run();
                });
            }
            case SyscallNumbers.TIMER_DELETE -> processTimers.remove(key(tgid, (int) stop.arg(0)));
            case SyscallNumbers.SETITIMER -> {
                if ((int) stop.arg(0) != ITIMER_REAL) return null;
                stop.atExit(exit -> {
                    if (exit.result() != 0) return;
                    armedProcess(tgid, -1, Time.CLOCK_MONOTONIC, 0, exit, 1, true);
                    armed.run();
                });
            }
            case SyscallNumbers.ALARM -> {
                // Taken at entry: under --rate the call becomes a setitimer.
                long seconds = stop.arg(0) & 0xFFFF_FFFFL;
                stop.atExit(exit -> {
                    if (exit.result() < 0) return;
                    alarmSet(tgid, page.transform(ClockGroup.MONOTONIC).hostDuration(seconds * NANOS));
                    armed.run();
                });
            }
            default -> { }
        }
        return null;
    }

    /** alarm ran: ITIMER_REAL is a one-shot timer of {@code hostNanos} now. */
    private synchronized void alarmSet(int tgid, long hostNanos) {
        if (hostNanos == 0) {
            processTimers.remove(key(tgid, -1));
            return;
        }
        ProcessTimer t = processTimers.computeIfAbsent(key(tgid, -1), k -> new ProcessTimer(tgid, -1));
        t.clock = Time.CLOCK_MONOTONIC;
        t.interval = 0;
        t.pendingShift = 0;
        t.armedUnder = page.transform(ClockGroup.MONOTONIC);
        t.hostExpiry = hostNow(Time.CLOCK_MONOTONIC) + hostNanos;
    }

    /**
     * timerfd_settime(TFD_TIMER_ABSTIME) at rate 1 without --warp, answered from
     * the seccomp listener, with no ptrace stop: the supervisor arms the timer
     * itself, through its own descriptor of it, with the deadline translated to
     * host time, copies the old setting back (relative, so the same in both
     * times), and the call returns what the kernel answered. Errors come in the
     * kernel's order (timerfd_settime in fs/timerfd.c): EFAULT, EINVAL for the
     * flags or the values, EBADF, EINVAL for a descriptor that is no timerfd.
     * There is no check that the caller still waits before the timer is armed:
     * a call interrupted meanwhile is made again and arms the same timer the
     * same way, and no check could close the window between arming and
     * answering anyway (it cost a syscall, a tenth of the call). Runs on the
     * notification thread.
     */
    synchronized void armTimerfd(Notification call) {
        int tid = call.tid();
        int fd = (int) call.arg(0);
        int flags = (int) call.arg(1);
        byte[] spec;
        try {
            spec = call.memory().read(call.pointerArg(2), Timerfd.ITIMERSPEC_SIZE);
        } catch (TraceeFault e) {
            call.answerWithError(Errno.EFAULT);
            return;
        }
        if ((flags & ~(TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) != 0 || !TimeStruct.TIMESPEC.valid(spec, 0)
                || !TimeStruct.TIMESPEC.valid(spec, TimeStruct.PAIR_VALUE)) {
            call.answerWithError(Errno.EINVAL);
            return;
        }
        int tgid = tgidOfCaller(tid);
        if (tgid < 0) return; // the caller is gone: nobody waits for the answer
        FdTimer t = fdTimer(tgid, fd);
        if (t == null) {
            int pidfd = pidfd(tgid);
            int dup = pidfd < 0 ? pidfd : Descriptors.pidfdGetfd(pidfd, fd);
            if (dup < 0) {
                if (dup != -Errno.EBADF) warn("cannot arm timerfd " + fd + " of pid " + tgid + ": " + Errno.describe(-dup));
                call.answer(dup);
                return;
            }
            Integer clock = timerfdClock(dup);
            if (clock == null) {
                Unistd.close(dup);
                call.answerWithError(Errno.EINVAL); // not a timerfd
                return;
            }
            t = new FdTimer(tgid, fd, dup);
            t.clock = clock;
            fdTimers.add(t);
        }
        ClockGroup group = ClockGroup.of(t.clock);
        if (group != null && page.transform(group).active()) {
            DeadlineSyscalls.translateTimerValue(spec, page.transform(group), group);
        }
        byte[] old = new byte[Timerfd.ITIMERSPEC_SIZE];
        int result = Timerfd.setExactly(t.dup, flags, spec, old);
        if (result < 0) {
            call.answer(result);
            return;
        }
        t.flags = flags;
        t.cancelled = false;
        t.armedUnder = group == null ? null : page.transform(group);
        if (TimeStruct.TIMESPEC.isZero(spec, TimeStruct.PAIR_VALUE)) {
            forget(t);
        } else if ((flags & TFD_TIMER_CANCEL_ON_SET) != 0 && t.absoluteRealtime()) {
            warnIfUncancellable(tgid, fd);
        }
        RemotePtr oldValue = call.pointerArg(3);
        if (!oldValue.isNull()) {
            try {
                call.memory().write(oldValue, old);
            } catch (TraceeFault e) {
                call.answerWithError(Errno.EFAULT); // armed all the same, as the kernel does
                return;
            }
        }
        call.answer(0);
    }

    /** The process of thread {@code tid}, or -1 when it is gone. */
    private int tgidOfCaller(int tid) {
        Integer known = tgidOf.get(tid);
        if (known != null) return known;
        if (pidfds.containsKey(tid)) return tid; // a process leader met before
        String tgid = DeadlineSyscalls.procValue(Path.of("/proc/" + tid + "/status"), null, "Tgid:");
        try {
            return tgid == null ? -1 : Integer.parseInt(tgid);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * timerfd_create, answered from the listener: the timer is made here, with
     * the caller's clock and flags, and installed in the caller at the lowest
     * free number of {@link #CANCELLABLE_FDS}, where a read of it reaches the
     * supervisor. With none free, or a clock whose timers need a privilege the
     * caller may lack and the supervisor may have (the ALARM clocks), or an
     * error the supervisor's own limits may cause, the kernel makes it as usual
     * (it cannot be cancelled then: see {@link #warnIfUncancellable}). Runs on
     * the notification thread.
     */
    void createTimerfd(Notification call) {
        int clock = (int) call.arg(0);
        int flags = (int) call.arg(1);
        if (clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM) {
            call.proceed();
            return;
        }
        int fd = Timerfd.create(clock, flags | TFD_CLOEXEC);
        if (fd == -Errno.EINVAL) {
            call.answerWithError(Errno.EINVAL); // a clock or flags the kernel refuses, whoever asks
            return;
        }
        if (fd < 0) {
            call.proceed();
            return;
        }
        try {
            int number = freeCancellableFd(call.tid());
            if (number < 0 || call.answerWithDescriptorAt(fd, number, (flags & TFD_CLOEXEC) != 0 ? O_CLOEXEC : 0) < 0) {
                call.proceed();
            }
        } finally {
            Unistd.close(fd);
        }
    }

    /** The lowest of {@link #CANCELLABLE_FDS} that thread {@code tid} has no descriptor at, or -1. */
    static int freeCancellableFd(int tid) {
        for (int fd = CANCELLABLE_FDS; fd < CANCELLABLE_FDS + CANCELLABLE_COUNT; fd++) {
            if (!java.nio.file.Files.exists(Path.of("/proc/" + tid + "/fd/" + fd), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return fd;
            }
        }
        return -1;
    }

    /** Whether a timerfd at descriptor {@code fd} can be cancelled: its reads reach the listener. */
    private static boolean cancellable(int fd) {
        return fd >= CANCELLABLE_FDS && fd < CANCELLABLE_FDS + CANCELLABLE_COUNT;
    }

    /** A cancel-on-set timerfd was armed where its reads cannot be answered: said once per process and descriptor. */
    private void warnIfUncancellable(int tgid, int fd) {
        if (cancellable(fd) || !warnedUncancellable.add(key(tgid, fd))) return;
        warn("timerfd " + fd + " of pid " + tgid + " is not cancelled when the clock is set: it was not created at "
                + CANCELLABLE_FDS + "-" + (CANCELLABLE_FDS + CANCELLABLE_COUNT - 1)
                + " (those were taken, or the descriptor was duplicated elsewhere)");
    }

    /**
     * A read or readv of descriptor {@link #CANCELLABLE_FDS} and above, from the
     * listener: fails with ECANCELED when the timerfd there was cancelled, and
     * the timer goes on at its new time; any other read runs as usual. Runs on
     * the notification thread.
     */
    synchronized void readNotified(Notification call) {
        int tgid = tgidOfCaller(call.tid());
        int fd = (int) call.arg(0);
        for (FdTimer t : fdTimers) {
            if (t.tgid != tgid || t.fd != fd || !t.cancelled) continue;
            if (!Descriptors.sameFile(self, t.dup, tgid, fd)) continue;
            if (!call.isValid()) return; // interrupted meanwhile: the read comes again, if at all
            t.cancelled = false;
            // Re-arming also clears the expiry that made it readable.
            Timerfd.set(t.dup, t.flags & (TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET), t.afterCancelValue,
                    t.afterCancelInterval);
            call.answer(ECANCELED);
            return;
        }
        call.proceed();
    }


    /** The clock of the supervisor's descriptor {@code fd}, from its fdinfo; null: no timerfd. */
    private static Integer timerfdClock(int fd) {
        String value = DeadlineSyscalls.procValue(Path.of("/proc/self/fdinfo/" + fd), null, "clockid:");
        try {
            return value == null ? null : Integer.valueOf(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** timerfd_settime succeeded: keeps (or takes) the supervisor's descriptor of the timer. */
    private synchronized void armedFd(int tid, int tgid, int fd, int clock, int flags) {
        FdTimer t = fdTimer(tgid, fd);
        if (t == null) {
            int pidfd = pidfd(tgid);
            int dup = pidfd < 0 ? pidfd : Descriptors.pidfdGetfd(pidfd, fd);
            if (dup < 0) {
                warn("cannot follow timerfd " + fd + " of pid " + tgid + ": " + Errno.describe(-dup));
                return;
            }
            t = new FdTimer(tgid, fd, dup);
            fdTimers.add(t);
        }
        t.clock = clock;
        t.flags = flags;
        t.cancelled = false;
        t.armedUnder = page.transform(ClockGroup.of(clock));
        Timerfd.Setting setting;
        try {
            setting = Timerfd.get(t.dup);
        } catch (LinuxException e) {
            forget(t); // what we took is no timerfd: the descriptor was replaced meanwhile
            return;
        }
        if (setting.valueNanos() == 0) {
            forget(t); // disarmed
            return;
        }
        if ((flags & TFD_TIMER_CANCEL_ON_SET) != 0 && t.absoluteRealtime()) warnIfUncancellable(tgid, fd);
    }

    /** The timer's entry when it is still descriptor {@code fd} of {@code tgid}; stale entries go. */
    private FdTimer fdTimer(int tgid, int fd) {
        for (Iterator<FdTimer> it = fdTimers.iterator(); it.hasNext(); ) {
            FdTimer t = it.next();
            if (t.tgid != tgid || t.fd != fd) continue;
            if (Descriptors.sameFile(self, t.dup, tgid, fd)) return t;
            it.remove();
            Unistd.close(t.dup);
        }
        return null;
    }

    private void forgetFd(int tgid, int fd) {
        FdTimer t = fdTimer(tgid, fd);
        if (t != null) forget(t);
    }

    private void forget(FdTimer t) {
        fdTimers.remove(t);
        Unistd.close(t.dup);
    }

    /**
     * timer_settime or setitimer succeeded: records the expiry the kernel was
     * given, from the struct it read (argument {@code arg} at the exit: the
     * supervisor's translated or scaled copy when there was one).
     */
    private synchronized void armedProcess(int tgid, int id, int clock, int flags, SyscallExit exit, int arg,
                                           boolean timeval) {
        if (exit.arg(arg) == 0) { // setitimer(ITIMER_REAL, NULL, ...) disarms
            processTimers.remove(key(tgid, id));
            return;
        }
        byte[] spec;
        try {
            spec = exit.memory().read(new RemotePtr(exit.arg(arg)), TimeStruct.PAIR_SIZE);
        } catch (TraceeFault e) {
            return; // unreadable now: the kernel read it, but we cannot follow this timer
        }
        TimeStruct kind = timeval ? TimeStruct.TIMEVAL : TimeStruct.TIMESPEC;
        long interval = taken(kind, spec, 0);
        long value = taken(kind, spec, TimeStruct.PAIR_VALUE);
        long k = key(tgid, id);
        if (value == 0) {
            processTimers.remove(k);
            return;
        }
        ProcessTimer t = processTimers.computeIfAbsent(k, x -> new ProcessTimer(tgid, id));
        t.clock = clock;
        t.flags = flags;
        t.interval = interval;
        t.pendingShift = 0;
        t.armedUnder = page.transform(ClockGroup.of(clock));
        long monotonic = hostNow(Time.CLOCK_MONOTONIC);
        t.hostExpiry = ClockTransform.saturatingAdd(monotonic,
                (flags & TIMER_ABSTIME) != 0 ? value - hostNow(clock) : value);
    }

    /**
     * The span or time in the struct at {@code offset} of a timer's setting the
     * kernel took; one at or past KTIME_SEC_MAX, which it clamps, is the end of
     * the range.
     */
    private static long taken(TimeStruct kind, byte[] spec, int offset) {
        Long nanos = kind.nanos(spec, offset);
        return nanos == null ? Long.MAX_VALUE : nanos;
    }

    // ---- moving timers -------------------------------------------------------------------------------------

    /**
     * The namespace's CLOCK_REALTIME was set, moving it by {@code virtualJump}:
     * absolute REALTIME timers move with it; cancel-on-set timerfds are cancelled.
     */
    synchronized void realtimeWasSet(long virtualJump) {
        clockWasSet(ClockGroup.REALTIME, virtualJump);
    }

    /**
     * The namespace's {@code group} clock was moved by {@code virtualJump}:
     * absolute timers on it move with it; on REALTIME, cancel-on-set timerfds are
     * cancelled ({@code timensctl set} moves MONOTONIC and BOOTTIME forward).
     */
    synchronized void clockWasSet(ClockGroup group, long virtualJump) {
        long shift = hostSpan(group, virtualJump);
        for (FdTimer t : new ArrayList<>(fdTimers)) {
            if (!t.absoluteOn(group) || !live(t)) continue;
            if (group == ClockGroup.REALTIME && (t.flags & TFD_TIMER_CANCEL_ON_SET) != 0 && cancellable(t.fd)) {
                Timerfd.Setting now = Timerfd.get(t.dup);
                if (now.valueNanos() == 0) continue;
                if (!t.cancelled) {
                    t.afterCancelValue = hostNow(t.clock) + now.valueNanos() - shift;
                    t.afterCancelInterval = now.intervalNanos();
                } else {
                    t.afterCancelValue -= shift;
                }
                t.cancelled = true;
                cancel(t);
            } else {
                shiftFd(t, shift);
            }
        }
        for (ProcessTimer t : processTimers.values()) if (t.absoluteOn(group)) shiftProcess(t, shift);
    }

    /**
     * The rate changed: the time to each timer's next expiry, and its period,
     * scaled for the rate it was armed under, are scaled for the new one. While
     * the clocks stand still, timers take real time, as at rate 1.
     * {@code changedAt}: when the rate changed, on the host's CLOCK_MONOTONIC;
     * {@code before}: each clock's transform until then.
     */
    synchronized void rateChanged(long changedAt, java.util.Map<ClockGroup, ClockTransform> before) {
        for (FdTimer t : new ArrayList<>(fdTimers)) {
            if (!live(t)) continue;
            ClockTransform now = page.transform(ClockGroup.of(t.clock));
            if (!rescalable(t.armedUnder, now)) continue;
            if (t.cancelled) {
                // What it is re-armed to when its cancellation is read: host times at the old rate.
                long clockNow = hostNow(t.clock);
                long left = rescaledLeft(Math.max(0, t.afterCancelValue - clockNow),
                        hostNow(Time.CLOCK_MONOTONIC) - changedAt, t.armedUnder, now);
                t.afterCancelValue = ClockTransform.saturatingAdd(clockNow, left);
                t.afterCancelInterval = rescaled(t.afterCancelInterval, t.armedUnder, now);
                t.armedUnder = now;
                continue;
            }
            Timerfd.Setting setting = Timerfd.get(t.dup);
            long counted = ticks(t.dup);
            if (setting.valueNanos() != 0) {
                long value = rescaledLeft(setting.valueNanos(), hostNow(Time.CLOCK_MONOTONIC) - changedAt,
                        t.armedUnder, now);
                int flags = t.flags & (TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET);
                if ((flags & TIMER_ABSTIME) != 0) value = ClockTransform.saturatingAdd(value, hostNow(t.clock));
                Timerfd.set(t.dup, flags, value, rescaled(setting.intervalNanos(), t.armedUnder, now));
                // Re-arming cleared the expirations not read yet: they are still owed.
                if (counted > 0) Timerfd.setTicks(t.dup, counted);
            }
            t.armedUnder = now;
        }
        for (ProcessTimer t : processTimers.values()) {
            ClockGroup group = ClockGroup.of(t.clock);
            ClockTransform now = page.transform(group);
            ClockTransform was = before.getOrDefault(group, now);
            // A move not made yet is host time at the old rate: the same span of the clock at the new one.
            if (t.pendingShift != 0) {
                long span = rescaled(Math.abs(t.pendingShift), was, now);
                t.pendingShift = t.pendingShift < 0 ? -span : span;
            }
            if (t.rescale) {
                // Changed again before its injection: the time since the last change ran at the rate before this one.
                t.rescalePassed = ClockTransform.saturatingAdd(t.rescalePassed,
                        was.virtualDuration(Math.max(0, changedAt - t.rescaleLast)));
                t.rescaleLast = changedAt;
                continue;
            }
            if (!rescalable(t.armedUnder, now)) continue;
            t.rescale = true;
            t.rescaleFrom = changedAt;
            t.rescaleLast = changedAt;
            t.rescalePassed = 0;
            shiftProcess(t, 0);
        }
    }

    /**
     * Whether host times computed under {@code from} are scaled anew under
     * {@code to}. A stopped clock's durations are real time, as at rate 1.
     */
    private static boolean rescalable(ClockTransform from, ClockTransform to) {
        return from != null && !from.scalesDurationsAs(to);
    }

    /**
     * The host time left to an expiry, {@code left} now, scaled under
     * {@code from} until {@code since} nanoseconds ago and under {@code to}
     * since: what was left then is the one scaled anew, and the time since then
     * passed at the new rate (at least 1: due now, not disarmed).
     */
    private static long rescaledLeft(long left, long since, ClockTransform from, ClockTransform to) {
        return rescaledLeft(left, since, 0, since, from, to);
    }

    /**
     * The host time left to the next expiry of POSIX timer or ITIMER_REAL
     * {@code t}, {@code left} at {@code monotonic} as the kernel counts it
     * (scaled under {@code t.armedUnder}), after one or more rate changes
     * since {@code t.rescaleFrom}, scaled under {@code now}.
     */
    private static long rescaledLeft(ProcessTimer t, long left, long monotonic, ClockTransform now) {
        return rescaledLeft(left, monotonic - t.rescaleFrom, t.rescalePassed, monotonic - t.rescaleLast,
                t.armedUnder, now);
    }

    /**
     * The host time left to an expiry, {@code left} now as the kernel counts it
     * (scaled under {@code from}), after the rate changed {@code sinceFirst}
     * nanoseconds ago and, if again, last {@code sinceLast} ago: what it had
     * left at the first change, less the namespace time that passed since
     * ({@code passed} up to the last change, at the rates between, then at
     * {@code to}'s), scaled under {@code to}; at least 1 (due now, not
     * disarmed). A span cut to the end of the host's range stays there.
     */
    private static long rescaledLeft(long left, long sinceFirst, long passed, long sinceLast, ClockTransform from,
                                     ClockTransform to) {
        long atFirst = ClockTransform.saturatingAdd(left, Math.max(0, sinceFirst));
        if (atFirst >= SATURATED) return Long.MAX_VALUE;
        long virtual = from.virtualDuration(atFirst) - passed - to.virtualDuration(Math.max(0, sinceLast));
        return Math.max(1, to.hostDuration(Math.max(0, virtual)));
    }

    /**
     * {@code host} nanoseconds that were scaled under {@code from}, scaled under
     * {@code to} instead. A span at the end of the host's range was cut there
     * when it was scaled (what it stood for is not known): it stays there, late
     * rather than early.
     */
    private static long rescaled(long host, ClockTransform from, ClockTransform to) {
        if (host >= SATURATED) return Long.MAX_VALUE;
        return to.hostDuration(from.virtualDuration(host));
    }

    /** Host spans from here on (146 years) may have been cut to the end of the range when scaled. */
    private static final long SATURATED = Long.MAX_VALUE / 2;

    /** Whether an absolute timer on one of the namespace's clocks is armed (as far as the supervisor follows it). */
    synchronized boolean anyAbsolute() {
        for (FdTimer t : new ArrayList<>(fdTimers)) {
            if ((t.flags & TIMER_ABSTIME) != 0 && live(t) && Timerfd.get(t.dup).valueNanos() != 0) return true;
        }
        long now = hostNow(Time.CLOCK_MONOTONIC);
        for (ProcessTimer t : processTimers.values()) {
            if (!t.itimer() && (t.flags & TIMER_ABSTIME) != 0 && t.nextExpiry(now) != 0) return true;
        }
        return false;
    }

    /**
     * Wakes the cancelled timer's waiters as the kernel does: it becomes readable
     * at once (an expiry the supervisor sets, which the trapped read then clears).
     * Threads already blocked in a read of it are first made to start that read
     * over, so that it reaches the listener and fails with ECANCELED rather than
     * return the expiry.
     */
    private void cancel(FdTimer t) {
        List<Integer> readers = new ArrayList<>();
        for (int tid : threadsOf(t.tgid)) {
            long[] call = TaskActivity.currentSyscall(tid);
            if (call != null && (call[0] == SyscallNumbers.READ || call[0] == SyscallNumbers.READV)
                    && (int) call[1] == t.fd) {
                readers.add(tid);
            }
        }
        if (readers.isEmpty() || control == null) {
            Timerfd.set(t.dup, 0, 1, 0);
            return;
        }
        for (int tid : readers) {
            control.interrupt(tid, stop -> {
                synchronized (this) {
                    // The read starts over, through the listener. A timer forgotten meanwhile
                    // has closed its descriptor, whose number may be another's now.
                    if (t.cancelled && fdTimers.contains(t)) Timerfd.set(t.dup, 0, 1, 0);
                }
            });
        }
    }

    /** The threads of process {@code tgid}, from /proc (the leader first when it is there); just the leader when unreadable. */
    private static List<Integer> threadsOf(int tgid) {
        List<Integer> threads = new ArrayList<>();
        threads.add(tgid);
        try (var tasks = java.nio.file.Files.list(Path.of("/proc/" + tgid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                int tid = Integer.parseInt(task.getFileName().toString());
                if (tid != tgid) threads.add(tid);
            }
        } catch (java.io.IOException | java.io.UncheckedIOException | NumberFormatException e) {
            // gone: the leader alone, which the callers find gone in turn
        }
        return threads;
    }

    /** Every timer's host expiry moves earlier by {@code hostShift}: the clocks jumped forward by as much. */
    synchronized void clocksJumped(long hostShift) {
        for (FdTimer t : new ArrayList<>(fdTimers)) {
            if (!live(t)) continue;
            if (t.cancelled) {
                t.afterCancelValue -= hostShift;
            } else {
                shiftFd(t, hostShift);
            }
        }
        for (ProcessTimer t : processTimers.values()) shiftProcess(t, hostShift);
    }

    /** Whether the program still has the timer where it armed it; refreshes its flags. */
    private boolean live(FdTimer t) {
        if (!Descriptors.sameFile(self, t.dup, t.tgid, t.fd)) {
            forget(t);
            return false;
        }
        if (!t.cancelled) t.flags = armedFlags(t.dup, t.flags);
        return true;
    }

    /**
     * Re-arms a timerfd so that its next expiry comes {@code shift} host
     * nanoseconds earlier, keeping its period and its count of expirations not
     * yet read, to which the expiries the shift passes over are added.
     */
    private void shiftFd(FdTimer t, long shift) {
        Timerfd.Setting now = Timerfd.get(t.dup); // also counts in the expirations since it last fired
        long readAt = hostNow(Time.CLOCK_MONOTONIC);
        if (now.valueNanos() == 0) return; // disarmed, or a one-shot timer that expired
        long interval = now.intervalNanos();
        long counted = ticks(t.dup);
        // The time from that reading to the re-arm below (a moment; on a busy machine,
        // as long as this thread waits for a CPU) passes for the timer too: the
        // expiries in it are owed as the shift's are. One of them may be in the count
        // already (the kernel counts the next only when the timer is read again).
        long late = hostNow(Time.CLOCK_MONOTONIC) - readAt;
        if (late >= now.valueNanos() && counted > 0) counted--;
        Shifted shifted = Shifted.of(now.valueNanos(), interval, shift + late);
        long ticks = counted + shifted.passed();
        if (ticks < 0) ticks = Long.MAX_VALUE;
        long value = shifted.value();
        int flags = t.flags & (TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET);
        if ((flags & TIMER_ABSTIME) != 0 && value != 0) value = hostNow(t.clock) + value;
        Timerfd.set(t.dup, flags, value, interval);
        // Re-arming cleared the count; setting it back also wakes the timer's readers.
        if (ticks > 0) Timerfd.setTicks(t.dup, ticks);
    }

    /**
     * A timer's next expiry moved {@code shift} earlier: {@code value}, the time
     * to it then (0: none, a one-shot timer that expired), and {@code passed},
     * how many expiries the shift went past. Each of those is one more
     * expiration to read, as it would have been had the time passed (a read
     * returns them all at once), and a periodic timer goes on at its next
     * expiry on its own schedule.
     */
    record Shifted(long value, long passed) {
        /** For a timer {@code value} (&gt; 0) from its next expiry, every {@code interval} (0: once). */
        static Shifted of(long value, long interval, long shift) {
            if (value > shift) return new Shifted(value - shift, 0);
            long late = shift - value;
            return interval > 0 ? new Shifted(interval - late % interval, 1 + late / interval) : new Shifted(0, 1);
        }
    }

    /** Expirations not yet read, from /proc/self/fdinfo (re-arming clears them). */
    private static long ticks(int fd) {
        String v = fdinfo(fd, "ticks:");
        return v == null ? 0 : Long.parseLong(v);
    }

    /**
     * The flags the timer was last armed with, from /proc/self/fdinfo ("settime
     * flags", octal): the program may have re-armed it without our seeing it.
     */
    private static int armedFlags(int fd, int otherwise) {
        String v = fdinfo(fd, "settime flags:");
        return v == null ? otherwise : Integer.parseInt(v, 8);
    }

    private static String fdinfo(int fd, String key) {
        return DeadlineSyscalls.procValue(Path.of("/proc/self/fdinfo/" + fd), null, key);
    }

    private void shiftProcess(ProcessTimer t, long shift) {
        t.pendingShift += shift;
        Injection asked = injecting.get(t.tgid);
        if (asked != null && !asked.stale()) return; // one interrupt moves all of a process's timers
        int tid = pickThread(t.tgid);
        Long gadget = syscallInstruction.apply(tid);
        if (gadget == null || control == null) {
            injecting.remove(t.tgid);
            return;
        }
        injecting.put(t.tgid, new Injection(tid, Time.clockGettimeNanos(Time.CLOCK_MONOTONIC)));
        control.interrupt(tid, stop -> reArm(stop, t.tgid, gadget));
    }

    /** An interrupt asked of thread {@code tid} to move its process's timers, at host MONOTONIC {@code since}. */
    private record Injection(int tid, long since) {
        /** Never answered (the thread exec'd or ended first, or the interrupt was lost): ask again. */
        boolean stale() {
            return Time.clockGettimeNanos(Time.CLOCK_MONOTONIC) - since > INJECTION_STALE_NANOS;
        }
    }

    /**
     * Syscalls whose relative timeout the kernel does not count down: restarted
     * after an interrupt they would wait their whole timeout again (signal(7)).
     */
    private static final Set<Integer> TIMEOUT_STARTS_OVER = Set.of(SyscallNumbers.EPOLL_WAIT,
            SyscallNumbers.EPOLL_PWAIT, SyscallNumbers.EPOLL_PWAIT2, SyscallNumbers.RT_SIGTIMEDWAIT,
            SyscallNumbers.SEMTIMEDOP, SyscallNumbers.IO_GETEVENTS, SyscallNumbers.IO_PGETEVENTS, SyscallNumbers.RECVMMSG);

    /**
     * The thread of {@code tgid} to interrupt for an injection: preferably one
     * that is not in a syscall whose timeout an interrupt would make start over;
     * else one whose wait the warp keeps at its deadline across the restart; else
     * the leader (its timeout then starts over: see the README).
     */
    private int pickThread(int tgid) {
        List<Integer> live = new ArrayList<>();
        for (int tid : threadsOf(tgid)) {
            char state = TaskActivity.schedulerState(tid);
            if (state == '?' || state == 'Z') continue;
            live.add(tid);
            long[] call = TaskActivity.currentSyscall(tid);
            if (call == null || !TIMEOUT_STARTS_OVER.contains((int) call[0])) return tid;
        }
        for (int tid : live) if (keepsDeadline.test(tid)) return tid;
        return live.isEmpty() ? tgid : live.get(0);
    }

    /** Warp's own, under --warp: makes a thread's timed wait keep its deadline when it restarts. */
    void onRestart(java.util.function.IntPredicate keeper) {
        this.keepsDeadline = keeper;
    }

    /** Asks for the moves whose interrupt was never answered again (tracer thread). */
    synchronized void retryMoves() {
        for (ProcessTimer t : new ArrayList<>(processTimers.values())) {
            if (t.pendingShift == 0 && !t.rescale) continue;
            Injection asked = injecting.get(t.tgid);
            if (asked == null || asked.stale()) shiftProcess(t, 0);
        }
    }

    /** At the interrupt stop of a thread of {@code tgid}: moves its POSIX timers and ITIMER_REAL by their pending shift. */
    private synchronized void reArm(InterruptStop stop, int tgid, long gadget) {
        injecting.remove(tgid);
        if (!stop.canInject()) return; // stopped by a signal: asked again later (retryMoves)
        try (InjectedSyscalls inject = stop.injectSyscalls(gadget)) {
            RemotePtr buffer = stop.pushScratch(new byte[32]);
            for (ProcessTimer t : processTimers.values()) {
                if (t.tgid != tgid || t.pendingShift == 0 && !t.rescale) continue;
                long shift = t.pendingShift;
                t.pendingShift = 0;
                boolean rescale = t.rescale;
                t.rescale = false;
                long got = t.itimer() ? inject.call(SyscallNumbers.GETITIMER, ITIMER_REAL, buffer.address())
                        : inject.call(SyscallNumbers.TIMER_GETTIME, t.id, buffer.address());
                if (got != 0) continue;
                byte[] spec = stop.memory().read(buffer, TimeStruct.PAIR_SIZE);
                TimeStruct kind = t.itimer() ? TimeStruct.TIMEVAL : TimeStruct.TIMESPEC;
                long interval = taken(kind, spec, 0);
                long remaining = taken(kind, spec, TimeStruct.PAIR_VALUE);
                if (remaining == 0) continue; // expired meanwhile, and one-shot
                long monotonic = hostNow(Time.CLOCK_MONOTONIC);
                if (rescale) {
                    ClockTransform now = page.transform(ClockGroup.of(t.clock));
                    remaining = rescaledLeft(t, remaining, monotonic, now);
                    interval = rescaled(interval, t.armedUnder, now);
                    t.hostExpiry = 0; // a new schedule: nothing to keep to
                    t.armedUnder = now;
                }
                // The expiry on the timer's own schedule, not the kernel's: a timer moved
                // to expire "now" fired a little late (the move came after the jump), and
                // its period must not carry that lateness on, period after period.
                long kernelNext = ClockTransform.saturatingAdd(monotonic, remaining);
                long ideal = interval > 0 && t.hostExpiry != 0
                        ? t.hostExpiry + Math.round((double) (kernelNext - t.hostExpiry) / interval) * interval
                        : kernelNext;
                long target = ideal - shift;
                long value = Math.max(t.itimer() ? 1000 : 1, target - monotonic);
                t.hostExpiry = target;
                t.interval = interval;
                boolean absolute = (t.flags & TIMER_ABSTIME) != 0;
                if (absolute) value = ClockTransform.saturatingAdd(value, hostNow(t.clock));
                stop.memory().write(buffer, kind.encodePair(interval, value));
                long set = t.itimer() ? inject.call(SyscallNumbers.SETITIMER, ITIMER_REAL, buffer.address(), 0)
                        : inject.call(SyscallNumbers.TIMER_SETTIME, t.id, absolute ? TIMER_ABSTIME : 0, buffer.address(), 0);
                if (set != 0) warn("cannot move a timer of pid " + tgid + ": " + Errno.describe((int) -set));
            }
        } catch (TraceeFault e) {
            warn("cannot move the timers of pid " + tgid + ": no room on the stack of thread " + stop.tid());
        } catch (IllegalStateException e) {
            warn("cannot move the timers of pid " + tgid + ": " + e.getMessage()); // the thread goes on as it was
        }
    }

    // ---- for --warp ------------------------------------------------------------------------------------------

    /** Whether any timer is armed (the warp watcher then looks for an idle namespace). */
    synchronized boolean any() {
        return !fdTimers.isEmpty() || !processTimers.isEmpty();
    }

    /** Whether a move of timers is on its way (their expiries are not known until it is done). */
    synchronized boolean moving() {
        for (Injection i : injecting.values()) if (!i.stale()) return true;
        return false;
    }

    /**
     * The host CLOCK_MONOTONIC reading of the next expiry of any armed timer that
     * has not fired yet, or fired too recently to have woken anyone (Long.MAX_VALUE:
     * none). A timerfd with expirations nobody read yet has woken its reader already.
     */
    synchronized long nextExpiry() {
        long now = hostNow(Time.CLOCK_MONOTONIC);
        long next = Long.MAX_VALUE;
        for (FdTimer t : new ArrayList<>(fdTimers)) {
            if (t.cancelled || !live(t)) continue;
            Timerfd.Setting s = Timerfd.get(t.dup);
            if (s.valueNanos() == 0 || ticks(t.dup) > 0) continue;
            next = Math.min(next, now + s.valueNanos());
        }
        for (ProcessTimer t : processTimers.values()) {
            long e = t.nextExpiry(now);
            if (e != 0) next = Math.min(next, e);
        }
        return next;
    }

    // ---- processes ---------------------------------------------------------------------------------------------

    synchronized void taskCreated(int parent, int child, boolean thread) {
        int parentTgid = tgidOf.getOrDefault(parent, parent);
        if (thread) tgidOf.put(child, parentTgid);
    }

    /** Thread {@code tid} exec'd, and leads process {@code tid} now: its POSIX timers are gone, ITIMER_REAL stays. */
    synchronized void execed(int formerTid, int tid) {
        // A thread that execs takes over its process's id: tid is the process now
        // (its entry in tgidOf may be gone already with the former thread).
        tgidOf.remove(formerTid);
        processTimers.values().removeIf(t -> t.tgid == tid && !t.itimer());
        injecting.remove(tid); // an interrupt asked for before the exec is dropped with the old program
    }

    synchronized void taskExited(int tid) {
        injecting.values().removeIf(i -> i.tid() == tid); // its interrupt stop will never come
        Integer tgid = tgidOf.remove(tid);
        if (tgid != null) return; // a thread: its process and its timers go on
        processTimers.values().removeIf(t -> t.tgid == tid);
        injecting.remove(tid);
        Integer pidfd = pidfds.remove(tid);
        if (pidfd != null) Unistd.close(pidfd);
        for (FdTimer t : new ArrayList<>(fdTimers)) if (t.tgid == tid) forget(t);
    }

    private int pidfd(int tgid) {
        Integer fd = pidfds.get(tgid);
        if (fd != null) return fd;
        int opened = Descriptors.pidfdOpen(tgid);
        if (opened >= 0) pidfds.put(tgid, opened);
        return opened;
    }

    @Override
    public synchronized void close() {
        for (FdTimer t : fdTimers) Unistd.close(t.dup);
        fdTimers.clear();
        for (int fd : pidfds.values()) Unistd.close(fd);
        pidfds.clear();
    }

    /** Armed with an absolute deadline on the REALTIME group: such a timer follows a set of that clock. */
    private static boolean absoluteRealtime(int flags, int clock) {
        return (flags & TIMER_ABSTIME) != 0 && ClockGroup.of(clock) == ClockGroup.REALTIME;
    }

    // ---- arithmetic ----------------------------------------------------------------------------------------------

    private static long key(int tgid, int id) {
        return ((long) tgid << 32) | (id & 0xFFFF_FFFFL);
    }

    private static long hostNow(int clock) {
        return Time.clockGettimeNanos(clock);
    }

    /** The host span during which {@code group}'s clock advances {@code virtual} (either sign). */
    private long hostSpan(ClockGroup group, long virtual) {
        ClockTransform t = page.transform(group);
        return virtual >= 0 ? t.hostDuration(virtual) : -t.hostDuration(-virtual);
    }

    private void warn(String message) {
        diagnostics.println("timens: " + message);
        diagnostics.flush();
    }
}
