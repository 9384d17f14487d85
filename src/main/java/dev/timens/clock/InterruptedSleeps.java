package dev.timens.clock;

import dev.timens.engine.RemotePtr;
import dev.timens.engine.SyscallExit;
import dev.timens.linux.SyscallNumbers;
import dev.timens.engine.SyscallSet;
import dev.timens.engine.SyscallStop;
import dev.timens.engine.TraceeFault;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntToLongFunction;

import static dev.timens.linux.Time.TIMER_ABSTIME;

/**
 * The time left of an interrupted sleep, on the namespace's clock. When a
 * signal interrupts {@code nanosleep} or a relative {@code clock_nanosleep},
 * the kernel writes what is left of the request into the program's
 * {@code rem} (nanosleep(2)), counted on the host's clock to the host deadline
 * it was given. Under {@code --rate} that deadline was scaled, and under
 * {@code --warp} the clocks may have jumped towards it since: the program
 * must read its own deadline less its own clock's time now, which is what is
 * written over the kernel's figure.
 *
 * <p>The kernel writes {@code rem} before the syscall returns
 * {@code -ERESTART_RESTARTBLOCK} (kernel/time/hrtimer.c, do_nanosleep), which
 * is what the exit stop shows: a handler then turns it into EINTR; without
 * one (a stop signal, the supervisor's own interrupt) the sleep goes on in
 * {@code restart_syscall} to the same host deadline. So {@code restart_syscall}
 * is trapped as well, and when the sleep it continues is interrupted in turn,
 * {@code rem} is written over again.
 *
 * <p>Used under a rate or {@code --warp} only: with the clocks at rate 1 and
 * no jumps, the kernel's figure is the namespace's. Tracer thread only.
 */
final class InterruptedSleeps {
    private static final long EINTR = -4;
    private static final long ERESTART_RESTARTBLOCK = -516;

    /**
     * A relative sleep of the namespace: a syscall with arguments {@code args}, of which argument {@code request} holds the duration (the
     * supervisor may pass a copy of it to the kernel); it ends at
     * {@code deadline} on {@code clock}'s group, and {@code rem} is where the
     * program wants the time left.
     */
    private record Sleep(long[] args, int request, ClockGroup clock, long deadline, RemotePtr rem) {
        /** Whether a restart_syscall with arguments {@code actual} continues this sleep (its registers are kept). */
        boolean continuedBy(IntToLongFunction actual) {
            for (int i = 0; i < 6; i++) {
                if (i != request && actual.applyAsLong(i) != args[i]) return false;
            }
            return true;
        }
    }

    private final ClockPage page;
    /** Per thread, the sleep it was in when interrupted without a handler: restart_syscall may continue it. */
    private final Map<Integer, Sleep> continuing = new HashMap<>();

    InterruptedSleeps(ClockPage page) {
        this.page = page;
    }

    /** nanosleep and relative clock_nanosleep are trapped for the rate or the warp already. */
    static void subscribe(SyscallSet.Builder b) {
        b.always(SyscallNumbers.RESTART_SYSCALL);
    }

    /**
     * Every trapped syscall of a thread, before anything else handles it: a
     * {@code restart_syscall} that continues the thread's interrupted sleep gets
     * that sleep's time left written at its exit; any other call means the sleep
     * is over.
     */
    void onSyscall(SyscallStop stop) {
        Sleep interrupted = continuing.remove(stop.tid());
        if (interrupted == null || stop.number() != SyscallNumbers.RESTART_SYSCALL) return;
        if (!interrupted.continuedBy(stop::arg)) return;
        int tid = stop.tid();
        stop.atExit(exit -> exited(exit, tid, interrupted));
    }

    /**
     * A sleep about to go to the kernel (not one the warp answers itself):
     * when it is relative, on one of the namespace's clocks, and wants the time
     * left, its deadline is taken now, before a rate replaces its duration.
     * {@code resumed}: the time left of a sleep that starts over after a rate
     * change ({@link RateSyscalls#resumedRemaining}), instead of its request.
     */
    void onSleep(SyscallStop stop, Long resumed) {
        int nr = stop.number();
        int request;
        int remain;
        ClockGroup clock;
        if (nr == SyscallNumbers.NANOSLEEP) {
            request = 0;
            remain = 1;
            clock = ClockGroup.MONOTONIC;
        } else if (nr == SyscallNumbers.CLOCK_NANOSLEEP && (stop.arg(1) & TIMER_ABSTIME) == 0) {
            request = 2;
            remain = 3;
            clock = ClockGroup.of(stop.arg(0));
            if (clock == null) return; // CPU time: neither scaled nor jumped
            // A relative REALTIME sleep runs on MONOTONIC: setting the clock does not
            // move it (kernel/time/hrtimer.c makes a relative REALTIME timer a MONOTONIC one).
            if (clock == ClockGroup.REALTIME) clock = ClockGroup.MONOTONIC;
        } else {
            return;
        }
        RemotePtr rem = stop.pointerArg(remain);
        if (rem.isNull()) return;
        Long duration = resumed != null ? resumed : request(stop, request);
        if (duration == null) return; // the kernel answers EINVAL or EFAULT
        long now = now(clock);
        long deadline = now + duration < now ? Long.MAX_VALUE : now + duration;
        long[] args = new long[6];
        for (int i = 0; i < 6; i++) args[i] = stop.arg(i);
        Sleep sleep = new Sleep(args, request, clock, deadline, rem);
        int tid = stop.tid();
        stop.atExit(exit -> exited(exit, tid, sleep));
    }

    /** The duration in argument {@code request}, or null where the kernel refuses it (EINVAL, EFAULT). */
    private static Long request(SyscallStop stop, int request) {
        try {
            return TimeStruct.TIMESPEC.read(stop.memory(), stop.pointerArg(request));
        } catch (TraceeFault e) {
            return null;
        }
    }

    void taskExited(int tid) {
        continuing.remove(tid);
    }

    private void exited(SyscallExit exit, int tid, Sleep sleep) throws TraceeFault {
        long result = exit.result();
        if (result != ERESTART_RESTARTBLOCK && result != EINTR) return;
        long left = Math.max(0, sleep.deadline() - now(sleep.clock()));
        exit.memory().write(sleep.rem(), TimeStruct.TIMESPEC.encode(left));
        if (result == ERESTART_RESTARTBLOCK) continuing.put(tid, sleep);
    }

    private long now(ClockGroup group) {
        return page.now(group);
    }
}
