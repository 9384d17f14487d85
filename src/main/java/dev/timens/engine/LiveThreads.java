package dev.timens.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The traced threads still alive and the thread group of each, counted from
 * wait statuses alone.
 *
 * <p>A new thread's own stops and its parent's fork, vfork or clone event come
 * in either order: {@code waitpid(-1)} looks at the newest tracee first
 * (ptrace_link puts it at the head of the tracer's list), so a child that reaches
 * its first stop before the tracer looks is reported before its parent, and a
 * short-lived one may even have ended by then. A thread is counted from
 * whichever comes first, and the later report neither counts it twice nor brings
 * back one that is gone.
 *
 * <p>Some threads end without a report of their own: one that execs from a
 * non-leader thread takes the leader's id, and if it is killed before the exec
 * event is collected, nothing ever says so. The kernel reports a thread group
 * leader's end only once every other thread of the group is gone (ptrace(2),
 * BUGS; delay_group_leader), so the leader's end takes such threads with it.
 *
 * <p>The tracer thread feeds it; {@link ProcessTree} reads it from whichever
 * thread forwards a signal, hence the lock (never contended in practice).
 */
final class LiveThreads {
    private final Set<Integer> live = new HashSet<>();
    /** Threads that reported a stop or their end before their parent's event. */
    private final Set<Integer> seenEarly = new HashSet<>();
    /** The leader of every thread known not to lead its thread group. */
    private final Map<Integer, Integer> leaders = new HashMap<>();

    /** A thread traced from the start (the command): no parent's event will announce it. */
    synchronized void traced(int tid) {
        live.add(tid);
    }

    /** A stop of {@code tid}'s own. */
    synchronized void stopped(int tid) {
        if (live.add(tid)) seenEarly.add(tid);
    }

    /**
     * {@code tid} exited or was killed. Returns the threads that went with it
     * unreported (see the class comment): the caller forgets them too.
     */
    synchronized List<Integer> ended(int tid) {
        if (!live.remove(tid)) seenEarly.add(tid);
        if (leaders.remove(tid) != null) return List.of();
        List<Integer> gone = new ArrayList<>();
        for (Map.Entry<Integer, Integer> e : leaders.entrySet()) if (e.getValue() == tid) gone.add(e.getKey());
        for (int other : gone) vanished(other);
        return gone;
    }

    /**
     * The fork, vfork or clone event of {@code parent} announced {@code child}, a
     * thread of the parent's group if {@code thread}. Returns whether the child is
     * still alive: false when its end was reported first.
     */
    synchronized boolean created(int parent, int child, boolean thread) {
        boolean alive;
        if (seenEarly.remove(child)) {
            alive = live.contains(child);
        } else {
            live.add(child);
            alive = true;
        }
        if (alive && thread) leaders.put(child, leaderOf(parent));
        return alive;
    }

    /**
     * {@code tid} exec'd a new program: it leads its thread group now. When a
     * non-leader thread exec'd, {@code former} is the id it had, gone without an
     * end of its own.
     */
    synchronized void execed(int tid, int former) {
        if (former != tid) vanished(former);
        leaders.remove(tid);
    }

    /** The leader of {@code tid}'s thread group ({@code tid} itself for a leader, or when unknown). */
    synchronized int leaderOf(int tid) {
        return leaders.getOrDefault(tid, tid);
    }

    synchronized boolean none() {
        return live.isEmpty();
    }

    /**
     * Whether {@code pid} is a live traced thread: for the pid of a signal's
     * sender (a thread group id), whether the sender is in the tree.
     */
    synchronized boolean contains(int pid) {
        return live.contains(pid);
    }

    /**
     * The live thread-group leaders, one per process (a thread whose event has
     * not told yet whether it is a thread or a process counts as a process).
     */
    synchronized List<Integer> processes() {
        List<Integer> processes = new ArrayList<>();
        for (int tid : live) if (!leaders.containsKey(tid)) processes.add(tid);
        return processes;
    }

    /** Every live thread, each process's threads included. */
    synchronized List<Integer> threads() {
        return new ArrayList<>(live);
    }

    private void vanished(int tid) {
        live.remove(tid);
        seenEarly.remove(tid);
        leaders.remove(tid);
    }

    @Override
    public synchronized String toString() {
        return "live " + live + ", seen before their parent's event " + seenEarly + ", leaders " + leaders;
    }
}
