package dev.timens.clock;

import dev.timens.linux.SyscallNumbers;

import java.util.function.IntToLongFunction;

import static dev.timens.linux.Time.TIMER_ABSTIME;

/**
 * A syscall that blocks until something happens or a timeout passes, as
 * {@code --warp} needs to know it: where the timeout is, whether it is a
 * duration or a deadline on one of the namespace's clocks, and what the
 * syscall returns when the timeout is what ended it.
 *
 * @param number    the syscall
 * @param arg       the argument holding the timeout (a register for {@link Form#MILLIS}, else a pointer)
 * @param form      how the timeout is written
 * @param deadlineOn the clock group of an absolute deadline; null for a duration
 * @param timedOut  the result when the timeout expired (0, -ETIMEDOUT or -EAGAIN)
 * @param updated   whether the kernel writes the time left back into the program's struct
 * @param sleep     nothing but time can end it, and the kernel accepts its clock: it can be
 *                  answered without the kernel
 */
record TimedWait(int number, int arg, Form form, ClockGroup deadlineOn, long timedOut, boolean updated, boolean sleep) {
    /** How a timeout is written: int milliseconds in a register, or a struct timespec / timeval in memory. */
    enum Form { MILLIS, TIMESPEC, TIMEVAL }

    private static final long ETIMEDOUT = -110;
    private static final long EAGAIN = -11;
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_LOCK_PI = 6;
    private static final int FUTEX_WAIT_BITSET = 9;
    private static final int FUTEX_WAIT_REQUEUE_PI = 11;
    private static final int FUTEX_LOCK_PI2 = 13;
    private static final int FUTEX_CLOCK_REALTIME = 256;

    /** A duration, or a deadline on the clock group. */
    boolean absolute() {
        return deadlineOn != null;
    }


    /**
     * The timed wait that syscall {@code number} with arguments {@code args}
     * makes, or null when it waits for no time at all (a poll), forever, on a
     * clock the namespace does not have (CPU time), or does not wait.
     */
    static TimedWait of(int number, IntToLongFunction args) {
        return switch (number) {
            case SyscallNumbers.NANOSLEEP -> sleep(pointer(number, 0, Form.TIMESPEC, null, 0, false, args), true);
            case SyscallNumbers.CLOCK_NANOSLEEP -> {
                long clock = args.applyAsLong(0);
                ClockGroup group = ClockGroup.of(clock);
                if (group == null) yield null;
                boolean absolute = (args.applyAsLong(1) & TIMER_ABSTIME) != 0;
                // The coarse and raw clocks cannot be slept on (EINVAL/ENOTSUP), the alarm
                // ones need CAP_WAKE_ALARM: let the kernel answer those, with a zero timeout.
                boolean sleepable = clock == 0 || clock == 1 || clock == 7 || clock == 11;
                yield sleep(pointer(number, 2, Form.TIMESPEC, absolute ? group : null, 0, false, args), sleepable);
            }
            case SyscallNumbers.SELECT -> pointer(number, 4, Form.TIMEVAL, null, 0, true, args);
            case SyscallNumbers.PSELECT6 -> pointer(number, 4, Form.TIMESPEC, null, 0, true, args);
            case SyscallNumbers.PPOLL -> pointer(number, 2, Form.TIMESPEC, null, 0, true, args);
            case SyscallNumbers.POLL -> millis(number, 2, args);
            case SyscallNumbers.EPOLL_WAIT, SyscallNumbers.EPOLL_PWAIT -> millis(number, 3, args);
            case SyscallNumbers.EPOLL_PWAIT2 -> pointer(number, 3, Form.TIMESPEC, null, 0, false, args);
            case SyscallNumbers.RT_SIGTIMEDWAIT -> pointer(number, 2, Form.TIMESPEC, null, EAGAIN, false, args);
            case SyscallNumbers.SEMTIMEDOP -> pointer(number, 3, Form.TIMESPEC, null, EAGAIN, false, args);
            case SyscallNumbers.MQ_TIMEDSEND, SyscallNumbers.MQ_TIMEDRECEIVE ->
                    pointer(number, 4, Form.TIMESPEC, ClockGroup.REALTIME, ETIMEDOUT, false, args);
            case SyscallNumbers.FUTEX_WAITV -> {
                ClockGroup group = ClockGroup.of(args.applyAsLong(4));
                yield group == null ? null : pointer(number, 3, Form.TIMESPEC, group, ETIMEDOUT, false, args);
            }
            case SyscallNumbers.FUTEX -> futex(args);
            default -> null;
        };
    }

    /**
     * futex(2): FUTEX_WAIT's timeout is a duration; the others' a deadline, on
     * CLOCK_REALTIME with FUTEX_CLOCK_REALTIME (always for FUTEX_LOCK_PI), else
     * CLOCK_MONOTONIC. Other commands use the fourth argument for something else.
     */
    private static TimedWait futex(IntToLongFunction args) {
        int op = (int) args.applyAsLong(1);
        int cmd = op & 0x7f;
        boolean realtime = (op & FUTEX_CLOCK_REALTIME) != 0;
        ClockGroup deadline;
        if (cmd == FUTEX_WAIT) deadline = null;
        else if (cmd == FUTEX_LOCK_PI) deadline = ClockGroup.REALTIME;
        else if (cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_WAIT_REQUEUE_PI || cmd == FUTEX_LOCK_PI2) {
            deadline = realtime ? ClockGroup.REALTIME : ClockGroup.MONOTONIC;
        } else {
            return null;
        }
        return pointer(SyscallNumbers.FUTEX, 3, Form.TIMESPEC, deadline, ETIMEDOUT, false, args);
    }

    private static TimedWait pointer(int number, int arg, Form form, ClockGroup deadlineOn, long timedOut,
                                     boolean updated, IntToLongFunction args) {
        if (args.applyAsLong(arg) == 0) return null; // NULL: no timeout
        return new TimedWait(number, arg, form, deadlineOn, timedOut, updated, false);
    }

    private static TimedWait sleep(TimedWait wait, boolean sleep) {
        return wait == null ? null : new TimedWait(wait.number, wait.arg, wait.form, wait.deadlineOn, wait.timedOut,
                wait.updated, sleep);
    }

    private static TimedWait millis(int number, int arg, IntToLongFunction args) {
        int ms = (int) args.applyAsLong(arg);
        if (ms <= 0) return null; // 0 polls, negative waits forever
        return new TimedWait(number, arg, Form.MILLIS, null, 0, false, false);
    }

    /** The timeout in milliseconds, for {@link Form#MILLIS}. */
    long millis(IntToLongFunction args) {
        return (int) args.applyAsLong(arg);
    }
}
