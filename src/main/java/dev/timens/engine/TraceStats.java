package dev.timens.engine;

/**
 * What the supervisor had to stop a traced tree for: the cost of tracing it,
 * counted so that a user (and a test) can see that ordinary work, clock reads
 * through the vDSO included, never stops. Written by the tracer thread (the
 * stops) and the notification thread (the calls answered without one); read
 * it after {@link Supervisor#run} has returned.
 */
public final class TraceStats {
    long syscalls;
    long execs;
    long newTasks;
    long signals;
    long other;
    /** Written by the notification thread. */
    final java.util.concurrent.atomic.AtomicLong notified = new java.util.concurrent.atomic.AtomicLong();

    /** Subscribed syscalls the tool was asked about (one stop each). */
    public long syscalls() {
        return syscalls;
    }

    /** Programs exec'd. */
    public long execs() {
        return execs;
    }

    /** Processes and threads created (fork, vfork, clone). */
    public long newTasks() {
        return newTasks;
    }

    /** Signals delivered to traced threads (each passes through the supervisor). */
    public long signals() {
        return signals;
    }

    /** Calls answered from the seccomp listener, with no stop at all (see {@link Notification}). */
    public long notified() {
        return notified.get();
    }

    @Override
    public String toString() {
        return "stops: syscalls=" + syscalls + " execs=" + execs + " new-tasks=" + newTasks + " signals=" + signals
                + " other=" + other + "; answered without a stop: " + notified.get();
    }
}
