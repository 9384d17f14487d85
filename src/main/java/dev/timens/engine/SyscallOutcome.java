package dev.timens.engine;

/** What a {@link Tool} decides for a traced syscall. */
public sealed interface SyscallOutcome {
    /** Let the kernel run the syscall as the program made it. */
    record Proceed() implements SyscallOutcome {}

    /** Skip the syscall; the program sees {@code value} as its result (negative: -errno). */
    record Return(long value) implements SyscallOutcome {}

    SyscallOutcome PROCEED = new Proceed();

    static SyscallOutcome proceed() {
        return PROCEED;
    }

    static SyscallOutcome returning(long value) {
        return new Return(value);
    }

    /** Fail the syscall with {@code errno}, as the kernel would. */
    static SyscallOutcome error(int errno) {
        return new Return(-errno);
    }
}
