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
    private final Injection injection;
    private boolean changed;
    private boolean injected;
    private final StackScratch scratch;

    /** What injecting syscalls needs; null at a group-stop, where the thread must stay as it is. */
    record Injection(Ptracer ptracer, Registers work, PendingSignals pending, TraceeMemory memory) {}

    InterruptStop(int tid, Registers registers, Injection injection) {
        this.tid = tid;
        this.registers = registers;
        this.injection = injection;
        this.scratch = injection == null ? null : new StackScratch(injection.memory(), registers.rsp());
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

    /**
     * Whether a signal of the program's (not blocked by the thread) is pending:
     * it will be delivered when the thread goes on, and may end the syscall
     * the thread was in (EINTR) instead of letting it restart.
     */
    public boolean signalPending() {
        return signalPending(tid);
    }

    /**
     * An interrupt cut the thread out of a wait that never restarts
     * (epoll_wait, sigtimedwait...: EINTR, not a restart code) with no signal
     * to blame: the call is made to start over instead, as if nothing had
     * happened (rax becomes -ERESTARTNOINTR in {@code regs}). Returns whether
     * it did, so that the caller sets the registers.
     */
    static boolean restartIfCutShortByInterrupt(int tid, Registers regs) {
        if (regs.origRax() < 0 || regs.rax() != -dev.timens.linux.Errno.EINTR || signalPending(tid)) return false;
        regs.rax(ERESTARTNOINTR);
        return true;
    }

    /**
     * Whether a signal the thread does not block is pending for it or its
     * process (/proc/TID/status): then an EINTR at an interrupt stop is the
     * signal's. Without one, the interrupt itself cut the syscall short, and
     * syscalls that never restart (epoll_wait, sigtimedwait, semtimedop...; see
     * signal(7)) would report an EINTR the program could not have seen.
     */
    static boolean signalPending(int tid) {
        long pending = 0;
        long blocked = 0;
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + tid + "/status"))) {
                if (line.startsWith("SigPnd:") || line.startsWith("ShdPnd:")) {
                    pending |= Long.parseUnsignedLong(line.substring(7).trim(), 16);
                } else if (line.startsWith("SigBlk:")) {
                    blocked = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return true; // cannot tell: leave the EINTR as the kernel gave it
        }
        return (pending & ~blocked) != 0;
    }

    boolean changed() {
        return changed;
    }

    /** Whether {@link #injectSyscalls} may be used: not at a group-stop (SIGSTOP and the like), which must stay one. */
    public boolean canInject() {
        return injection != null;
    }

    /**
     * Starts running syscalls in the thread (see {@link InjectedSyscalls}), from
     * the {@code syscall} instruction at {@code syscallInstruction} in its
     * address space (an instruction the seccomp filter lets through, or whose
     * stop the engine lets pass: the kernel vDSO's). Use in try-with-resources;
     * closing puts back the registers the thread stopped with, so a syscall the
     * interrupt cut short restarts as it would have, and changes made with the
     * restart methods above are kept.
     *
     * @throws IllegalStateException when {@link #canInject()} is false
     */
    public InjectedSyscalls injectSyscalls(long syscallInstruction) {
        if (injection == null) throw new IllegalStateException("tid " + tid + " is in a group-stop");
        injected = true;
        return InjectedSyscalls.atInterrupt(injection.ptracer(), tid, syscallInstruction, registers,
                injection.work(), injection.pending());
    }

    /**
     * Copies {@code bytes} to unused stack of the thread, below its red zone, for
     * an injected syscall to read or write; successive calls return disjoint places.
     */
    public RemotePtr pushScratch(byte[] bytes) throws TraceeFault {
        if (injection == null) throw new IllegalStateException("tid " + tid + " is in a group-stop");
        return scratch.push(bytes);
    }

    /** The thread's memory; only with {@link #canInject()}. */
    public TraceeMemory memory() {
        if (injection == null) throw new IllegalStateException("tid " + tid + " is in a group-stop");
        return injection.memory();
    }

    /** Whether syscalls were injected: the thread is now in a signal-delivery-stop, to be resumed without a signal. */
    boolean injected() {
        return injected;
    }

    /** What a tool does at the stop it asked for. */
    @FunctionalInterface
    public interface Handler {
        void onStop(InterruptStop stop);
    }
}
