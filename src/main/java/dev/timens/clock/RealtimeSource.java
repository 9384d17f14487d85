package dev.timens.clock;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * Something outside the namespace that sets its CLOCK_REALTIME while the command runs
 * (libfaketime's FAKETIME_TIMESTAMP_FILE, re-read): the namespace's clock then moves as
 * for a settimeofday inside.
 */
public interface RealtimeSource {
    /**
     * Starts watching, once, when the namespace starts. {@code changed} may be called
     * from any thread, as often as needed; every call is followed by {@link #due}.
     */
    void start(Runnable changed);

    /**
     * On the supervisor's thread, after {@code changed}: what CLOCK_REALTIME must read
     * now that the host's reads {@code hostRealtime}, or empty when nothing is to change.
     */
    Optional<Due> due(long hostRealtime);

    /**
     * @param realtime nanoseconds since the epoch
     * @param rate     the rate CLOCK_REALTIME runs at from now on (0: frozen), or null
     *                 for the rate it runs at
     */
    record Due(long realtime, BigDecimal rate) {}

    /** The namespace refused what {@link #due} asked for; {@code why} says why, in one sentence. */
    void refused(String why);
}
