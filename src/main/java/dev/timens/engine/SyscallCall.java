package dev.timens.engine;

/**
 * A call of a syscall a tool subscribed to, as the tool sees it wherever it
 * comes from: a thread stopped at a seccomp stop ({@link SyscallStop}), or a
 * call waiting in the kernel for the seccomp listener's answer
 * ({@link Notification}). What a handler needs only this for can serve both.
 */
public sealed interface SyscallCall permits SyscallStop, Notification {
    /** The calling thread. */
    int tid();

    /** The x86_64 syscall number. */
    int number();

    /** Argument {@code index} (0..5) as the program passed it. */
    long arg(int index);

    /** Argument {@code index} as an address in the caller. */
    RemotePtr pointerArg(int index);

    /** The address right after the {@code syscall} instruction that made the call. */
    long instructionPointer();

    /** The caller's memory. */
    TraceeMemory memory();
}
