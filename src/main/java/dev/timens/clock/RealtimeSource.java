package dev.timens.clock;

import java.util.OptionalLong;

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
     * On the supervisor's thread, after {@code changed}: the time, in nanoseconds since
     * the epoch, that CLOCK_REALTIME must read now that the host's reads
     * {@code hostRealtime}, or empty when nothing is to change.
     */
    OptionalLong due(long hostRealtime);

    /** The namespace refused the time {@link #due} asked for (before its boot, or past 2232). */
    void refused(long realtime);
}
