package dev.timens.clock;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How a namespace's clocks start, as the user asked for them.
 *
 * @param realtimeStart   CLOCK_REALTIME reads this when the namespace starts, then ticks
 * @param realtimeOffset  otherwise, CLOCK_REALTIME is the host's shifted by this
 * @param monotonicOffset added to CLOCK_MONOTONIC (like {@code unshare --time --monotonic})
 * @param boottimeOffset  added to CLOCK_BOOTTIME (like {@code unshare --time --boottime})
 */
public record ClockSettings(Optional<Instant> realtimeStart, Duration realtimeOffset, Duration monotonicOffset,
                            Duration boottimeOffset) {
    public static final ClockSettings HOST = new ClockSettings(Optional.empty(), Duration.ZERO, Duration.ZERO,
            Duration.ZERO);

    public ClockSettings {
        if (realtimeStart.isPresent() && !realtimeOffset.isZero()) {
            throw new IllegalArgumentException("a start date and a realtime offset exclude each other");
        }
    }
}
