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
        if (length < 0 || length > SCRATCH_SIZE) throw new TraceeFault(address, length);
        return scratch.asSlice(0, length);
    }

    private TraceeFault fault(RemotePtr address, int length, long result) {
        if (result == -dev.timens.linux.Errno.ESRCH) throw new TraceeGone(pid);
        return new TraceeFault(address, length);
    }
}
