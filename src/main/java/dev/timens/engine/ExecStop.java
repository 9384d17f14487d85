package dev.timens.engine;

import dev.timens.linux.Errno;
import dev.timens.linux.Uio;
import dev.timens.linux.Unistd;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A thread that has just exec'd a new program: the kernel has built its stack
 * (argc, argv, envp, auxv) and mapped its vDSO, and none of its instructions
 * has run. Valid only during {@link Tool#onExec}.
 */
public final class ExecStop {
    private static final int AT_NULL = 0;
    /** How many bytes at the entry point are read with the stack (enough for any entry code so far). */
    private static final int ENTRY_PREFETCH = 256;
    /** The usual stack read; the buffer the engine passes holds it and the entry bytes. */
    private static final int STACK_READ = 64 * 1024;
    static final int STACK_BUFFER_SIZE = ENTRY_PREFETCH + STACK_READ;

    private final int tid;
    private final int formerTid;
    private final Ptracer ptracer;
    private final ProcessMemory memory;
    private final Registers saved;
    private final Registers work;
    private final PendingSignals pending;
    private final MemorySegment stack;
    private final java.util.function.Consumer<EntryCode> started;
    private boolean entryStarted;
    private boolean registersRead;
    /** The first ENTRY_PREFETCH bytes at the entry point, when read with the stack; else null. */
    private byte[] entryBytes;
    /** Address of the first auxv entry on the tracee's stack. */
    private long auxvAddress;
    /** The auxv as read: type, value, type, value... without the AT_NULL entry. */
    private long[] auxv;

    ExecStop(int tid, int formerTid, Ptracer ptracer, ProcessMemory memory, Registers saved, Registers work,
             PendingSignals pending, MemorySegment stackBuffer, java.util.function.Consumer<EntryCode> started) {
        this.tid = tid;
        this.formerTid = formerTid;
        this.ptracer = ptracer;
        this.memory = memory;
        this.saved = saved;
        this.work = work;
        this.pending = pending;
        this.stack = stackBuffer;
        this.started = started;
    }

    /**
     * Whether the thread is another program's tracee (a debugger's), stopped
     * for that tracer at its exec: the registers are the ones exec gives every
     * program (all zero but rip and rsp, read from /proc/PID/syscall), and code
     * started at the entry finds its frame without a register set for it.
     */
    private boolean foreign;

    /**
     * The stop of a thread another program traces, which that program holds
     * at its exec stop while the engine holds the tracer: no ptrace of the
     * thread at all. Exec leaves every general register zero, the flags at
     * IF, and rip and rsp as given.
     */
    static ExecStop foreign(int tid, int formerTid, ProcessMemory memory, Registers saved, Registers work,
                            MemorySegment stackBuffer, long rip, long rsp) {
        ExecStop stop = new ExecStop(tid, formerTid, null, memory, saved, work, new PendingSignals(), stackBuffer,
                code -> { });
        long[] registers = new long[saved.toArray().length];
        registers[Registers.index("rip")] = rip;
        registers[Registers.index("rsp")] = rsp;
        registers[Registers.index("eflags")] = 0x202; // IF, and the bit that always reads 1
        registers[Registers.index("cs")] = 0x33; // __USER_CS
        registers[Registers.index("ss")] = 0x2b; // __USER_DS
        registers[Registers.index("orig_rax")] = -1;
        saved.fromArray(registers);
        stop.registersRead = true;
        stop.foreign = true;
        stop.execveFinished = true;
        return stop;
    }

    /** movabs $imm64, %rdi: how code started for a foreign tracee gets its frame. */
    private static byte[] loadFrame(long frame) {
        byte[] bytes = new byte[10];
        bytes[0] = 0x48;
        bytes[1] = (byte) 0xbf;
        for (int i = 0; i < 8; i++) bytes[2 + i] = (byte) (frame >>> (8 * i));
        return bytes;
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
        readRegisters();
        stackBase = saved.rsp();
        // The bytes at the entry point, which startAtEntry replaces, come in the same syscall.
        MemorySegment buffer = stack.asSlice(0, STACK_BUFFER_SIZE);
        long n = Uio.read(tid, saved.rip(), ENTRY_PREFETCH, stackBase, buffer);
        if (n >= ENTRY_PREFETCH + 8 && parseAuxv(buffer.asSlice(ENTRY_PREFETCH), n - ENTRY_PREFETCH)) {
            entryBytes = buffer.asSlice(0, ENTRY_PREFETCH).toArray(ValueLayout.JAVA_BYTE);
            return;
        }
        if (!scanAuxv(buffer)) {
            // argv and envp filled the usual buffer (they may take up to a quarter
            // of the stack rlimit): read them with one the size of ARG_MAX's ceiling.
            MemorySegment big = java.lang.foreign.Arena.ofAuto().allocate(32L << 20, 16);
            if (!scanAuxv(big)) {
                throw new IllegalStateException("cannot find the auxiliary vector of tid " + tid);
            }
        }
    }

    /**
     * {@code __USER32_CS} (arch/x86/include/asm/segment.h): the code segment
     * of a thread in 32-bit mode, where exec leaves an i386 program.
     */
    private static final long USER32_CS = 0x23;

    /**
     * The registers as exec left them, read once.
     *
     * @throws IllegalStateException for an i386 program: everything here (its
     *         stack, auxv, entry code, syscall numbers) is the x86_64 ABI's
     */
    private void readRegisters() {
        if (registersRead) return;
        ptracer.getRegs(tid, saved);
        registersRead = true;
        if (saved.cs() == USER32_CS) {
            throw new IllegalStateException("it is a 32-bit (i386) program, and timens runs only x86_64 programs"
                    + " (an i386 program's clock calls would not go through the namespace)");
        }
    }

    private boolean scanAuxv(MemorySegment buffer) {
        int n = memory.readPartial(new RemotePtr(stackBase), buffer);
        if (n < 8) {
            checkMemoryOpen(stackBase);
            return false;
        }
        return parseAuxv(buffer, n);
    }

    /** Finds the auxv in the first {@code n} bytes of {@code buffer}, a copy of the stack from {@code stackBase}. */
    private boolean parseAuxv(MemorySegment buffer, long n) {
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

    /** Throws, saying why, when the kernel refuses this process's memory to its tracer (read at {@code address}). */
    private void checkMemoryOpen(long address) {
        long read = Uio.read(tid, address, stack.asSlice(0, 8));
        if (read == -Errno.EPERM || read == -Errno.EACCES) {
            throw new IllegalStateException("its memory is closed to timens (" + Errno.describe((int) -read)
                    + "): " + whyMemoryIsClosed());
        }
    }

    /**
     * Why the kernel refuses this process's memory to its tracer. A process made
     * non-dumpable by exec (its file may be executed but not read by the user)
     * has the files in its /proc/PID owned by root (task_dump_owner in
     * fs/proc/base.c; the directory itself keeps the process's uid), and the kernel
     * refuses its memory to any tracer without CAP_SYS_PTRACE (process_vm_readv,
     * /proc/PID/mem and PTRACE_PEEKDATA alike: ptrace_may_access and
     * ptrace_access_vm check dumpability). Otherwise a security policy did.
     */
    private String whyMemoryIsClosed() {
        try {
            int owner = (Integer) Files.getAttribute(Path.of("/proc", Integer.toString(tid), "environ"), "unix:uid");
            if (owner == 0 && Unistd.geteuid() != 0) {
                return "the program file may be executed but not read by this user (mode --x), and the kernel"
                        + " shields such a program from unprivileged tracers; run it as a user who may read it";
            }
        } catch (IOException | UnsupportedOperationException e) {
            // fall through to the general reason
        }
        return "a security policy keeps this process from its tracer (Yama's kernel.yama.ptrace_scope, an LSM)";
    }

    /**
     * Writes one word into the program's memory even where the program itself
     * may not write (a read-only private mapping gets its own copy of the page).
     */
    public void poke(RemotePtr address, long value) throws TraceeFault {
        if (foreign) {
            memory.forceWrite(address, java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .putLong(0, value).array());
            return;
        }
        if (!ptracer.poke(tid, address.address(), value)) throw new TraceeFault(address, 8);
    }

    /**
     * Copies {@code bytes} into unused stack of the new program and returns their
     * address. Below the initial stack pointer lies stack the program has not used
     * yet (the kernel reserves 128 KiB there at exec), and a red zone is left free.
     */
    public RemotePtr pushBytes(byte[] bytes) throws TraceeFault {
        readRegisters();
        RemotePtr at = new RemotePtr(reserve(bytes.length));
        memory.write(at, bytes);
        return at;
    }

    /**
     * Where the value of auxiliary vector entry {@code type} lies on the
     * program's stack, for code that runs in the program to rewrite it.
     */
    public RemotePtr auxvSlot(int type) {
        locateAuxv();
        for (int i = 0; i < auxv.length; i += 2) {
            if (auxv[i] == type) return new RemotePtr(auxvAddress + 8L * i + 8);
        }
        throw new IllegalArgumentException("auxv has no entry of type " + type);
    }

    /**
     * Starts {@code code} in the new program in place of its first instruction,
     * and does not wait for it: the last thing a tool does at this exec stop.
     * The code is written over the program's entry point (through
     * /proc/PID/mem, so the page becomes the process's own copy); the entry frame of
     * {@code src/main/native/entry-frame.h} (entry point, replaced bytes, the
     * registers the program starts with), followed by {@code data}, goes on the
     * program's unused stack; the thread resumes at the code with rdi = the
     * frame's address. From there the code is on its own: it must put the
     * original bytes back and start the program with the frame's registers,
     * which costs no stop at all. If it reports a failure (an int3 by the
     * header's convention) or faults, the engine puts the original bytes and
     * registers back and calls {@code onFailure}.
     *
     * <p>Asynchronous signals that arrive meanwhile are delivered as usual: exec
     * has reset every handler, so none can run on the code's stack.
     *
     * @throws TraceeFault when the code cannot be placed at the entry point (too
     *                     close to the end of its mapping): nothing was changed
     */
    public void startAtEntry(byte[] code, byte[] data, EntryTrap.EntryFailure onFailure) throws TraceeFault {
        if (code.length == 0) throw new IllegalArgumentException("no code");
        if (entryStarted) throw new IllegalStateException("code already started at the entry of tid " + tid);
        readRegisters();
        long start = saved.rip();
        int length = code.length + (foreign ? loadFrame(0).length : 0);
        byte[] original;
        if (entryBytes != null && length <= entryBytes.length) {
            original = java.util.Arrays.copyOf(entryBytes, length);
        } else {
            try {
                original = memory.read(new RemotePtr(start), length);
            } catch (TraceeFault e) {
                checkMemoryOpen(start);
                throw e;
            }
        }
        long[] registers = saved.toArray();
        registers[Registers.index("rax")] = 0; // what execve returns
        long frame = reserve(EntryFrame.size(original, data));
        memory.write(new RemotePtr(frame), EntryFrame.encode(frame, start, original, registers, data));
        if (foreign) {
            // No register can be set: the code's first instruction loads the frame's address.
            byte[] prefixed = java.util.Arrays.copyOf(loadFrame(frame), length);
            System.arraycopy(code, 0, prefixed, length - code.length, code.length);
            memory.forceWrite(new RemotePtr(start), prefixed, original);
        } else {
            memory.forceWrite(new RemotePtr(start), code, original);
            work.copyFrom(saved);
            work.callArg(0, frame);
            ptracer.setRegs(tid, work);
        }
        entryStarted = true;
        execveFinished = true;
        started.accept(new EntryCode(frame, start, original, registers, onFailure));
    }

    /** Reserves {@code size} bytes of unused stack below the ones handed out so far. */
    private long reserve(int size) {
        if (scratchTop == 0) scratchTop = (saved.rsp() - 256) & ~15L;
        scratchTop = (scratchTop - size) & ~15L;
        return scratchTop;
    }

    /**
     * Starts injecting syscalls into the new program; see {@link InjectedSyscalls}.
     * Use in try-with-resources: closing restores the program's registers.
     */
    public InjectedSyscalls injectSyscalls() {
        if (entryStarted) throw new IllegalStateException("code already started at the entry of tid " + tid);
        if (foreign) throw new IllegalStateException("another program traces tid " + tid + ": no syscall can be injected");
        long vdso = auxv(dev.timens.linux.Auxv.AT_SYSINFO_EHDR);
        if (vdso == 0) throw new IllegalStateException("tid " + tid + " has no vDSO to inject syscalls from");
        locateAuxv();
        InjectedSyscalls inject = new InjectedSyscalls(ptracer, tid, vdso + KernelVdso.current().syscallGadget(),
                saved, work, pending, !execveFinished);
        execveFinished = true;
        return inject;
    }
}
