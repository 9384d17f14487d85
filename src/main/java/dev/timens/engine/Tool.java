package dev.timens.engine;

/**
 * What a user of the interception engine implements (the time namespace is
 * one). Every method but {@link #syscalls()} has a default that does nothing,
 * so a tool overrides only what it needs. All methods run on the tracer
 * thread, one at a time, while the thread concerned is stopped.
 */
public interface Tool {
    /**
     * The syscalls this tool wants to see; the seccomp filter is built from it
     * and from the engine's own set. The engine's rules come first, and a
     * subscription to the same syscalls cannot switch them off: {@code clone3}
     * fails with ENOSYS (libc falls back to {@code clone}) and is never seen by
     * the tool; {@code clone} loses {@code CLONE_UNTRACED}, before the tool sees
     * the call and again after; a {@code ptrace} request that would make a
     * tracer is explained when the kernel refuses it.
     */
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

    /**
     * Thread {@code tid} is about to exec, its old program still in place: under
     * engine v2, at the exec's notification, on the notification thread (engine
     * v2 reports no forks, so this is the last look at what the process was).
     * Engine v1, which reports every fork, does not call it.
     */
    default void beforeExec(int tid) {}

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

    /** Bytes at a {@link #scratchArea} address. */
    int SCRATCH_AREA_SIZE = 128;

    /**
     * Room for {@link SyscallStop#pushScratch} copies when the stack of thread
     * {@code tid} (of process {@code tgid}) has none below its red zone: its
     * stack pointer is just above a guard page, or the end of its mapping. The
     * kernel needs no stack for a syscall, so a program may well make one
     * there. Returns the address of {@link #SCRATCH_AREA_SIZE} bytes mapped in
     * the process that no other thread is given while this one lives (the
     * program need not be able to write them: the engine writes them as a
     * debugger does, and the kernel only reads them), or 0 when there are none.
     */
    default long scratchArea(int tid, int tgid) {
        return 0;
    }

    /**
     * A process that was running already has just been taken in
     * ({@link OnDemandSupervisor#adopt}): its filter is installed and served,
     * and every thread is held; the tool may prepare the program as it would
     * have at its exec (see {@link AdoptStop}). A failure is reported on the
     * diagnostics; the process is served all the same (its filter cannot be
     * taken back).
     */
    default void onAdopt(AdoptStop stop) {}

    /**
     * A process taken in is let go ({@link Adopted#release}): every thread is
     * held again, and the tool undoes what {@link #onAdopt} did to the program
     * (what a process forked from it inherited too), so that it runs on the
     * host's clocks again. Its filter stays, and lets every call through.
     */
    default void onRelease(AdoptStop stop) {}

    /**
     * As {@link #onRelease}, for a process that leaves a namespace which runs
     * on ({@link Joining#leave}): nothing of the namespace may stay in it that
     * the namespace's end would touch. By default, {@link #onRelease}.
     */
    default void onLeave(AdoptStop stop) {
        onRelease(stop);
    }
}
