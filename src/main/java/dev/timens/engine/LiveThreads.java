package dev.timens.engine;

import java.util.HashSet;
import java.util.Set;

/**
 * The traced threads still alive, counted from wait statuses alone.
 *
 * <p>A new thread's own stops and its parent's fork, vfork or clone event come
 * in either order: {@code waitpid(-1)} looks at the newest tracee first
 * (ptrace_link puts it at the head of the tracer's list), so a child that reaches
 * its first stop before the tracer looks is reported before its parent, and a
 * short-lived one may even have ended by then. A thread is counted from
 * whichever comes first, and the later report neither counts it twice nor brings
 * back one that is gone.
 */
final class LiveThreads {
    private final Set<Integer> live = new HashSet<>();
    /** Threads that reported a stop or their end before their parent's event. */
    private final Set<Integer> seenEarly = new HashSet<>();

    /** A thread traced from the start (the command): no parent's event will announce it. */
    void traced(int tid) {
        live.add(tid);
    }

    /** A stop of {@code tid}'s own. */
    void stopped(int tid) {
        if (live.add(tid)) seenEarly.add(tid);
    }

    /** {@code tid} exited or was killed. */
    void ended(int tid) {
        if (!live.remove(tid)) seenEarly.add(tid);
    }

    /** Its parent's fork, vfork or clone event announced {@code child}. */
    void created(int child) {
        if (!seenEarly.remove(child)) live.add(child);
    }

    /** {@code former} exec'd from a non-leader thread and took the leader's id: no end is reported for it. */
    void replaced(int former) {
        live.remove(former);
    }

    boolean none() {
        return live.isEmpty();
    }

    @Override
    public String toString() {
        return "live " + live + ", seen before their parent's event " + seenEarly;
    }
}
