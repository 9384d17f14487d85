package dev.timens.clock;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Moving a timer's expiry earlier by a jump: where it expires next, and how many expiries the jump passed. */
@Tag("pure")
class TimerShiftTest {
    private static final long MS = 1_000_000;
    private static final long S = 1_000_000_000;

    @Test
    void aShiftShortOfTheExpiryPassesNone() {
        assertThat(Timers.Shifted.of(50 * MS, 50 * MS, 20 * MS)).isEqualTo(new Timers.Shifted(30 * MS, 0));
        assertThat(Timers.Shifted.of(S, 0, S - 1)).isEqualTo(new Timers.Shifted(1, 0));
    }

    @Test
    void aPeriodicTimerCountsEveryExpiryPassedAndKeepsItsSchedule() {
        // Every 50 ms, 50 ms to go, 160 ms jumped: expiries at 50, 100 and 150; the next at 200.
        assertThat(Timers.Shifted.of(50 * MS, 50 * MS, 160 * MS)).isEqualTo(new Timers.Shifted(40 * MS, 3));
        // Every second, 10.5 s: ten expiries, the next half a second on.
        assertThat(Timers.Shifted.of(S, S, 10 * S + S / 2)).isEqualTo(new Timers.Shifted(S / 2, 10));
        // Exactly onto an expiry: it is passed, and the next is a whole period away.
        assertThat(Timers.Shifted.of(S, S, 3600 * S)).isEqualTo(new Timers.Shifted(S, 3600));
    }

    @Test
    void aOneShotTimerPassedExpiresOnceAndIsDone() {
        assertThat(Timers.Shifted.of(S, 0, S)).isEqualTo(new Timers.Shifted(0, 1));
        assertThat(Timers.Shifted.of(S, 0, 3600 * S)).isEqualTo(new Timers.Shifted(0, 1));
    }

    @Test
    void hugeShiftsAndIntervalsDoNotOverflow() {
        assertThat(Timers.Shifted.of(1, 1, Long.MAX_VALUE)).isEqualTo(new Timers.Shifted(1, Long.MAX_VALUE));
        assertThat(Timers.Shifted.of(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE))
                .isEqualTo(new Timers.Shifted(Long.MAX_VALUE, 1));
    }
}
