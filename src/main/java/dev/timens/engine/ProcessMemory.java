package dev.timens.engine;

import dev.timens.linux.Uio;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link TraceeMemory} through process_vm_readv/writev: one syscall per access,
 * no stop, and a short transfer (unmapped or protected memory) is a fault, as
 * the kernel's copy_from_user/copy_to_user would report it.
 */
final class ProcessMemory implements TraceeMemory {
    private static final int SCRATCH_SIZE = 64 * 1024;
    /** Room at the end of the scratch buffer for a /proc path. */
    private static final int PATH_SIZE = 64;

    private final int pid;
    private final MemorySegment scratch;

    ProcessMemory(int pid, MemorySegment scratch) {
        this.pid = pid;
        this.scratch = scratch;
    }

    static MemorySegment allocateScratch(Arena arena) {
        return arena.allocate(SCRATCH_SIZE, 16);
    }

    @Override
    public byte[] read(RemotePtr address, int length) throws TraceeFault {
        MemorySegment buffer = buffer(address, length);
        long n = Uio.read(pid, address.address(), buffer);
        if (n != length) throw fault(address, length, n);
        return buffer.toArray(ValueLayout.JAVA_BYTE);
    }

    /** Reads up to {@code length} bytes, stopping early where the mapping ends. */
    int readPartial(RemotePtr address, MemorySegment into) {
        long n = Uio.read(pid, address.address(), into);
        return n < 0 ? 0 : (int) n;
    }

    @Override
    public void write(RemotePtr address, byte[] bytes) throws TraceeFault {
        MemorySegment buffer = buffer(address, bytes.length);
        buffer.copyFrom(MemorySegment.ofArray(bytes));
        long n = Uio.write(pid, address.address(), buffer);
        if (n != bytes.length) throw fault(address, bytes.length, n);
    }

    /**
     * Writes {@code bytes} even where the program itself may not write (code,
     * read-only data: the page becomes the process's own copy, as with
     * PTRACE_POKEDATA), in one go through /proc/PID/mem. All or nothing: when
     * the range is only partly mapped, the part written is put back to
     * {@code original} and the write is a fault.
     */
    void forceWrite(RemotePtr address, byte[] bytes, byte[] original) throws TraceeFault {
        long n = forceWrite(address, bytes, bytes.length);
        if (n == bytes.length) return;
        if (n > 0) forceWrite(address, original, (int) n);
        throw new TraceeFault(address, bytes.length);
    }

    /** As {@link #forceWrite(RemotePtr, byte[], byte[])}, for memory of no value to the program if partly written. */
    void forceWrite(RemotePtr address, byte[] bytes) throws TraceeFault {
        if (forceWrite(address, bytes, bytes.length) != bytes.length) throw new TraceeFault(address, bytes.length);
    }

    private long forceWrite(RemotePtr address, byte[] bytes, int length) throws TraceeFault {
        MemorySegment buffer = buffer(address, length);
        MemorySegment.copy(bytes, 0, buffer, ValueLayout.JAVA_BYTE, 0, length);
        long n = Uio.forceWrite(pid, address.address(), buffer, scratch.asSlice(SCRATCH_SIZE - PATH_SIZE, PATH_SIZE));
        if (n == -dev.timens.linux.Errno.ESRCH) throw new TraceeGone(pid);
        return n;
    }

    @Override
    public long readLong(RemotePtr address) throws TraceeFault {
        MemorySegment buffer = buffer(address, 8);
        long n = Uio.read(pid, address.address(), buffer);
        if (n != 8) throw fault(address, 8, n);
        return buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
    }

    @Override
    public void writeLong(RemotePtr address, long value) throws TraceeFault {
        MemorySegment buffer = buffer(address, 8);
        buffer.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value);
        long n = Uio.write(pid, address.address(), buffer);
        if (n != 8) throw fault(address, 8, n);
    }

    private MemorySegment buffer(RemotePtr address, int length) throws TraceeFault {
        if (length < 0 || length > SCRATCH_SIZE - PATH_SIZE) throw new TraceeFault(address, length);
        return scratch.asSlice(0, length);
    }

    private TraceeFault fault(RemotePtr address, int length, long result) {
        if (result == -dev.timens.linux.Errno.ESRCH) throw new TraceeGone(pid);
        return new TraceeFault(address, length);
    }
}
