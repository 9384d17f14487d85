package dev.timens.clock;

import dev.timens.linux.SyscallNumbers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which calls are timed waits for --warp, where their timeout is, and what their timeout result is. */
@Tag("pure")
class TimedWaitTest {
    private static TimedWait of(int nr, long... args) {
        return TimedWait.of(nr, i -> i < args.length ? args[i] : 0);
    }

    @Test
    void sleepsAreTimedWaitsOnTheirClock() {
        TimedWait relative = of(SyscallNumbers.CLOCK_NANOSLEEP, 1, 0, 0x7000);
        assertThat(relative.absolute()).isFalse();
        assertThat(relative.sleep()).isTrue();
        assertThat(of(SyscallNumbers.CLOCK_NANOSLEEP, 6 /* MONOTONIC_COARSE: EINVAL */, 0, 0x7000).sleep()).isFalse();
        assertThat(of(SyscallNumbers.CLOCK_NANOSLEEP, 8 /* REALTIME_ALARM: EPERM */, 0, 0x7000).sleep()).isFalse();
        assertThat(of(SyscallNumbers.POLL, 0x1000, 1, 250).sleep()).isFalse();
        TimedWait absolute = of(SyscallNumbers.CLOCK_NANOSLEEP, 0, 1, 0x7000);
        assertThat(absolute.deadlineOn()).isEqualTo(ClockGroup.REALTIME);
        assertThat(of(SyscallNumbers.CLOCK_NANOSLEEP, 7, 1, 0x7000).deadlineOn()).isEqualTo(ClockGroup.BOOTTIME);
        assertThat(of(SyscallNumbers.CLOCK_NANOSLEEP, 2 /* CPU time */, 0, 0x7000)).isNull();
        assertThat(of(SyscallNumbers.NANOSLEEP, 0x7000).arg()).isZero();
    }

    @Test
    void noTimeoutAndZeroTimeoutAreNotTimedWaits() {
        assertThat(of(SyscallNumbers.SELECT, 4, 0x1000, 0, 0, 0)).isNull();
        assertThat(of(SyscallNumbers.POLL, 0x1000, 1, -1)).isNull();
        assertThat(of(SyscallNumbers.POLL, 0x1000, 1, 0)).isNull();
        assertThat(of(SyscallNumbers.EPOLL_WAIT, 3, 0x1000, 8, 0xFFFF_FFFFL)).as("-1 in the int's bits").isNull();
        TimedWait poll = of(SyscallNumbers.POLL, 0x1000, 1, 250);
        assertThat(poll.form()).isEqualTo(TimedWait.Form.MILLIS);
        assertThat(poll.millis(i -> i == 2 ? 250 : 0)).isEqualTo(250);
    }

    @Test
    void futexCommandsDecideTheClockAndWhetherItWaits() {
        long timeout = 0x7000;
        assertThat(of(SyscallNumbers.FUTEX, 0x1000, 0 /* WAIT */, 1, timeout).absolute()).isFalse();
        assertThat(of(SyscallNumbers.FUTEX, 0x1000, 128 | 0, 1, timeout).absolute()).as("private").isFalse();
        assertThat(of(SyscallNumbers.FUTEX, 0x1000, 9 | 128, 1, timeout).deadlineOn()).isEqualTo(ClockGroup.MONOTONIC);
        assertThat(of(SyscallNumbers.FUTEX, 0x1000, 9 | 256, 1, timeout).deadlineOn()).isEqualTo(ClockGroup.REALTIME);
        assertThat(of(SyscallNumbers.FUTEX, 0x1000, 6, 0, timeout).deadlineOn()).isEqualTo(ClockGroup.REALTIME);
        assertThat(of(SyscallNumbers.FUTEX, 0x1000, 9, 1, 0)).as("no timeout").isNull();
        assertThat(of(SyscallNumbers.FUTEX, 0x1000, 5 /* WAKE_OP: arg 3 is val2 */, 1, timeout)).isNull();
        assertThat(of(SyscallNumbers.FUTEX, 0x1000, 9, 1, timeout).timedOut()).isEqualTo(-110);
    }

    @Test
    void timeoutResultsAreWhatTheKernelReturns() {
        assertThat(of(SyscallNumbers.RT_SIGTIMEDWAIT, 0x1000, 0, 0x2000, 8).timedOut()).isEqualTo(-11);
        assertThat(of(SyscallNumbers.SEMTIMEDOP, 1, 0x1000, 1, 0x2000).timedOut()).isEqualTo(-11);
        assertThat(of(SyscallNumbers.MQ_TIMEDRECEIVE, 3, 0x1000, 8, 0, 0x2000).deadlineOn())
                .isEqualTo(ClockGroup.REALTIME);
        TimedWait select = of(SyscallNumbers.SELECT, 4, 0x1000, 0, 0, 0x2000);
        assertThat(select.form()).isEqualTo(TimedWait.Form.TIMEVAL);
        assertThat(select.updated()).isTrue();
        assertThat(select.timedOut()).isZero();
        assertThat(of(SyscallNumbers.READ, 0, 0x1000, 10)).isNull();
    }
}
