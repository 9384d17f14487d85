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
 * @param realtimeAnchor  the host's CLOCK_REALTIME instant at which CLOCK_REALTIME reads
 *                        {@code realtimeStart} (or that instant shifted by
 *                        {@code realtimeOffset}), and from which it runs at {@code rate};
 *                        empty: the namespace's start. The same settings with an anchor
 *                        give the same CLOCK_REALTIME on every machine whose clock is right
 * @param realtimeOnly    the rate (frozen included) applies to CLOCK_REALTIME alone: MONOTONIC and
 *                        BOOTTIME tick with the host's, and relative waits take their real time
 *                        (libfaketime's FAKETIME_DONT_FAKE_MONOTONIC)
 */
public record ClockSettings(Optional<Instant> realtimeStart, Duration realtimeOffset, Duration monotonicOffset,
                            Duration boottimeOffset, BigDecimal rate, boolean warp, Optional<Instant> realtimeAnchor,
                            boolean realtimeOnly) {
    /** Rates run up to 2^31 (the fixed-point multiplier must stay below 2^63). */
    public static final BigDecimal MAX_RATE = BigDecimal.valueOf(1L << 31);
    /**
     * The slowest running rate. The rate is kept as a 32.32 fixed-point multiplier,
     * exact to 2^-33; below 10^-6 that is off by more than 0.012 %, and below 2^-33
     * it is 0, a frozen clock the user did not ask for. So rates under this are
     * refused rather than silently changed.
     */
    public static final BigDecimal MIN_RATE = new BigDecimal("0.000001");
    public static final ClockSettings HOST = new ClockSettings(Optional.empty(), Duration.ZERO, Duration.ZERO,
            Duration.ZERO, BigDecimal.ONE, false, Optional.empty(), false);

    /**
     * @param rate virtual seconds per real second for every clock of the
     *             namespace: 1 normally, 0 for frozen clocks
     */
    public ClockSettings {
        if (realtimeStart.isPresent() && !realtimeOffset.isZero()) {
            throw new IllegalArgumentException("a start date and a realtime offset exclude each other");
        }
        String outOfRange = outOfRange(rate);
        if (outOfRange != null) throw new IllegalArgumentException(outOfRange);
        if (realtimeOnly && warp) {
            throw new IllegalArgumentException("--realtime-only and --warp exclude each other: a warp jumps every clock");
        }
        if (realtimeAnchor.isPresent()) {
            if (realtimeStart.isEmpty() && (realtimeOffset.isZero() || rate.compareTo(BigDecimal.ONE) == 0)) {
                throw new IllegalArgumentException("--anchor needs --at, or --offset with --rate: there is nothing"
                        + " else its instant changes");
            }
            if (rate.signum() == 0) {
                throw new IllegalArgumentException("--anchor with frozen clocks changes nothing: they read their date"
                        + " at any host time");
            }
        }
    }

    public ClockSettings(Optional<Instant> realtimeStart, Duration realtimeOffset, Duration monotonicOffset,
                         Duration boottimeOffset, BigDecimal rate, boolean warp) {
        this(realtimeStart, realtimeOffset, monotonicOffset, boottimeOffset, rate, warp, Optional.empty(), false);
    }

    public ClockSettings(Optional<Instant> realtimeStart, Duration realtimeOffset, Duration monotonicOffset,
                         Duration boottimeOffset) {
        this(realtimeStart, realtimeOffset, monotonicOffset, boottimeOffset, BigDecimal.ONE, false);
    }

    public ClockSettings(Optional<Instant> realtimeStart, Duration realtimeOffset, Duration monotonicOffset,
                         Duration boottimeOffset, BigDecimal rate) {
        this(realtimeStart, realtimeOffset, monotonicOffset, boottimeOffset, rate, false);
    }

    /** Why {@code rate} cannot be a namespace's rate, or null when it can (0, frozen, included). */
    static String outOfRange(BigDecimal rate) {
        if (rate.signum() < 0 || rate.compareTo(MAX_RATE) >= 0 || (rate.signum() > 0 && rate.compareTo(MIN_RATE) < 0)) {
            return "rate " + compact(rate) + " is out of range: " + RATE_RANGE;
        }
        return null;
    }

    /** What rates may be, for messages. */
    public static final String RATE_RANGE = "it must be 0 (frozen) or from " + MIN_RATE.toPlainString()
            + " up to, not including, " + MAX_RATE.toPlainString() + " (2^31)";

    /** A rate as a user would write it, short whatever its size: 1E+300, 1E-10, 0.5, 10. */
    public static String compact(BigDecimal rate) {
        BigDecimal r = rate.stripTrailingZeros();
        return r.scale() < 0 && r.precision() - r.scale() <= 12 ? r.toPlainString() : r.toString();
    }

    /** The rate as the 32.32 fixed-point multiplier of {@link ClockTransform}. */
    long rateMultiplier() {
        return rate.multiply(BigDecimal.valueOf(ClockTransform.UNIT_RATE)).setScale(0, java.math.RoundingMode.HALF_EVEN)
                .longValueExact();
    }
}
