package dev.timens.clock;

import static dev.timens.linux.SyscallNumbers.*;

import dev.timens.engine.SyscallSet;

/**
 * The time calls of the two other syscall tables a 64-bit x86 process can
 * reach: i386 ({@code int $0x80}, with IA32 emulation) and x32
 * ({@code __X32_SYSCALL_BIT}). The supervisor translates only x86_64 calls,
 * so each of these is refused with ENOSYS by the filter: otherwise it would
 * read the host clock, set nothing it should, or wait for a deadline on the
 * host's clock (an absolute {@code clock_nanosleep_time64} at a namespace
 * ten years behind returns at once; ten years ahead, never).
 *
 * <p>The rule: every call that takes, returns or waits for a time of a clock
 * the namespace moves or scales. Reads and sets; sleeps; every timed wait,
 * relative timeouts included (they are scaled under {@code --rate} and cut
 * short under {@code --warp} natively); timers and their reads, and their
 * creation (a timer the supervisor never saw created could not be translated
 * when armed); {@code sysinfo} (uptime); the SysV IPC multiplexer of i386
 * (its {@code semtimedop}); {@code io_uring_setup}, refused natively too.
 *
 * <p>Let through, as their x86_64 twins are: {@code clock_getres} and
 * {@code sched_rr_get_interval} (a resolution and a time slice, durations no
 * offset or rate changes), {@code times} (clock ticks of CPU time and of an
 * arbitrary origin, not virtualized by kernel time namespaces either), and
 * the file-time calls ({@code utime}, {@code utimes}, {@code utimensat}...):
 * file timestamps are host time in timens.
 */
final class CompatTimeCalls {
    private CompatTimeCalls() {}

    /** Adds the refusals to {@code b}. */
    static SyscallSet.Builder refuse(SyscallSet.Builder b) {
        b.refuseI386(
                // clock reads and sets
                I386_TIME, I386_STIME, I386_GETTIMEOFDAY, I386_SETTIMEOFDAY, I386_ADJTIMEX,
                I386_CLOCK_GETTIME, I386_CLOCK_SETTIME, I386_CLOCK_ADJTIME,
                I386_CLOCK_GETTIME64, I386_CLOCK_SETTIME64, I386_CLOCK_ADJTIME64, I386_SYSINFO,
                // sleeps and timed waits
                I386_NANOSLEEP, I386_CLOCK_NANOSLEEP, I386_CLOCK_NANOSLEEP_TIME64,
                I386_SELECT, I386_NEWSELECT, I386_PSELECT6, I386_PSELECT6_TIME64,
                I386_POLL, I386_PPOLL, I386_PPOLL_TIME64,
                I386_EPOLL_WAIT, I386_EPOLL_PWAIT, I386_EPOLL_PWAIT2,
                I386_FUTEX, I386_FUTEX_TIME64, I386_FUTEX_WAITV,
                I386_RT_SIGTIMEDWAIT, I386_RT_SIGTIMEDWAIT_TIME64,
                I386_IO_GETEVENTS, I386_IO_PGETEVENTS, I386_IO_PGETEVENTS_TIME64,
                I386_MQ_TIMEDSEND, I386_MQ_TIMEDRECEIVE, I386_MQ_TIMEDSEND_TIME64, I386_MQ_TIMEDRECEIVE_TIME64,
                I386_IPC, I386_SEMTIMEDOP_TIME64, I386_RECVMMSG, I386_RECVMMSG_TIME64,
                I386_IO_URING_SETUP,
                // timers
                I386_ALARM, I386_SETITIMER, I386_GETITIMER,
                I386_TIMER_CREATE, I386_TIMER_SETTIME, I386_TIMER_GETTIME,
                I386_TIMER_SETTIME64, I386_TIMER_GETTIME64,
                I386_TIMERFD_CREATE, I386_TIMERFD_SETTIME, I386_TIMERFD_GETTIME,
                I386_TIMERFD_SETTIME64, I386_TIMERFD_GETTIME64);
        // x32 shares the x86_64 numbers, except where its structures differ (X32_*).
        b.refuseX32(
                CLOCK_GETTIME, GETTIMEOFDAY, TIME, SETTIMEOFDAY, CLOCK_SETTIME, ADJTIMEX, CLOCK_ADJTIME, SYSINFO,
                NANOSLEEP, CLOCK_NANOSLEEP, SELECT, PSELECT6, POLL, PPOLL,
                EPOLL_WAIT, EPOLL_PWAIT, EPOLL_PWAIT2, FUTEX, FUTEX_WAITV, X32_RT_SIGTIMEDWAIT,
                IO_GETEVENTS, IO_PGETEVENTS, MQ_TIMEDSEND, MQ_TIMEDRECEIVE, SEMTIMEDOP, X32_RECVMMSG,
                IO_URING_SETUP,
                ALARM, SETITIMER, GETITIMER, X32_TIMER_CREATE, TIMER_SETTIME, TIMER_GETTIME,
                TIMERFD_CREATE, TIMERFD_SETTIME, TIMERFD_GETTIME);
        return b;
    }
}
