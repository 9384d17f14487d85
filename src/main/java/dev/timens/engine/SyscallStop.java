package dev.timens.engine;

/**
 * A thread stopped at the entry of a syscall that the tool subscribed to
 * (a seccomp {@code SECCOMP_RET_TRACE} stop). Valid only during
 * {@link Tool#onSyscall}.
 */
public final class SyscallStop implements SyscallCall {
    private final int tid;
    private final int tgid;
    private final Registers registers;
    private final TraceeMemory memory;
    private boolean argsChanged;
    private SyscallExit.Handler exitHandler;
    private final StackScratch scratch;

    /** @param scratchArea the thread's {@link Tool#scratchArea}, asked for only when its stack has no room */
    SyscallStop(int tid, int tgid, Registers registers, TraceeMemory memory, java.util.function.LongSupplier scratchArea) {
        this.tid = tid;
        this.tgid = tgid;
        this.registers = registers;
        this.memory = memory;
        this.scratch = new StackScratch(memory, registers.rsp(), scratchArea);
    }

    /** The process (thread group) of the thread. */
    public int tgid() {
        return tgid;
    }

    /**
     * Replaces argument {@code index} for the kernel when the tool lets the
     * syscall proceed (e.g. with a pointer to a translated copy of a struct).
     */
    public void setArg(int index, long value) {
        registers.arg(index, value);
        argsChanged = true;
    }

    /**
     * Makes the kernel run syscall {@code number} instead (with the arguments as
     * they are then); the filter sees the new number, and the tool is not asked
     * about it again.
     */
    public void setNumber(int number) {
        registers.origRax(number);
        argsChanged = true;
    }

    boolean argsChanged() {
        return argsChanged;
    }

    /**
     * Asks to see this syscall's exit too (one more stop), to translate what the
     * kernel reports back (remaining time, old timer values...). Only with
     * {@link SyscallOutcome#proceed()}. Handlers asked for by several parts of a
     * tool all run, in the order they were given.
     */
    public void atExit(SyscallExit.Handler handler) {
        SyscallExit.Handler first = exitHandler;
        this.exitHandler = first == null ? handler : exit -> {
            try {
                first.onExit(exit);
            } finally {
                handler.onExit(exit); // each part's translation is its own: one failing must not skip another
            }
        };
    }

    SyscallExit.Handler exitHandler() {
        return exitHandler;
    }

    /**
     * Copies {@code bytes} to unused stack of the thread, below its red zone,
     * and returns their address: room for a translated copy of an argument,
     * which the kernel reads when the syscall starts. Successive calls during
     * one stop return disjoint places; the same stack pointer gives the same
     * places again (a restarted syscall finds its copy where it left it).
     * When the stack has no room there (a stack pointer just above a guard
     * page), the copies go to the tool's {@link Tool#scratchArea} for the thread.
     */
    public RemotePtr pushScratch(byte[] bytes) throws TraceeFault {
        return scratch.push(bytes);
    }

    /** The thread that made the syscall. */
    @Override
    public int tid() {
        return tid;
    }

    /** The x86_64 syscall number. */
    @Override
    public int number() {
        return (int) registers.origRax();
    }

    /** Argument {@code index} (0..5) as the program passed it. */
    @Override
    public long arg(int index) {
        return registers.arg(index);
    }

    /** Argument {@code index} as an address in the tracee. */
    @Override
    public RemotePtr pointerArg(int index) {
        return new RemotePtr(registers.arg(index));
    }

    /** The address right after the syscall instruction. */
    @Override
    public long instructionPointer() {
        return registers.rip();
    }

    @Override
    public TraceeMemory memory() {
        return memory;
    }
}
