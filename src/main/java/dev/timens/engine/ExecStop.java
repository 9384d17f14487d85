package dev.timens.engine;

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
    /** The auxv as read: type, value, type, value... without the AT_NULL entry. */
    private long[] auxv;

    ExecStop(int tid, int formerTid, Ptracer ptracer, ProcessMemory memory, Registers saved, Registers work,
             PendingSignals pending, MemorySegment stackBuffer) {
        this.tid = tid;
        this.formerTid = formerTid;
        this.ptracer = ptracer;
        this.memory = memory;
        this.saved = saved;
        this.work = work;
        this.pending = pending;
        this.stack = stackBuffer;
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
        for (int i = 0; i < auxv.length; i += 2) {
            if (auxv[i] == type) return auxv[i + 1];
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
        for (int i = 0; i < auxv.length; i += 2) {
            if (auxv[i] == type) {
                memory.writeLong(new RemotePtr(auxvAddress + 8L * i + 8), value);
                auxv[i + 1] = value;
                return;
            }
        }
        throw new IllegalArgumentException("auxv has no entry of type " + type);
    }

    private long stackBase;
    /** Whether the thread has been resumed since the exec stop (so execve has returned). */
    private boolean execveFinished;
    /** Lowest address handed out by {@link #pushBytes}, 0 before the first. */
    private long scratchTop;

    /**
     * Walks argc, argv[], envp[] from the initial stack pointer to the auxv
     * (System V x86_64 ABI, figure 3.9), reading the stack once.
     */
    private void locateAuxv() {
        if (auxvAddress != 0) return;
        ptracer.getRegs(tid, saved);
        stackBase = saved.rsp();
        if (!scanAuxv(stack)) {
            // argv and envp filled the usual buffer (they may take up to a quarter
            // of the stack rlimit): read them with one the size of ARG_MAX's ceiling.
            MemorySegment big = java.lang.foreign.Arena.ofAuto().allocate(32L << 20, 16);
            if (!scanAuxv(big)) {
                throw new IllegalStateException("cannot find the auxiliary vector of tid " + tid);
            }
        }
    }

    private boolean scanAuxv(MemorySegment buffer) {
        int n = memory.readPartial(new RemotePtr(stackBase), buffer);
        if (n < 8) return false;
        long at = 8L * (1 + buffer.get(ValueLayout.JAVA_LONG, 0) + 1); // argc, argv[], NULL
        while (at + 8 <= n && buffer.get(ValueLayout.JAVA_LONG, at) != 0) at += 8; // envp[]
        at += 8;
        long start = at;
        while (at + 16 <= n && buffer.get(ValueLayout.JAVA_LONG, at) != AT_NULL) at += 16;
        if (at + 16 > n) return false;
        auxvAddress = stackBase + start;
        auxv = buffer.asSlice(start, at - start).toArray(ValueLayout.JAVA_LONG);
        return true;
    }

    /**
     * Writes one word into the program's memory even where the program itself
     * may not write (a read-only private mapping gets its own copy of the page).
     */
    public void poke(RemotePtr address, long value) throws TraceeFault {
        if (!ptracer.poke(tid, address.address(), value)) throw new TraceeFault(address, 8);
    }

    /**
     * Copies {@code bytes} into unused stack of the new program and returns their
     * address. Below the initial stack pointer lies stack the program has not used
     * yet (the kernel reserves 128 KiB there at exec), and a red zone is left free.
     */
    public RemotePtr pushBytes(byte[] bytes) throws TraceeFault {
        locateAuxv();
        if (scratchTop == 0) scratchTop = (saved.rsp() - 256) & ~15L;
        scratchTop = (scratchTop - bytes.length) & ~15L;
        RemotePtr at = new RemotePtr(scratchTop);
        memory.write(at, bytes);
        return at;
    }

    /**
     * Runs {@code code} in the new program before its first instruction: the code
     * (followed by {@code data}, which it can reach RIP-relative) is written over
     * the program's entry point (PTRACE_POKEDATA, so the page becomes the
     * process's own copy), its arguments go in rdi, rsi, rdx, rcx, r8, r9, and its
     * last byte must be an {@code int3}, where it stops. Then the original bytes
     * and registers are put back. One stop, however many syscalls the code makes;
     * asynchronous signals that arrive meanwhile are held and delivered afterwards.
     *
     * @return rax at the {@code int3}
     * @throws TraceeFault when the code cannot be placed at the entry point or
     *                     faults there (an entry point too close to the end of
     *                     its mapping): the program is left as it was
     */
    public long runAtEntry(byte[] code, byte[] data, long... args) throws TraceeFault {
        if (args.length > 6) throw new IllegalArgumentException("at most 6 arguments");
        if (code.length == 0 || (code[code.length - 1] & 0xff) != 0xcc) {
            throw new IllegalArgumentException("the code must end with int3");
        }
        locateAuxv();
        long entry = saved.rip();
        int length = code.length + data.length;
        byte[] original = memory.read(new RemotePtr(entry), (length + 7) / 8 * 8);
        byte[] patched = original.clone();
        System.arraycopy(code, 0, patched, 0, code.length);
        System.arraycopy(data, 0, patched, code.length, data.length);
        pokeAll(entry, patched);
        TraceeGone gone = null;
        execveFinished = true; // resuming the thread, even into a fault, lets execve return
        try {
            work.copyFrom(saved);
            for (int i = 0; i < args.length; i++) work.callArg(i, args[i]);
            ptracer.setRegs(tid, work);
            if (!ptracer.runUntilTrap(tid, pending)) {
                throw new TraceeFault(new RemotePtr(entry), length); // it faulted: not run
            }
            ptracer.getRegs(tid, work);
            if (work.rip() != entry + code.length) {
                throw new IllegalStateException("code run at the entry of tid " + tid + " stopped at 0x"
                        + Long.toHexString(work.rip()));
            }
            return work.rax();
        } catch (TraceeGone e) {
            gone = e;
            throw e;
        } finally {
            try {
                pokeAll(entry, original);
                saved.rax(0); // what execve returns; the program's entry code ignores it
                ptracer.setRegs(tid, saved);
            } catch (TraceeGone e) {
                // Died meanwhile: the first report, which may carry its exit status, stands.
                if (gone == null) throw e;
            }
        }
    }

    private void pokeAll(long address, byte[] bytes) throws TraceeFault {
        java.nio.ByteBuffer words = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < bytes.length; i += 8) poke(new RemotePtr(address + i), words.getLong(i));
    }

    /**
     * Starts injecting syscalls into the new program; see {@link InjectedSyscalls}.
     * Use in try-with-resources: closing restores the program's registers.
     */
    public InjectedSyscalls injectSyscalls() {
        long vdso = auxv(dev.timens.linux.Auxv.AT_SYSINFO_EHDR);
        if (vdso == 0) throw new IllegalStateException("tid " + tid + " has no vDSO to inject syscalls from");
        locateAuxv();
        InjectedSyscalls inject = new InjectedSyscalls(ptracer, tid, vdso + KernelVdso.current().syscallGadget(),
                saved, work, pending, !execveFinished);
        execveFinished = true;
        return inject;
    }
}
