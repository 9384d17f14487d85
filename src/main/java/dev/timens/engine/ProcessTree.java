package dev.timens.engine;

import dev.timens.linux.Unistd;

import java.util.List;

/**
 * The processes of a running command's tree as the supervisor knows them (every
 * traced process, counted from wait statuses), for signalling them from another
 * thread than the tracer's. Safe to use from any thread.
 *
 * <p>A pid is only signalled while the supervisor counts it as alive, so a
 * signal never reaches a process that merely got the number of one that ended
 * (pid reuse), except within the instant between the kernel's report of an end
 * and the supervisor's reading it.
 */
public final class ProcessTree {
    private static final int SIGCONT = 18;

    private final int command;
    private final LiveThreads live;
    /** Engine v2, which follows no fork: the processes as /proc shows them now. */
    private final java.util.function.Supplier<List<Integer>> descendants;
    /** Engine v2: every thread of those processes, as /proc shows them now. */
    private final java.util.function.Supplier<List<Integer>> threads;
    private boolean commandEnded;

    ProcessTree(int command, LiveThreads live) {
        this.command = command;
        this.live = live;
        this.descendants = null;
        this.threads = null;
    }

    /** A tree known from /proc (engine v2): {@code descendants} lists its processes, {@code threads} their threads. */
    ProcessTree(int command, java.util.function.Supplier<List<Integer>> descendants,
                java.util.function.Supplier<List<Integer>> threads) {
        this.command = command;
        this.live = null;
        this.descendants = descendants;
        this.threads = threads;
    }

    /** The command's pid: the first process of the tree. */
    public int command() {
        return command;
    }

    /** Whether the command itself is still running (its end not yet reported). */
    public synchronized boolean commandRunning() {
        return !commandEnded;
    }

    synchronized void commandEnded() {
        commandEnded = true;
    }

    /** Whether {@code pid} (a sender's si_pid, say) is a process of the tree. */
    public boolean contains(int pid) {
        return pid > 0 && (live != null ? live.contains(pid) : descendants.get().contains(pid));
    }

    /** The processes of the tree still alive, the command's included while it runs. */
    public List<Integer> processes() {
        return live != null ? live.processes() : descendants.get();
    }

    /** Every thread of the tree still alive, each process's threads included. */
    public List<Integer> threads() {
        return live != null ? live.threads() : threads.get();
    }

    /** Sends {@code signal} to the command; false, and nothing sent, once it has ended. */
    public synchronized boolean signalCommand(int signal) {
        if (commandEnded) return false;
        Unistd.kill(command, signal);
        return true;
    }

    /**
     * Sends {@code signal}, then SIGCONT, to every process of the tree still
     * alive; returns how many it was sent to. A process that ends meanwhile is
     * skipped (ESRCH).
     *
     * <p>SIGCONT as timeout(1) sends it: a stopped process acts on the signal
     * only once it runs. Natively the kernel kills a stopped process at once
     * with a signal whose default action is to end it, but not a traced one
     * (kernel/signal.c, complete_signal: the fatal shortcut skips ptraced
     * tasks), and every process of the tree is traced.
     */
    public int signalAll(int signal) {
        List<Integer> processes = processes();
        int sent = 0;
        for (int pid : processes) {
            if (Unistd.kill(pid, signal) == 0) sent++;
        }
        for (int pid : processes) Unistd.kill(pid, SIGCONT);
        return sent;
    }

}
