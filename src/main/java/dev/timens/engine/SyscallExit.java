package dev.timens.engine;

/**
 * A thread stopped at the exit of a syscall whose entry a tool asked to follow
 * ({@link SyscallStop#atExit}): the kernel has done its work and the result is
 * in place. Valid only during the handler.
 */
public final class SyscallExit {
    private final int tid;
    private final Registers registers;
    private final TraceeMemory memory;
    private boolean resultChanged;

    SyscallExit(int tid, Registers registers, TraceeMemory memory) {
        this.tid = tid;
        this.registers = registers;
        this.memory = memory;
    }

    public int tid() {
        return tid;
    }

    /** The syscall's result as the program will see it (negative: -errno). */
    public long result() {
        return registers.rax();
    }

    /**
     * Whether the result is one of the kernel's restart codes (-ERESTARTSYS,
     * -ERESTARTNOINTR, -ERESTARTNOHAND, -ERESTART_RESTARTBLOCK): the syscall
     * starts over when the thread goes on, unless a signal handler runs first
     * and makes it fail with EINTR. The program never sees these codes.
     */
    public boolean willRestart() {
        return isRestartCode(result());
    }

    /** The kernel's restart codes, negated as a result (include/linux/errno.h). */
    static final long ERESTARTSYS = -512;
    static final long ERESTARTNOINTR = -513;
    static final long ERESTARTNOHAND = -514;
    static final long ERESTART_RESTARTBLOCK = -516;

    static boolean isRestartCode(long result) {
        return result == ERESTARTSYS || result == ERESTARTNOINTR || result == ERESTARTNOHAND
                || result == ERESTART_RESTARTBLOCK;
    }

    /** Changes the result the program sees. */
    public void setResult(long value) {
        registers.rax(value);
        resultChanged = true;
    }

    /** Puts an argument register back (e.g. before the kernel restarts the syscall with it). */
    public void setArg(int index, long value) {
        registers.arg(index, value);
        resultChanged = true;
    }

    boolean resultChanged() {
        return resultChanged;
    }

    /** Argument {@code index} as the kernel ran the syscall with (after any {@link SyscallStop#setArg}). */
    public long arg(int index) {
        return registers.arg(index);
    }

    public TraceeMemory memory() {
        return memory;
    }

    /**
     * Runs {@code handler} at the syscall-exit stop of {@code tid}: reads the
     * registers into {@code regs}, and sets them again when the handler changed
     * them. A buffer of the program's gone bad meanwhile leaves the kernel's
     * answer as it is.
     */
    static void run(Handler handler, int tid, Ptracer ptracer, Registers regs, ProcessMemory memory) {
        ptracer.getRegs(tid, regs);
        SyscallExit exit = new SyscallExit(tid, regs, memory);
        try {
            handler.onExit(exit);
        } catch (TraceeFault e) {
            // the kernel's answer stands
        }
        if (exit.resultChanged()) ptracer.setRegs(tid, regs);
    }

    /** What a tool does at the exit of a syscall it followed. */
    @FunctionalInterface
    public interface Handler {
        void onExit(SyscallExit exit) throws TraceeFault;
    }
}
