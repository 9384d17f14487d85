package dev.timens.engine;

/**
 * Code started with {@link ExecStop#startAtEntry} gave up: it executed its
 * int3 by the failure convention of {@code src/main/native/entry-frame.h} (or
 * faulted). By the time a tool sees this, the engine has put the program's
 * original bytes and registers back, so the program is exactly as the exec
 * left it, and none of its own instructions has run. Valid only during
 * {@link EntryFailure#onFailure}; the thread is resumed afterwards.
 */
public final class EntryTrap {
    private final int tid;
    private final int step;
    private final long result;
    private final long detail;
    private final Ptracer ptracer;
    private final TraceeMemory memory;
    private final Registers registers;
    private final Registers work;
    private final PendingSignals pending;

    EntryTrap(int tid, int step, long result, long detail, Ptracer ptracer, TraceeMemory memory,
              Registers registers, Registers work, PendingSignals pending) {
        this.tid = tid;
        this.step = step;
        this.result = result;
        this.detail = detail;
        this.ptracer = ptracer;
        this.memory = memory;
        this.registers = registers;
        this.work = work;
        this.pending = pending;
    }

    /**
     * Starts injecting syscalls into the program, through the {@code syscall}
     * instruction of its kernel vDSO at {@code kernelVdso}; see
     * {@link InjectedSyscalls}. Closing puts back the registers the program
     * starts with.
     */
    public InjectedSyscalls injectSyscalls(long kernelVdso) {
        return InjectedSyscalls.atInterrupt(ptracer, tid, kernelVdso + KernelVdso.current().syscallGadget(),
                registers, work, pending);
    }

    public int tid() {
        return tid;
    }

    /** Which step failed, as the code numbered them (the low 16 bits of rbx). */
    public int step() {
        return step;
    }

    /** rax at the failure: the failing call's result, -errno for a syscall. */
    public long result() {
        return result;
    }

    /** r14 at the failure: whatever the code chose to report there. */
    public long detail() {
        return detail;
    }

    public TraceeMemory memory() {
        return memory;
    }

    /** As {@link ExecStop#poke}: writes one word even into read-only private mappings. */
    public void poke(RemotePtr address, long value) throws TraceeFault {
        if (!ptracer.poke(tid, address.address(), value)) throw new TraceeFault(address, 8);
    }

    /** What the tool does when the code it started at an entry point failed. */
    @FunctionalInterface
    public interface EntryFailure {
        /**
         * Finish the job another way, or throw: a {@link RuntimeException} or
         * {@link TraceeFault} kills the program, with the message on the
         * supervisor's diagnostics, rather than let it run unprepared.
         */
        void onFailure(EntryTrap trap) throws TraceeFault;
    }
}
