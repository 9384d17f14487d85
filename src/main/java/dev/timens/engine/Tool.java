package dev.timens.engine;

/**
 * What a user of the interception engine implements (the time namespace is
 * one). Every method but {@link #syscalls()} has a default that does nothing,
 * so a tool overrides only what it needs. All methods run on the tracer
 * thread, one at a time, while the thread concerned is stopped.
 */
public interface Tool {
    /** The syscalls this tool wants to see; the seccomp filter is built from it. */
    SyscallSet syscalls();

    /** The traced tree is about to start; {@code control} stays valid until the supervisor returns. */
    default void onStart(TraceControl control) {}

    /** A subscribed syscall is being made. */
    default SyscallOutcome onSyscall(SyscallStop stop) {
        return SyscallOutcome.proceed();
    }

    /**
     * A thread has just exec'd a new program (before its first instruction).
     * The tool may inject syscalls into it and edit its auxiliary vector.
     */
    default void onExec(ExecStop stop) {}

    /**
     * A call of a syscall this tool notifies ({@link SyscallSet.Builder#notify})
     * arrived. Runs on the engine's notification thread, not the tracer's, and
     * possibly while the tracer thread handles a stop: touch only state that is
     * safe to share. Unanswered calls fail with ENOSYS.
     */
    default void onNotification(Notification call) {}

    /** {@code child} was created by {@code parent} (fork, vfork or clone; {@code thread} for CLONE_THREAD). */
    default void onTaskCreated(int parent, int child, boolean thread) {}

    /** {@code tid} has exited or was killed. */
    default void onTaskExited(int tid) {}

    /**
     * Whether this tool needs {@link TraceControl#wakeup()}: work to do on the
     * tracer thread when no traced thread stops (a deadline passing, say). It
     * costs one parked helper process for the whole run.
     */
    default boolean wantsWakeups() {
        return false;
    }

    /** Some thread called {@link TraceControl#wakeup()}. */
    default void onWakeup() {}
}
