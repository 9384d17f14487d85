package dev.timens.engine;

/**
 * A running process taken in by {@link OnDemandSupervisor#adopt}, as its
 * caller sees it once it is served.
 */
public interface Adopted {
    /** The process and what it starts, for signalling them. */
    ProcessTree processes();

    /**
     * Asks the supervisor to let the processes go back to the host's clocks
     * ({@link Tool#onRelease} in each process that was taken in, or forked
     * from one without exec'ing since), leave their filter to a helper that
     * lets every call through ({@code timens-exec continue}), and return.
     * Any thread may ask; the processes run on.
     */
    void release();

    /** What takes other running processes into the same namespace ({@code timensctl attach --name}, {@code --tree}). */
    Joining joining();
}
