package dev.timens.engine;

import java.util.List;

/**
 * What a {@link Tool} may ask of the supervisor besides answering stops. Use
 * {@link #restartSyscall} and {@link #interrupt} only from the tool's own
 * callbacks (they run on the tracer thread, the only one allowed to make
 * ptrace requests); {@link #wakeup} from any thread.
 */
public interface TraceControl {
    /**
     * Interrupts a traced thread (PTRACE_INTERRUPT) so that the blocking syscall
     * it is in starts over: it meets the seccomp filter again, and the tool sees
     * it anew with the same arguments. Syscalls the kernel would resume through
     * restart_syscall (futex and nanosleep with a saved restart block) are made
     * to re-execute instead. A thread that is gone is ignored.
     */
    default void restartSyscall(int tid) {
        interrupt(tid, InterruptStop::restartFromScratch);
    }

    /**
     * Interrupts a traced thread (PTRACE_INTERRUPT); {@code atStop} runs at the
     * stop that follows, where it sees which syscall, if any, the thread was cut
     * out of and may decide how it restarts. A thread that is gone is ignored
     * ({@code atStop} never runs). Two interrupts before the stop share it: both
     * handlers run, in order.
     */
    void interrupt(int tid, InterruptStop.Handler atStop);

    /**
     * Whether the engine traces every thread of the tree all the time (engine
     * v1). Under engine v2 ({@link OnDemandSupervisor}) nothing is traced
     * between visits: a filter a tool injects into a process must not return
     * {@code SECCOMP_RET_TRACE} (its calls would fail with ENOSYS), and a
     * subscribed call may sit in the listener's wait, handed to the tracer
     * thread, before the tool sees it.
     */
    default boolean tracesEveryThread() {
        return true;
    }

    /**
     * Every live thread of the traced tree, as the engine knows it now (engine
     * v1 counts them from its stops; engine v2 reads /proc, where a thread
     * created a moment ago may be missing). Safe from any thread.
     */
    List<Integer> threads();

    /**
     * Asks for {@link Tool#onWakeup()} to run on the tracer thread soon. Safe from
     * any thread, and cheap; wake-ups asked for before the tracer gets to them may
     * be merged into one. Only for tools whose {@link Tool#wantsWakeups()} is true.
     */
    void wakeup();
}
