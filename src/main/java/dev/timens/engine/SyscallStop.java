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
    private final java.util.List<Copy> copies = new java.util.ArrayList<>();

    /**
     * Engine v2, for a thread another program traces (a debugger's): no
     * register of it can change, so a copy the tool pushes and points an
     * argument at is written over the memory the argument already points to
     * ({@link #inPlaceWrites}), and put back once the kernel has read it.
     */
    private final boolean inPlace;
    private final java.util.List<byte[]> pushedInPlace = new java.util.ArrayList<>();
    /** Argument index and bytes for it, in place; null once something cannot be done in place. */
    private java.util.Map<Integer, byte[]> inPlaceWrites = new java.util.TreeMap<>();
    /** Addresses that stand for copies in place: no user address is this high. */
    private static final long IN_PLACE_BASE = 0xffff_8000_0000_0000L;
    private static final long IN_PLACE_STRIDE = 4096;

    /** @param scratchArea the thread's {@link Tool#scratchArea}, asked for only when its stack has no room */
    SyscallStop(int tid, int tgid, Registers registers, TraceeMemory memory, java.util.function.LongSupplier scratchArea) {
        this.tid = tid;
        this.tgid = tgid;
        this.registers = registers;
        this.memory = memory;
        this.scratch = new StackScratch(memory, registers.rsp(), scratchArea);
        this.inPlace = false;
    }

    /** A call of a thread another program traces, with its registers as the notification gave them. */
    private SyscallStop(int tid, int tgid, Registers registers, TraceeMemory memory) {
        this.tid = tid;
        this.tgid = tgid;
        this.registers = registers;
        this.memory = memory;
        this.scratch = null;
        this.inPlace = true;
    }

    static SyscallStop inPlace(int tid, int tgid, Registers registers, TraceeMemory memory) {
        return new SyscallStop(tid, tgid, registers, memory);
    }

    /**
     * In place: what to write over the memory each argument points to, or null
     * when the tool asked for something that cannot be done without changing a
     * register (another number, an argument that is no copy it pushed).
     */
    java.util.Map<Integer, byte[]> inPlaceWrites() {
        return inPlaceWrites;
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
        if (inPlace) {
            long k = (value - IN_PLACE_BASE) / IN_PLACE_STRIDE;
            if (value < IN_PLACE_BASE || k >= pushedInPlace.size() || inPlaceWrites == null) {
                inPlaceWrites = null;
            } else {
                inPlaceWrites.put(index, pushedInPlace.get((int) k));
            }
            return;
        }
        registers.arg(index, value);
        argsChanged = true;
    }

    /**
     * Makes the kernel run syscall {@code number} instead (with the arguments as
     * they are then); the filter sees the new number, and the tool is not asked
     * about it again.
     */
    public void setNumber(int number) {
        if (inPlace) {
            inPlaceWrites = null;
            return;
        }
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
     * For a thread another program traces (engine v2), the copy is written over
     * what the argument it is given to already points to, and put back once
     * the kernel has read it; the address returned stands for that.
     */
    public RemotePtr pushScratch(byte[] bytes) throws TraceeFault {
        if (inPlace) {
            pushedInPlace.add(bytes.clone());
            return new RemotePtr(IN_PLACE_BASE + IN_PLACE_STRIDE * (pushedInPlace.size() - 1));
        }
        RemotePtr at = scratch.push(bytes);
        copies.add(new Copy(at, bytes.clone()));
        return at;
    }

    /** A copy {@link #pushScratch} wrote: where, and what. */
    record Copy(RemotePtr at, byte[] bytes) {}

    /** The copies pushed at this stop, in order. */
    java.util.List<Copy> copies() {
        return copies;
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
