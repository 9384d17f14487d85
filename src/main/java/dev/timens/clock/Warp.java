package dev.timens.clock;

import dev.timens.engine.ArgCondition;
import dev.timens.engine.RemotePtr;
import dev.timens.engine.SyscallExit;
import dev.timens.linux.SyscallNumbers;
import dev.timens.engine.SyscallOutcome;
import dev.timens.engine.SyscallSet;
import dev.timens.engine.SyscallStop;
import dev.timens.engine.TraceControl;
import dev.timens.engine.TraceeFault;
import dev.timens.linux.Time;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToLongFunction;


/**
 * {@code --warp}: when every thread of the namespace is waiting, and at least
 * one waits with a timeout, nothing can happen before the earliest of those
 * timeouts; so instead of letting real time pass, the namespace's clocks jump
 * to it, and that wait ends at once, as if its time had passed.
 *
 * <p>Waiting means blocked on something inside the namespace or on time
 * ({@link TaskActivity}): a futex (locks, condition variables, thread joins),
 * wait4/waitid, pause, sigsuspend, a pipe between the namespace's own processes,
 * any wait with a timeout. A thread that runs, is stopped, or waits without a
 * timeout for I/O from outside (a terminal, a socket, a pipe timens was given)
 * keeps the clocks on real time: the outside world could answer at any moment.
 *
 * <p>Every wait with a timeout is trapped (the syscalls of {@link TimedWait}),
 * and its deadline is kept on the MONOTONIC scale. At the trap: if every other
 * thread waits and this deadline is the earliest, a sleep is answered at once
 * after moving the clocks to its deadline; any other wait goes to the kernel
 * with a zero timeout, so that what is ready is still reported, and the clocks
 * jump only if it did time out. Otherwise the wait blocks in the kernel as
 * usual. A watcher thread finds the moments when threads blocked that way are
 * due, because the namespace became idle or its (jumped) clocks passed their
 * deadline: it rings the supervisor ({@link TraceControl#wakeup()}), which
 * interrupts the earliest and makes it start over, to finish as above.
 *
 * <p>The clocks only ever jump forward, all of them by the same amount, so
 * CLOCK_MONOTONIC never goes back and the distance between the clocks stays
 * what it was.
 */
final class Warp implements AutoCloseable {
    private static final long MIN_POLL_NANOS = 1_000_000;
    private static final long MAX_POLL_NANOS = 16_000_000;
    /** After a jump to a timer, how long to wait at most for its process to take the expiry before jumping on. */
    private static final long TIMER_HOLD_NANOS = 100_000_000;
    /** A wait being finished for longer than this is forgotten (see {@link Waiter#stale}). */
    private static final long STALE_NANOS = 500_000_000;

    /** Where a blocked wait stands. */
    private enum Phase {
        /** In the kernel, as far as the supervisor knows. */
        BLOCKED,
        /** Interrupted to be finished; its interrupt stop has not come yet. */
        DUE,
        /** Its interrupt stop came while it was still in the wait: the call starts over, to finish at its deadline. */
        RESTARTING,
        /**
         * Interrupted for something else (its process's timers being moved): the call
         * starts over, and waits on until the same deadline, not for its whole timeout again.
         */
        KEEPING
    }

    /**
     * A thread in a timed wait, with its deadline on {@code group}'s clock, since
     * when (host CLOCK_MONOTONIC) it is in its phase, and how often the clocks had
     * been moved ({@link #moves}) when its timeout went to the kernel.
     */
    private record Waiter(int tid, TimedWait call, long[] args, ClockGroup group, long deadline, Phase phase,
                          long since, long movedAt) {
        Waiter in(Phase next) {
            return new Waiter(tid, call, args, group, deadline, next, Time.clockGettimeNanos(Time.CLOCK_MONOTONIC),
                    movedAt);
        }

        /** The same wait, its timeout given to the kernel anew when the clocks had been moved {@code moves} times. */
        Waiter givenAt(long moves) {
            return new Waiter(tid, call, args, group, deadline, phase, since, moves);
        }

        /**
         * Whether the kernel ends this wait by itself at its deadline: the
         * clocks have not been moved since it was given its timeout, so its
         * deadline on the namespace's clock and the kernel's in host time are
         * one and the same moment. Only a wait the clocks jumped towards must be
         * ended by the supervisor.
         */
        boolean endsByItself(long moves) {
            return movedAt == moves;
        }

        boolean blocked() {
            return phase == Phase.BLOCKED;
        }

        /**
         * Being finished for so long that the finishing went astray (a signal
         * of the program's came first and the thread went elsewhere): it no
         * longer holds other jumps back.
         */
        boolean stale(long hostNow) {
            return phase != Phase.BLOCKED && hostNow - since > STALE_NANOS;
        }

        /**
         * Whether syscall {@code number} with {@code actual} arguments is this wait:
         * the same syscall and arguments, but for the timeout, which the supervisor
         * may have replaced by a copy (it must only still be there).
         */
        boolean sameCall(int number, IntToLongFunction actual) {
            if (number != call.number()) return false;
            for (int i = 0; i < 6; i++) {
                long a = actual.applyAsLong(i);
                if (i != call.arg()) {
                    if (a != args[i]) return false;
                } else if (call.form() == TimedWait.Form.MILLIS ? (int) a <= 0 : a == 0) {
                    return false;
                }
            }
            return true;
        }
    }

    private final ClockPage page;
    private final DeadlineSyscalls deadlines;
    private final Timers timers;
    private final TaskActivity activity;
    private final Object lock = new Object();
    /** Guarded by lock: the threads in a timed wait, as far as their last trap says. */
    private final Map<Integer, Waiter> waiters = new HashMap<>();
    /** Guarded by lock: something the watcher should look at again. */
    private boolean changed;
    private boolean closed;
    private TraceControl control;
    private Thread watcher;
    /**
     * Tracer thread only: after a jump to a timer's expiry, the host MONOTONIC time
     * of the jump and how often the namespace's threads had been scheduled in then; 0 when none is recent.
     */
    private long timerJumpAt;
    private long runsAtJump;
    /**
     * How often the clocks have jumped or been set: a wait given its timeout
     * before the last of these may have a deadline the kernel reaches late.
     */
    private volatile long moves;
    /**
     * The thread last found running: a program busy on the CPU is most often
     * busy in the same thread, so looking at it first tells in one /proc read
     * that nothing can jump.
     */
    private volatile int lastBusy;
    /** What warping cost and did, for --stats: timed waits trapped, watcher wake-ups of the tracer, interrupts, jumps. */
    private final java.util.concurrent.atomic.LongAdder trapped = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder wakeups = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder interrupts = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder jumps = new java.util.concurrent.atomic.LongAdder();

    Warp(ClockPage page, DeadlineSyscalls deadlines, Timers timers, TaskActivity activity) {
        this.page = page;
        this.deadlines = deadlines;
        this.timers = timers;
        this.activity = activity;
        timers.onArmed(this::timerArmed);
        timers.onRestart(this::keepDeadline);
    }

    /**
     * Thread {@code tid} is about to be interrupted by someone else: if it is in a
     * timed wait we know, its restarted call keeps that wait's deadline. Returns
     * whether it is such a wait.
     */
    boolean keepDeadline(int tid) {
        synchronized (lock) {
            Waiter w = waiters.get(tid);
            if (w == null || !w.blocked()) return false;
            waiters.put(tid, w.in(Phase.KEEPING));
            return true;
        }
    }

    /** Every wait with a timeout: the clocks may have to jump to its end. */
    static void subscribe(SyscallSet.Builder b) {
        b.always(SyscallNumbers.NANOSLEEP).always(SyscallNumbers.CLOCK_NANOSLEEP);
        b.always(SyscallNumbers.MQ_TIMEDSEND).always(SyscallNumbers.MQ_TIMEDRECEIVE);
        nonNull(b, SyscallNumbers.SELECT, 4);
        nonNull(b, SyscallNumbers.PSELECT6, 4);
        nonNull(b, SyscallNumbers.PPOLL, 2);
        nonNull(b, SyscallNumbers.EPOLL_PWAIT2, 3);
        nonNull(b, SyscallNumbers.RT_SIGTIMEDWAIT, 2);
        nonNull(b, SyscallNumbers.SEMTIMEDOP, 3);
        nonNull(b, SyscallNumbers.FUTEX_WAITV, 3);
        positive(b, SyscallNumbers.POLL, 2);
        positive(b, SyscallNumbers.EPOLL_WAIT, 3);
        positive(b, SyscallNumbers.EPOLL_PWAIT, 3);
        for (int cmd : new int[] {0 /* WAIT */, 6 /* LOCK_PI */, 9 /* WAIT_BITSET */, 11 /* WAIT_REQUEUE_PI */,
                13 /* LOCK_PI2 */}) {
            ArgCondition op = ArgCondition.maskedEquals(1, 0x7f, cmd);
            b.when(SyscallNumbers.FUTEX, op, ArgCondition.anyBitSet(3, 0xFFFF_FFFFL));
            b.when(SyscallNumbers.FUTEX, op, ArgCondition.anyBitSet(3, 0xFFFF_FFFF_0000_0000L));
        }
    }

    private static void nonNull(SyscallSet.Builder b, int nr, int arg) {
        b.when(nr, ArgCondition.anyBitSet(arg, 0xFFFF_FFFFL));
        b.when(nr, ArgCondition.anyBitSet(arg, 0xFFFF_FFFF_0000_0000L));
    }

    /** An int argument above zero: a timeout in milliseconds that makes a wait. */
    private static void positive(SyscallSet.Builder b, int nr, int arg) {
        b.when(nr, ArgCondition.bitsClear(arg, 0x8000_0000L), ArgCondition.anyBitSet(arg, 0x7FFF_FFFFL));
    }

    void start(TraceControl control) {
        this.control = control;
        // Engine v2: a timed wait is a notification first, handed to the tracer thread.
        if (!control.tracesEveryThread()) activity.seeNotifiedWaits();
        watcher = Thread.ofPlatform().daemon().name("timens-warp").start(this::watch);
    }

    void taskExited(int tid) {
        synchronized (lock) {
            if (waiters.remove(tid) != null) touch();
        }
    }

    /** The namespace's clocks were set: deadlines on CLOCK_REALTIME moved against the others and against the host. */
    void clocksChanged() {
        synchronized (lock) {
            moves++;
            touch();
        }
    }

    /** A timer was armed: it may expire before every blocked wait. */
    private void timerArmed() {
        synchronized (lock) {
            touch();
        }
    }

    /**
     * A trapped syscall of {@code stop}'s thread: ends the thread's previous wait
     * (it is making another call), and takes over a new timed wait when its
     * deadline is next. Null: the usual handling applies (the wait is now
     * recorded, and blocks in the kernel).
     */
    SyscallOutcome onSyscall(SyscallStop stop) throws TraceeFault {
        int tid = stop.tid();
        // The kernel continuing the thread's interrupted call (trapped for
        // InterruptedSleeps): still the same wait, with the same deadline.
        if (stop.number() == SyscallNumbers.RESTART_SYSCALL) return null;
        Waiter previous;
        synchronized (lock) {
            previous = waiters.remove(tid);
            if (previous != null) touch();
        }
        TimedWait wait = TimedWait.of(stop.number(), stop::arg);
        if (wait == null) return null;
        trapped.increment();
        Waiter me;
        if (previous != null && previous.phase() == Phase.RESTARTING && previous.sameCall(stop.number(), stop::arg)) {
            me = previous;
        } else if (previous != null && previous.phase() == Phase.KEEPING && previous.sameCall(stop.number(), stop::arg)) {
            me = previous.in(Phase.BLOCKED).givenAt(moves);
            if (!nextToEnd(tid, me)) {
                leftUntilDeadline(stop, me);
                synchronized (lock) {
                    waiters.put(tid, me);
                    touch();
                }
                return null;
            }
        } else {
            me = newWaiter(stop, wait);
            if (me == null) return null; // a poll, or a timeout the kernel refuses itself
            if (!nextToEnd(tid, me)) {
                synchronized (lock) {
                    waiters.put(tid, me);
                    touch();
                }
                return null;
            }
        }
        return finish(stop, me);
    }

    /**
     * Makes the restarted call wait only what is left until its deadline: its
     * timeout argument becomes the time left (a copy on the stack for a struct),
     * on the namespace's clock, as the program's own was (a rate scales it next).
     */
    private void leftUntilDeadline(SyscallStop stop, Waiter me) throws TraceeFault {
        TimedWait wait = me.call();
        if (wait.absolute()) return; // an absolute deadline is the same on restart
        long left = Math.max(0, onMonotonic(me) - now(ClockGroup.MONOTONIC));
        if (wait.form() == TimedWait.Form.MILLIS) {
            stop.setArg(wait.arg(), Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000));
        } else {
            TimeStruct kind = wait.form() == TimedWait.Form.TIMEVAL ? TimeStruct.TIMEVAL : TimeStruct.TIMESPEC;
            stop.setArg(wait.arg(), stop.pushScratch(kind.encode(left)).address());
        }
    }

    /**
     * The wait's deadline; null when it is no wait (zero), the kernel will refuse
     * it (EFAULT, EINVAL), or it lies at or past the end of the clock's range
     * (KTIME_MAX), where the clocks stop: such a deadline never comes, as for
     * the kernel, whose timers take KTIME_MAX for "never". The clocks then never
     * jump to it, and the wait is left to the kernel.
     */
    private Waiter newWaiter(SyscallStop stop, TimedWait wait) {
        long[] args = new long[6];
        for (int i = 0; i < 6; i++) args[i] = stop.arg(i);
        if (wait.absolute()) {
            Long deadline = deadlines.virtualDeadline(stop, wait.arg());
            if (deadline == null || deadline == ClockTransform.MAX) return null;
            Waiter w = new Waiter(stop.tid(), wait, args, wait.deadlineOn(), deadline, Phase.BLOCKED, 0, moves);
            // A REALTIME deadline that MONOTONIC, further on, could only reach past its own end.
            return onMonotonic(w) == ClockTransform.MAX ? null : w;
        }
        long duration;
        if (wait.form() == TimedWait.Form.MILLIS) {
            duration = wait.millis(stop::arg) * 1_000_000L;
        } else {
            byte[] t;
            try {
                t = stop.memory().read(stop.pointerArg(wait.arg()), TimeStruct.SIZE);
            } catch (TraceeFault e) {
                return null;
            }
            TimeStruct kind = wait.form() == TimedWait.Form.TIMEVAL ? TimeStruct.TIMEVAL : TimeStruct.TIMESPEC;
            Long nanos = wait.number() == SyscallNumbers.SELECT ? TimeStruct.selectTimeout(t) : kind.nanos(t, 0);
            if (nanos == null) return null;
            duration = nanos;
        }
        if (duration == 0) return null;
        long now = now(ClockGroup.MONOTONIC);
        long deadline = now + duration;
        if (deadline < now || deadline == ClockTransform.MAX) return null; // past the end of the range: never
        return new Waiter(stop.tid(), wait, args, ClockGroup.MONOTONIC, deadline, Phase.BLOCKED, 0, moves);
    }

    /**
     * Whether {@code me} ends before anything else can happen: every other thread
     * waits, none is being finished, and no blocked one has an earlier deadline.
     * When a blocked one has, it is finished first, and {@code me} blocks.
     */
    private boolean nextToEnd(int tid, Waiter me) {
        List<Integer> others;
        List<Waiter> blocked;
        synchronized (lock) {
            long hostNow = Time.clockGettimeNanos(Time.CLOCK_MONOTONIC);
            for (Waiter w : waiters.values()) if (!w.blocked() && !w.stale(hostNow)) return false;
            blocked = new ArrayList<>(waiters.values());
        }
        others = control.threads();
        others.remove((Integer) tid);
        Map<Integer, TaskActivity.State> states = statesIfIdle(others);
        if (states == null) return false;
        long mine = onMonotonic(me);
        // A timer expiring first is what happens next: this wait blocks, and the
        // watcher jumps to the timer (settle).
        if (timers.any() && timerExpiry() <= mine) return false;
        Waiter earlier = null;
        for (Waiter w : blocked) {
            if (!blockedIn(w, states.get(w.tid()))) continue;
            if (onMonotonic(w) < mine && (earlier == null || onMonotonic(w) < onMonotonic(earlier))) earlier = w;
        }
        if (earlier == null) return true;
        // One whose deadline has passed without a jump is being ended by the kernel: it runs next.
        if (onMonotonic(earlier) > now(ClockGroup.MONOTONIC) || !earlier.endsByItself(moves)) complete(earlier);
        return false;
    }

    /**
     * The state of every thread of {@code tids} when none of them is active, or
     * null as soon as one is.
     */
    private Map<Integer, TaskActivity.State> statesIfIdle(List<Integer> tids) {
        if (anyRunning(tids)) return null;
        Map<Integer, TaskActivity.State> states = new HashMap<>();
        // The states are read one thread after another: a thread woken and blocked
        // again meanwhile would look as if it had waited all along. Its count of
        // times scheduled in, read just before its state, tells.
        long runs = 0;
        for (int tid : tids) {
            runs += activity.runs(tid);
            TaskActivity.State state = activity.of(tid);
            if (state instanceof TaskActivity.Active) {
                lastBusy = tid;
                return null;
            }
            states.put(tid, state);
        }
        return activity.runs(tids) == runs ? states : null; // one woke and slept again while we looked
    }

    /**
     * Whether one of {@code tids} is running now, by its scheduler state alone:
     * one /proc read a thread, the one last found busy first, as it most often
     * still is. False does not yet mean that every thread waits (see {@link TaskActivity#of}).
     */
    private boolean anyRunning(List<Integer> tids) {
        int busy = lastBusy;
        if (tids.contains(busy) && activity.running(busy)) return true;
        for (int tid : tids) {
            if (tid != busy && activity.running(tid)) {
                lastBusy = tid;
                return true;
            }
        }
        return false;
    }

    /** Whether {@code state} shows the thread still blocked in wait {@code w} (the kernel may continue it as restart_syscall). */
    private static boolean blockedIn(Waiter w, TaskActivity.State state) {
        return state instanceof TaskActivity.Waiting waiting
                && (waiting.number() == SyscallNumbers.RESTART_SYSCALL || w.sameCall(waiting.number(), waiting::arg));
    }

    /**
     * Ends {@code me} at its deadline: a sleep at once, without the kernel; any
     * other wait with a zero timeout, so that what is ready is still reported,
     * and the clocks jump at its exit only if it timed out.
     */
    private SyscallOutcome finish(SyscallStop stop, Waiter me) throws TraceeFault {
        TimedWait wait = me.call();
        if (wait.sleep()) {
            advanceTo(onMonotonic(me));
            return SyscallOutcome.returning(0);
        }
        int arg = wait.arg();
        long original = stop.arg(arg);
        // A zero duration, or for a deadline {0, 0}, long past on every clock.
        stop.setArg(arg, wait.form() == TimedWait.Form.MILLIS ? 0 : stop.pushScratch(new byte[16]).address());
        stop.atExit(exit -> finished(exit, me, original));
        return SyscallOutcome.proceed();
    }

    private void finished(SyscallExit exit, Waiter me, long original) throws TraceeFault {
        TimedWait wait = me.call();
        exit.setArg(wait.arg(), original);
        long result = exit.result();
        if (result == wait.timedOut()) {
            advanceTo(onMonotonic(me));
            if (wait.updated()) exit.memory().write(new RemotePtr(original), new byte[16]); // no time left
        } else if (exit.willRestart()) {
            synchronized (lock) {
                waiters.put(me.tid(), me.in(Phase.RESTARTING)); // a signal came first: the restarted call finishes the same way
            }
        }
    }

    /**
     * The watcher rang: finishes the blocked waits whose deadline the clocks have
     * passed, and when every thread waits, the earliest one, or jumps to the
     * earliest timer's expiry when that comes first.
     */
    void settle() {
        timers.retryMoves();
        if (timers.moving()) return; // timers are being moved: their expiries are not known yet
        List<Waiter> blocked;
        synchronized (lock) {
            blocked = new ArrayList<>();
            long hostNow = Time.clockGettimeNanos(Time.CLOCK_MONOTONIC);
            if (waiters.values().removeIf(w -> w.stale(hostNow))) touch();
            for (Waiter w : waiters.values()) {
                if (!w.blocked()) return; // one is being finished: look again after it
                blocked.add(w);
            }
        }
        List<Integer> all = control.threads();
        boolean anyTimer = timers.any();
        if (blocked.isEmpty() && !anyTimer) return;
        long moved = moves;
        // Null while a thread runs: then nothing may jump, and only waits the
        // clocks jumped past need their threads' states.
        Map<Integer, TaskActivity.State> states = statesIfIdle(all);
        boolean idle = states != null;
        // The keys once: a REALTIME deadline's place on MONOTONIC is read from the clocks.
        Map<Waiter, Long> keys = new HashMap<>();
        for (Waiter w : blocked) keys.put(w, onMonotonic(w));
        blocked.sort(Comparator.comparingLong(keys::get));
        long now = now(ClockGroup.MONOTONIC);
        long timer = idle && anyTimer ? timerExpiry() : Long.MAX_VALUE;
        // A wait whose deadline has passed is woken, and its thread then runs: the
        // namespace is no longer idle, so nothing may jump past what it does next
        // (not a later sleeper, not a timer), however idle it looked a moment ago.
        boolean woken = false;
        for (Waiter w : blocked) {
            boolean passed = keys.get(w) <= now;
            if (!idle && (!passed || w.endsByItself(moved))) {
                if (passed) continue; // the kernel ends it by itself, now
                return; // busy: the others' deadlines are still ahead
            }
            TaskActivity.State state = idle ? states.get(w.tid()) : activity.of(w.tid());
            if (!blockedIn(w, state)) {
                if (!(state instanceof TaskActivity.Active)) forget(w); // gone, or in another call
                continue;
            }
            if (passed) {
                if (!w.endsByItself(moved)) complete(w); // else the kernel is ending it at this moment
                woken = true;
            } else {
                if (!idle || woken) return;
                if (timer < keys.get(w)) {
                    jumpToTimer(timer, all);
                } else {
                    complete(w);
                }
                return;
            }
        }
        if (!woken && timer != Long.MAX_VALUE) jumpToTimer(timer, all);
    }

    /** The next timer expiry on the namespace's MONOTONIC clock, Long.MAX_VALUE when none. */
    private long timerExpiry() {
        long host = timers.nextExpiry();
        if (host == Long.MAX_VALUE) return Long.MAX_VALUE;
        ClockTransform monotonic = page.transform(ClockGroup.MONOTONIC);
        long hostNow = Time.clockGettimeNanos(Time.CLOCK_MONOTONIC);
        long ahead = monotonic.virtualDuration(Math.max(0, host - hostNow));
        long virtualNow = monotonic.apply(hostNow);
        return virtualNow + ahead < virtualNow ? Long.MAX_VALUE : virtualNow + ahead;
    }

    /**
     * The namespace is idle and a timer expires first: the clocks jump to it,
     * which makes it expire now. The next such jump waits until the namespace has
     * run since (a thread was scheduled in) or a while has passed: a process
     * woken by the timer may not have been scheduled yet, and jumping on would
     * let time pass under its feet.
     */
    private void jumpToTimer(long expiry, List<Integer> all) {
        long hostNow = Time.clockGettimeNanos(Time.CLOCK_MONOTONIC);
        long runs = activity.runs(all);
        if (timerJumpAt != 0 && hostNow - timerJumpAt < TIMER_HOLD_NANOS && runs == runsAtJump) return;
        advanceTo(expiry);
        timerJumpAt = hostNow;
        runsAtJump = runs;
    }

    private void forget(Waiter w) {
        synchronized (lock) {
            waiters.remove(w.tid(), w);
        }
    }

    /** Interrupts a blocked waiter so that its call starts over and finishes at its deadline. */
    private void complete(Waiter w) {
        synchronized (lock) {
            if (!waiters.replace(w.tid(), w, w.in(Phase.DUE))) return;
            touch();
        }
        interrupts.increment();
        control.interrupt(w.tid(), stop -> {
            synchronized (lock) {
                Waiter due = waiters.get(stop.tid());
                // Not DUE: the thread left that wait by itself and is in another one by now.
                if (due == null || due.phase() != Phase.DUE) return;
                if (stop.signalPending()) {
                    // A signal of the program's goes first: the call may end with EINTR or
                    // restart after a handler; either way it is trapped anew if it waits again.
                    waiters.remove(stop.tid());
                    touch();
                    return;
                }
                if (stop.willRestart() && stop.number() == SyscallNumbers.RESTART_SYSCALL) {
                    stop.restartAs(due.call().number()); // its registers still hold the call's arguments
                    waiters.put(stop.tid(), due.in(Phase.RESTARTING));
                } else if (stop.willRestart() && due.sameCall(stop.number(), stop::arg)) {
                    stop.restartFromScratch();
                    waiters.put(stop.tid(), due.in(Phase.RESTARTING));
                } else {
                    waiters.remove(stop.tid()); // it had returned already
                    touch();
                }
            }
        });
    }

    /** Moves every clock of the namespace forward so that CLOCK_MONOTONIC reads {@code target}; never back. */
    private void advanceTo(long target) {
        long delta = target - now(ClockGroup.MONOTONIC);
        if (delta <= 0) return;
        Map<ClockGroup, ClockTransform> jumped = new EnumMap<>(ClockGroup.class);
        for (ClockGroup g : ClockGroup.values()) {
            ClockTransform t = page.transform(g);
            long host = Time.clockGettimeNanos(g.referenceClock());
            long virtual = t.apply(host);
            jumped.put(g, t.setTo(host, virtual + delta < virtual ? Long.MAX_VALUE : virtual + delta));
        }
        page.publish(jumped);
        jumps.increment();
        timers.clocksJumped(page.transform(ClockGroup.MONOTONIC).hostDuration(delta));
        synchronized (lock) {
            moves++; // after the clocks: a wait given its timeout before this may end late
            touch();
        }
    }

    /** The waiter's deadline on the MONOTONIC clock, as the clocks are set now. */
    private long onMonotonic(Waiter w) {
        if (w.group() == ClockGroup.MONOTONIC) return w.deadline();
        long distance = now(w.group()) - now(ClockGroup.MONOTONIC);
        long deadline = w.deadline() - distance;
        return ((w.deadline() ^ distance) & (w.deadline() ^ deadline)) < 0 ? Long.MAX_VALUE : deadline;
    }

    private long now(ClockGroup group) {
        return page.now(group);
    }

    /**
     * Caller holds lock. Only the first change since the watcher last looked
     * wakes it: it looks once for all of them (see {@link #pause}).
     */
    private void touch() {
        if (changed) return;
        changed = true;
        lock.notifyAll();
    }

    /**
     * The watcher: sleeps until the earliest deadline the clocks have jumped
     * towards (the kernel ends the others by itself) or, while threads are
     * blocked in timed waits or timers are armed, polls (1 to 16 ms) whether the
     * whole namespace waits; rings the supervisor when either happens. It looks
     * at most once a millisecond, however often waits begin and end: a program
     * busy with short waits changes something every few microseconds.
     */
    private void watch() {
        long poll = MIN_POLL_NANOS;
        try {
            for (;;) {
                List<Waiter> blocked = new ArrayList<>();
                // Asked before taking the lock: Timers may call keepDeadline, which
                // takes it, while holding its own monitor.
                boolean armed = timers.any();
                long moved = moves;
                synchronized (lock) {
                    if (closed) return;
                    if (!hasBlocked() && !armed) {
                        if (!changed) lock.wait(); // a timer armed since we asked has set changed
                        changed = false;
                        poll = MIN_POLL_NANOS;
                        continue;
                    }
                    for (Waiter w : waiters.values()) if (w.blocked() && !w.endsByItself(moved)) blocked.add(w);
                    if (changed) poll = MIN_POLL_NANOS; // something moved: look again soon
                    changed = false;
                }
                long earliest = Long.MAX_VALUE;
                for (Waiter w : blocked) earliest = Math.min(earliest, onMonotonic(w));
                if (earliest <= now(ClockGroup.MONOTONIC) || everyoneWaits(control.threads())) {
                    wakeups.increment();
                    control.wakeup();
                    pause(poll);
                    poll = Math.min(poll * 2, MAX_POLL_NANOS);
                    continue;
                }
                ClockTransform monotonic = page.transform(ClockGroup.MONOTONIC);
                long hostDeadline = earliest == Long.MAX_VALUE || (monotonic.mult() == 0 && monotonic.active())
                        ? Long.MAX_VALUE : monotonic.inverse(earliest);
                long untilDeadline = hostDeadline == Long.MAX_VALUE ? Long.MAX_VALUE
                        : hostDeadline - Time.clockGettimeNanos(Time.CLOCK_MONOTONIC);
                pause(Math.max(0, Math.min(untilDeadline, poll)));
                poll = Math.min(poll * 2, MAX_POLL_NANOS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean everyoneWaits(List<Integer> all) {
        if (anyRunning(all)) return false;
        for (int tid : all) {
            if (activity.of(tid) instanceof TaskActivity.Active) {
                lastBusy = tid;
                return false;
            }
        }
        return true;
    }

    /** Caller holds lock; it must not call into {@link Timers} (lock order: Timers, then this lock). */
    private boolean hasBlocked() {
        for (Waiter w : waiters.values()) if (w.blocked()) return true;
        return false;
    }

    /** Waits up to {@code nanos}, or until something changed, but no less than {@link #MIN_POLL_NANOS} then. */
    private void pause(long nanos) throws InterruptedException {
        long start = System.nanoTime();
        long least = Math.min(nanos, MIN_POLL_NANOS);
        synchronized (lock) {
            for (;;) {
                long waited = System.nanoTime() - start;
                if (closed || waited >= nanos || (changed && waited >= least)) return;
                long more = (changed ? least : nanos) - waited;
                lock.wait(more / 1_000_000, (int) (more % 1_000_000));
            }
        }
    }

    /**
     * What warping cost, in one line (for --stats): the timed waits trapped, how
     * often the watcher woke the tracer, how many waits it interrupted, how
     * often the clocks jumped, and how many /proc files were read to tell
     * whether the namespace waits.
     */
    String describe() {
        return "timed-waits=" + trapped.sum() + " wake-ups=" + wakeups.sum() + " interrupts=" + interrupts.sum()
                + " jumps=" + jumps.sum() + " proc-reads=" + activity.reads();
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
    }
}
