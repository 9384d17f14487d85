package dev.timens.engine;

/**
 * What a {@link Tool} may ask of the supervisor besides answering stops. Use it
 * only from the tool's own callbacks (they run on the tracer thread, the only
 * one allowed to make ptrace requests).
 */
public interface TraceControl {
    /**
     * Interrupts a traced thread (PTRACE_INTERRUPT) so that the blocking syscall
     * it is in starts over: it meets the seccomp filter again, and the tool sees
     * it anew with the same arguments. Syscalls the kernel would resume through
     * restart_syscall (futex and nanosleep with a saved restart block) are made
     * to re-execute instead. A thread that is gone is ignored.
     */
    void restartSyscall(int tid);
}
