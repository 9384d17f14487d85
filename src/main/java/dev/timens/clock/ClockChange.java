package dev.timens.clock;

/**
 * A change of a running namespace's clocks asked for from outside it
 * ({@code timensctl set}), applied on the tracer thread by
 * {@link TimeNamespace#change}.
 */
public sealed interface ClockChange {
    /** CLOCK_REALTIME reads {@code nanos} since the epoch now, as after a settimeofday inside. */
    record SetRealtime(long nanos) implements ClockChange {}

    /**
     * CLOCK_REALTIME is the host's (a nested namespace: its parent's) shifted by
     * {@code nanos} from now on (a clock step, as {@link SetRealtime}).
     */
    record OffsetRealtime(long nanos) implements ClockChange {}

    /** {@code group} (MONOTONIC or BOOTTIME) jumps forward by {@code nanos} (&gt; 0). */
    record Forward(ClockGroup group, long nanos) implements ClockChange {}

    /** Every clock stands still where it is now. */
    record Freeze() implements ClockChange {}

    /** Every clock ticks again at the host's rate, from where it stands. */
    record Unfreeze() implements ClockChange {}

    /** Every clock advances {@code rate} virtual seconds per real second from now on. */
    record Rate(java.math.BigDecimal rate) implements ClockChange {}

    /** A namespace nested in this one ({@link TimeNamespace#nest}) follows its clocks from now on. */
    record Adopt(TimeNamespace child) implements ClockChange {}

    /** A namespace nested in this one, whose processes have all ended, is followed no more and closed. */
    record Retire(TimeNamespace child) implements ClockChange {}
}
