package dev.timens.engine;

/**
 * A thread stopped by {@link TraceControl#interrupt}: either inside a blocking
 * syscall that the interruption cut short (the kernel is about to restart it,
 * and {@link #willRestart()} is true), or anywhere else (it had returned to
 * its own code, or had not started waiting yet). Valid only during the handler.
 */
public final class InterruptStop {
    /** -ERESTARTSYS, -ERESTARTNOINTR, -ERESTARTNOHAND and -ERESTART_RESTARTBLOCK (include/linux/errno.h). */
    private static final long ERESTARTSYS = -512;
    private static final long ERESTARTNOINTR = -513;
    private static final long ERESTARTNOHAND = -514;
    private static final long ERESTART_RESTARTBLOCK = -516;

    private final int tid;
    private final Registers registers;
    private boolean changed;

    InterruptStop(int tid, Registers registers) {
        this.tid = tid;
        this.registers = registers;
    }

    public int tid() {
        return tid;
    }

    /** The syscall the thread was in ({@code restart_syscall} for one the kernel continues), or -1. */
    public int number() {
        return (int) registers.origRax();
    }

    /** Argument {@code index} of that syscall, as the kernel will restart it. */
    public long arg(int index) {
        return registers.arg(index);
    }

    /**
     * Whether the thread was blocked in syscall {@link #number()} and the kernel
     * restarts it when the thread goes on (no signal handler runs at an interrupt).
     */
    public boolean willRestart() {
        long rax = registers.rax();
        return registers.origRax() >= 0 && (rax == ERESTARTSYS || rax == ERESTARTNOINTR || rax == ERESTARTNOHAND
                || rax == ERESTART_RESTARTBLOCK);
    }

    /**
     * Makes the restart execute the syscall afresh from its registers, meeting the
     * seccomp filter again, instead of continuing through {@code restart_syscall}
     * with a deadline saved in the kernel. Does nothing unless {@link #willRestart()}.
     */
    public void restartFromScratch() {
        if (!willRestart() || registers.rax() != ERESTART_RESTARTBLOCK) return;
        registers.rax(ERESTARTNOINTR);
        changed = true;
    }

    /**
     * Makes the restart execute syscall {@code number} with the thread's argument
     * registers: for a thread in {@code restart_syscall}, whose registers still
     * hold the arguments of the call the kernel is continuing. Does nothing
     * unless {@link #willRestart()}.
     */
    public void restartAs(int number) {
        if (!willRestart()) return;
        registers.origRax(number);
        registers.rax(ERESTARTNOINTR); // arch_do_signal_or_restart: ax = orig_ax, ip -= 2
        changed = true;
    }

    boolean changed() {
        return changed;
    }

    /** What a tool does at the stop it asked for. */
    @FunctionalInterface
    public interface Handler {
        void onStop(InterruptStop stop);
    }
}
