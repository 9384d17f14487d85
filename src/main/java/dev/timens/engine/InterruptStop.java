package dev.timens.engine;

import dev.timens.linux.SyscallNumbers;

/**
 * A thread stopped by {@link TraceControl#interrupt}: either inside a blocking
 * syscall that the interruption cut short (the kernel is about to restart it,
 * and {@link #willRestart()} is true), or anywhere else (it had returned to
 * its own code, or had not started waiting yet). Valid only during the handler.
 */
public final class InterruptStop {
    private static final long ERESTARTNOINTR = SyscallExit.ERESTARTNOINTR;
    private static final long ERESTART_RESTARTBLOCK = SyscallExit.ERESTART_RESTARTBLOCK;

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
        return registers.origRax() >= 0 && SyscallExit.isRestartCode(registers.rax());
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
     * An interrupt cut the thread out of a futex wait on an absolute deadline
     * (FUTEX_WAIT_BITSET: pthread_cond_timedwait, sem_timedwait), which the
     * kernel would continue through {@code restart_syscall}, on the deadline as
     * it read it: the call is made again from its registers instead (rax becomes
     * -ERESTARTNOINTR in {@code regs}), so that it meets the seccomp filter.
     * Nothing else changes: the deadline is absolute, and a futex wait may wake
     * early. A relative wait (FUTEX_WAIT) keeps its restart: made again, it
     * would wait its whole timeout anew. Returns whether it did, so that the
     * caller sets the registers.
     */
    static boolean restartAbsoluteFutexWait(Registers regs) {
        if (regs.origRax() != SyscallNumbers.FUTEX || regs.rax() != ERESTART_RESTARTBLOCK) return false;
        if ((regs.arg(1) & FUTEX_CMD_MASK) != FUTEX_WAIT_BITSET || regs.arg(3) == 0) return false;
        regs.rax(ERESTARTNOINTR);
        return true;
    }

    private static final long FUTEX_WAIT_BITSET = 9;
    /** The command bits of a futex op (FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME aside). */
    private static final long FUTEX_CMD_MASK = 127;

    /** The waits that end with a plain EINTR (not a restart code) when a signal wakes them. */
    static final java.util.Set<Integer> WAITS_ENDED_BY_SIGNALS = java.util.Set.of(SyscallNumbers.EPOLL_WAIT,
            SyscallNumbers.EPOLL_PWAIT, SyscallNumbers.EPOLL_PWAIT2, SyscallNumbers.RT_SIGTIMEDWAIT,
            SyscallNumbers.IO_GETEVENTS, SyscallNumbers.IO_PGETEVENTS);
    private static final int SIGCHLD = 17;
    private static final int SIGURG = 23;
    private static final int SIGWINCH = 28;
    /** SIGCHLD, SIGURG and SIGWINCH: ignored when their action is the default. */
    private static final long IGNORED_BY_DEFAULT = 1L << (SIGCHLD - 1) | 1L << (SIGURG - 1) | 1L << (SIGWINCH - 1);

    /**
     * Natively the kernel discards a signal the thread ignores as it is sent
     * (sig_ignored in kernel/signal.c), and nothing wakes up; for a traced
     * thread it keeps it, so the signal wakes the thread and a wait that does
     * not restart returns EINTR (epoll_wait, sigtimedwait). At the stop that
     * follows (the syscall's exit stop, or the signal's delivery stop, with
     * {@code regs} read there), when every signal pending and not blocked is
     * one the thread ignores ({@code signal}, or any when 0), the wait is made
     * to start over (with its whole timeout: the time already waited is not
     * known here) in {@code regs}, and the caller drops the signal as the
     * kernel would have. Returns whether it did, so that the caller sets the
     * registers.
     */
    static boolean restartIfCutShortByIgnoredSignal(int tid, int signal, Registers regs) {
        if (regs.rax() != -dev.timens.linux.Errno.EINTR || !WAITS_ENDED_BY_SIGNALS.contains((int) regs.origRax())) {
            return false;
        }
        long[] masks = signalMasks(tid);
        if (masks == null) return false; // deliver it as it is
        long pending = masks[0] & ~masks[1];
        if (signal != 0) pending = 1L << (signal - 1);
        long ignored = masks[2] | IGNORED_BY_DEFAULT & ~masks[3];
        if (pending == 0 || (pending & ~ignored) != 0) return false;
        regs.rax(regs.origRax());
        regs.rip(regs.rip() - 2); // back onto the syscall instruction
        return true;
    }

    /**
     * From /proc/TID/status: the signals pending for the thread or its process,
     * those it blocks, ignores (SIG_IGN) and catches; null when it cannot be read.
     */
    private static long[] signalMasks(int tid) {
        long[] masks = new long[4];
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + tid + "/status"))) {
                int which = switch (line.length() > 7 ? line.substring(0, 7) : "") {
                    case "SigPnd:", "ShdPnd:" -> 0;
                    case "SigBlk:" -> 1;
                    case "SigIgn:" -> 2;
                    case "SigCgt:" -> 3;
                    default -> -1;
                };
                if (which >= 0) masks[which] |= Long.parseUnsignedLong(line.substring(7).trim(), 16);
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return null;
        }
        return masks;
    }

    /**
     * Whether a signal the thread does not block is pending for it or its
     * process (/proc/TID/status): then an EINTR at an interrupt stop is the
     * signal's. Without one, the interrupt itself cut the syscall short, and
     * syscalls that never restart (epoll_wait, sigtimedwait, semtimedop...; see
     * signal(7)) would report an EINTR the program could not have seen.
     */
    static boolean signalPending(int tid) {
        long[] masks = signalMasks(tid);
        return masks == null || (masks[0] & ~masks[1]) != 0; // cannot tell: leave the EINTR as the kernel gave it
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

    /**
     * Writes {@code bytes} even where the program itself may not write (code,
     * read-only private mappings: the page becomes the process's own copy), as
     * /proc/PID/mem does; only with {@link #canInject()}.
     */
    public void poke(RemotePtr address, byte[] bytes) throws TraceeFault {
        if (injection == null || !(injection.memory() instanceof ProcessMemory memory)) {
            throw new IllegalStateException("tid " + tid + " is in a group-stop");
        }
        memory.forceWrite(address, bytes);
    }

    /** As {@link #poke(RemotePtr, byte[])}, one little-endian word. */
    public void poke(RemotePtr address, long value) throws TraceeFault {
        poke(address, java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, value).array());
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
