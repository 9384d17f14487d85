package dev.timens.engine;

/**
 * A thread stopped at the entry of a syscall that the tool subscribed to
 * (a seccomp {@code SECCOMP_RET_TRACE} stop). Valid only during
 * {@link Tool#onSyscall}.
 */
public final class SyscallStop {
    private final int tid;
    private final Registers registers;
    private final TraceeMemory memory;

    SyscallStop(int tid, Registers registers, TraceeMemory memory) {
        this.tid = tid;
        this.registers = registers;
        this.memory = memory;
    }

    /** The thread that made the syscall. */
    public int tid() {
        return tid;
    }

    /** The x86_64 syscall number. */
    public int number() {
        return (int) registers.origRax();
    }

    /** Argument {@code index} (0..5) as the program passed it. */
    public long arg(int index) {
        return registers.arg(index);
    }

    /** Argument {@code index} as an address in the tracee. */
    public RemotePtr pointerArg(int index) {
        return new RemotePtr(registers.arg(index));
    }

    /** The address right after the syscall instruction. */
    public long instructionPointer() {
        return registers.rip();
    }

    public TraceeMemory memory() {
        return memory;
    }
}
