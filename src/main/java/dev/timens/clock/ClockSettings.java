package dev.timens.clock;

import java.math.BigDecimal;
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
 * @param warp            waits end at once when nothing else can happen, and the clocks jump to their end
 */
public record ClockSettings(Optional<Instant> realtimeStart, Duration realtimeOffset, Duration monotonicOffset,
                            Duration boottimeOffset, BigDecimal rate, boolean warp) {
    /** Rates run up to 2^31 (the fixed-point multiplier must stay below 2^63). */
    static final BigDecimal MAX_RATE = BigDecimal.valueOf(1L << 31);
    public static final ClockSettings HOST = new ClockSettings(Optional.empty(), Duration.ZERO, Duration.ZERO,
            Duration.ZERO, BigDecimal.ONE, false);

    /**
     * @param rate virtual seconds per real second for every clock of the
     *             namespace: 1 normally, 0 for frozen clocks
     */
    public ClockSettings {
        if (realtimeStart.isPresent() && !realtimeOffset.isZero()) {
            throw new IllegalArgumentException("a start date and a realtime offset exclude each other");
        }
        if (rate.signum() < 0 || rate.compareTo(MAX_RATE) >= 0) {
            throw new IllegalArgumentException("rate " + rate.toPlainString() + " is out of range: it must be at least 0 "
                    + "and below " + MAX_RATE.toPlainString());
        }
    }

    public ClockSettings(Optional<Instant> realtimeStart, Duration realtimeOffset, Duration monotonicOffset,
                         Duration boottimeOffset) {
        this(realtimeStart, realtimeOffset, monotonicOffset, boottimeOffset, BigDecimal.ONE, false);
    }

    public ClockSettings(Optional<Instant> realtimeStart, Duration realtimeOffset, Duration monotonicOffset,
                         Duration boottimeOffset, BigDecimal rate) {
        this(realtimeStart, realtimeOffset, monotonicOffset, boottimeOffset, rate, false);
    }

    /** The rate as the 32.32 fixed-point multiplier of {@link ClockTransform}. */
    long rateMultiplier() {
        return rate.multiply(BigDecimal.valueOf(ClockTransform.UNIT_RATE)).setScale(0, java.math.RoundingMode.HALF_EVEN)
                .longValueExact();
    }
}
