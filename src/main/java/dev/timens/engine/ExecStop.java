package dev.timens.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A thread that has just exec'd a new program: the kernel has built its stack
 * (argc, argv, envp, auxv) and mapped its vDSO, and none of its instructions
 * has run. Valid only during {@link Tool#onExec}.
 */
public final class ExecStop {
    private static final int AT_NULL = 0;

    private final int tid;
    private final int formerTid;
    private final Ptracer ptracer;
    private final ProcessMemory memory;
    private final Registers saved;
    private final Registers work;
    private final PendingSignals pending;
    private final MemorySegment stack;
    /** Address of the first auxv entry on the tracee's stack. */
    private long auxvAddress;
    private int auxvEntries;

    ExecStop(int tid, int formerTid, Ptracer ptracer, ProcessMemory memory, Registers saved, Registers work,
             PendingSignals pending, Arena arena) {
        this.tid = tid;
        this.formerTid = formerTid;
        this.ptracer = ptracer;
        this.memory = memory;
        this.saved = saved;
        this.work = work;
        this.pending = pending;
        this.stack = arena.allocate(64 * 1024, 16);
    }

    /** The thread (now the thread group leader) running the new program. */
    public int tid() {
        return tid;
    }

    /** The thread id that called execve: differs from {@link #tid()} when a non-leader thread exec'd. */
    public int formerTid() {
        return formerTid;
    }

    public TraceeMemory memory() {
        return memory;
    }

    /** The value of auxiliary vector entry {@code type}, or 0 when the kernel did not pass it. */
    public long auxv(int type) {
        locateAuxv();
        for (int i = 0; i < auxvEntries; i++) {
            if (stack.get(ValueLayout.JAVA_LONG, auxvOffset(i)) == type) {
                return stack.get(ValueLayout.JAVA_LONG, auxvOffset(i) + 8);
            }
        }
        return 0;
    }

    /**
     * Changes the value of auxiliary vector entry {@code type}, which must exist.
     * The program, its libc and its runtime read the auxv at start-up, so this
     * changes what they see (e.g. where the vDSO is).
     */
    public void setAuxv(int type, long value) throws TraceeFault {
        locateAuxv();
        for (int i = 0; i < auxvEntries; i++) {
            if (stack.get(ValueLayout.JAVA_LONG, auxvOffset(i)) == type) {
                memory.writeLong(new RemotePtr(auxvAddress + 16L * i + 8), value);
                stack.set(ValueLayout.JAVA_LONG, auxvOffset(i) + 8, value);
                return;
            }
        }
        throw new IllegalArgumentException("auxv has no entry of type " + type);
    }

    private long stackBase;

    private long auxvOffset(int i) {
        return auxvAddress - stackBase + 16L * i;
    }

    /**
     * Walks argc, argv[], envp[] from the initial stack pointer to the auxv
     * (System V x86_64 ABI, figure 3.9), reading the stack once.
     */
    private void locateAuxv() {
        if (auxvAddress != 0) return;
        ptracer.getRegs(tid, saved);
        stackBase = saved.rsp();
        int n = memory.readPartial(new RemotePtr(stackBase), stack);
        long at = 8L * (1 + stack.get(ValueLayout.JAVA_LONG, 0) + 1); // argc, argv[], NULL
        while (at + 8 <= n && stack.get(ValueLayout.JAVA_LONG, at) != 0) at += 8; // envp[]
        at += 8;
        long start = at;
        while (at + 16 <= n && stack.get(ValueLayout.JAVA_LONG, at) != AT_NULL) at += 16;
        if (at + 16 > n) {
            throw new IllegalStateException("the auxiliary vector of tid " + tid + " does not fit in "
                    + n + " bytes of stack");
        }
        auxvAddress = stackBase + start;
        auxvEntries = (int) ((at - start) / 16);
    }

    /**
     * Writes one word into the program's memory even where the program itself
     * may not write (a read-only private mapping gets its own copy of the page).
     */
    public void poke(RemotePtr address, long value) throws TraceeFault {
        if (!ptracer.poke(tid, address.address(), value)) throw new TraceeFault(address, 8);
    }

    /**
     * Starts injecting syscalls into the new program; see {@link InjectedSyscalls}.
     * Use in try-with-resources: closing restores the program's registers.
     */
    public InjectedSyscalls injectSyscalls() {
        long vdso = auxv(dev.timens.linux.Auxv.AT_SYSINFO_EHDR);
        if (vdso == 0) throw new IllegalStateException("tid " + tid + " has no vDSO to inject syscalls from");
        return new InjectedSyscalls(ptracer, tid, vdso + KernelVdso.current().syscallGadget(),
                saved, work, pending, memory);
    }
}
