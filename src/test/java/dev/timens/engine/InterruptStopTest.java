package dev.timens.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.timens.linux.SyscallNumbers;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/** How a wait cut short by the adopt's interrupt goes on: the rule, on registers as the kernel leaves them. */
class InterruptStopTest {
    private static final long ERESTARTNOINTR = -513;
    private static final long ERESTART_RESTARTBLOCK = -516;
    private static final long FUTEX_WAIT = 0;
    private static final long FUTEX_WAIT_BITSET = 9;
    private static final long PRIVATE_REALTIME = 128 | 256;

    private static Registers cutShort(Arena arena, long number, long op, long timeout, long rax) {
        Registers r = new Registers(arena);
        r.origRax(number);
        r.arg(1, op);
        r.arg(3, timeout);
        r.rax(rax);
        return r;
    }

    @Test
    void anAbsoluteFutexWaitStartsOverToMeetTheFilter() {
        try (Arena arena = Arena.ofConfined()) {
            Registers r = cutShort(arena, SyscallNumbers.FUTEX, FUTEX_WAIT_BITSET | PRIVATE_REALTIME, 0x7000,
                    ERESTART_RESTARTBLOCK);
            assertThat(InterruptStop.restartAbsoluteFutexWait(r)).isTrue();
            assertThat(r.rax()).as("the kernel then runs the call again from its registers").isEqualTo(ERESTARTNOINTR);
            assertThat(r.origRax()).isEqualTo(SyscallNumbers.FUTEX);
        }
    }

    @Test
    void everyOtherWaitKeepsItsRestart() {
        try (Arena arena = Arena.ofConfined()) {
            Registers relative = cutShort(arena, SyscallNumbers.FUTEX, FUTEX_WAIT | 128, 0x7000, ERESTART_RESTARTBLOCK);
            assertThat(InterruptStop.restartAbsoluteFutexWait(relative)).as("relative: would wait anew").isFalse();
            assertThat(relative.rax()).isEqualTo(ERESTART_RESTARTBLOCK);
            Registers untimed = cutShort(arena, SyscallNumbers.FUTEX, FUTEX_WAIT_BITSET, 0, -512 /* ERESTARTSYS */);
            assertThat(InterruptStop.restartAbsoluteFutexWait(untimed)).as("no deadline").isFalse();
            Registers sleep = cutShort(arena, SyscallNumbers.CLOCK_NANOSLEEP, 0, 0x7000, ERESTART_RESTARTBLOCK);
            assertThat(InterruptStop.restartAbsoluteFutexWait(sleep)).as("a relative sleep").isFalse();
        }
    }
}
