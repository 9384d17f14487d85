package dev.timens.engine;

/**
 * Syscalls run inside a tracee on the supervisor's behalf, at an exec stop or
 * at an interrupt stop.
 *
 * <p>Pre-condition: the thread is stopped after its exec, before the program
 * ran, or at the stop {@link TraceControl#interrupt} asked for. Opening this
 * scope at an exec stop finishes the execve if the thread is still in it (the
 * kernel would otherwise overwrite rax with execve's 0 on the way out). Each
 * {@link #call} loads the registers with the thread on a {@code syscall}
 * instruction of its kernel vDSO, single-steps over that instruction and
 * returns the kernel's result. Post-condition of {@link #close()}: the
 * registers are those the thread was stopped with (after an exec: those the new
 * program starts with), and no instruction of the program has run; a syscall
 * the interrupt cut short restarts as it would have.
 */
public final class InjectedSyscalls implements AutoCloseable {
    private final Ptracer ptracer;
    private final int tid;
    private final long gadget;
    private final Registers saved;
    private final Registers work;
    private final PendingSignals pending;
    private final boolean afterExec;

    InjectedSyscalls(Ptracer ptracer, int tid, long gadget, Registers saved, Registers work,
                     PendingSignals pending, boolean inExecve) {
        this(ptracer, tid, gadget, saved, work, pending, inExecve, true);
    }

    private InjectedSyscalls(Ptracer ptracer, int tid, long gadget, Registers saved, Registers work,
                             PendingSignals pending, boolean inExecve, boolean afterExec) {
        this.afterExec = afterExec;
        this.ptracer = ptracer;
        this.tid = tid;
        this.gadget = gadget;
        this.saved = saved;
        this.work = work;
        this.pending = pending;
        if (!inExecve) return; // the registers are set by each call
        work.copyFrom(saved);
        work.rip(gadget);
        ptracer.setRegs(tid, work); // already out of execve: the registers are ours to set
        ptracer.singleStep(tid, pending);
        ptracer.getRegs(tid, work);
        if (work.rip() != gadget) {
            throw new IllegalStateException("finishing execve left tid " + tid + " at 0x"
                    + Long.toHexString(work.rip()) + ", not at the syscall gadget");
        }
    }

    /**
     * At an interrupt stop: {@code saved} holds the registers the thread stopped
     * with, and stays unchanged until {@link #close()} puts it back.
     */
    static InjectedSyscalls atInterrupt(Ptracer ptracer, int tid, long gadget, Registers saved, Registers work,
                                        PendingSignals pending) {
        return new InjectedSyscalls(ptracer, tid, gadget, saved, work, pending, false, false);
    }

    /** Runs syscall {@code number} with up to six arguments; returns its result (negative: -errno). */
    public long call(int number, long... args) {
        if (args.length > 6) throw new IllegalArgumentException("at most 6 syscall arguments");
        work.copyFrom(saved);
        work.rip(gadget);
        work.rax(number);
        // Not in a syscall as far as the kernel's restart logic goes: the first
        // step out of an interrupt stop must not rewind into the cut-short call.
        work.origRax(-1);
        for (int i = 0; i < 6; i++) work.arg(i, i < args.length ? args[i] : 0);
        ptracer.setRegs(tid, work);
        ptracer.singleStep(tid, pending);
        ptracer.getRegs(tid, work);
        if (work.rip() != gadget + 2) {
            throw new IllegalStateException("injected syscall " + number + " left tid " + tid + " at 0x"
                    + Long.toHexString(work.rip()));
        }
        return work.rax();
    }

    /** Restores the registers the thread stopped with (after an exec, those the new program starts with). */
    @Override
    public void close() {
        if (afterExec) saved.rax(0); // what execve returns; the program's entry code ignores it
        ptracer.setRegs(tid, saved);
    }

}
