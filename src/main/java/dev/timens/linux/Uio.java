package dev.timens.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static dev.timens.linux.Native.INT;
import static dev.timens.linux.Native.LONG;
import static dev.timens.linux.Native.PTR;

/** process_vm_readv(2) and process_vm_writev(2), from sys/uio.h. */
public final class Uio {
    private Uio() {}

    /** struct iovec. */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
            LONG.withName("iov_base"), LONG.withName("iov_len")).withName("iovec");
    private static final VarHandle BASE = IOVEC.varHandle(MemoryLayout.PathElement.groupElement("iov_base"));
    private static final VarHandle LEN = IOVEC.varHandle(MemoryLayout.PathElement.groupElement("iov_len"));

    private static final class Handle {
        static final FunctionDescriptor DESCRIPTOR = FunctionDescriptor.of(LONG, INT, PTR, LONG, PTR, LONG, LONG);
        static final MethodHandle READV = Native.syscall("process_vm_readv", DESCRIPTOR);
        static final MethodHandle WRITEV = Native.syscall("process_vm_writev", DESCRIPTOR);
    }

    /** Two iovecs (local, remote) per thread, reused for every call. */
    private static final ThreadLocal<MemorySegment> IOVECS =
            ThreadLocal.withInitial(() -> Arena.global().allocate(IOVEC, 2));

    /**
     * Copies {@code local.byteSize()} bytes from address {@code remote} of
     * process {@code pid} into {@code local}. Returns the number of bytes copied
     * (short when the remote range ends in unmapped memory) or {@code -errno}.
     */
    public static long read(int pid, long remote, MemorySegment local) {
        return transfer(Handle.READV, pid, remote, local);
    }

    /** Copies {@code local} to address {@code remote} of {@code pid}; as {@link #read}. */
    public static long write(int pid, long remote, MemorySegment local) {
        return transfer(Handle.WRITEV, pid, remote, local);
    }

    private static long transfer(MethodHandle handle, int pid, long remote, MemorySegment local) {
        MemorySegment iov = IOVECS.get();
        MemorySegment localIov = iov.asSlice(0, IOVEC);
        MemorySegment remoteIov = iov.asSlice(IOVEC.byteSize(), IOVEC);
        BASE.set(localIov, 0L, local.address());
        LEN.set(localIov, 0L, local.byteSize());
        BASE.set(remoteIov, 0L, remote);
        LEN.set(remoteIov, 0L, local.byteSize());
        MemorySegment capture = Native.capture();
        long result;
        try {
            result = (long) handle.invokeExact(capture, pid, localIov, 1L, remoteIov, 1L, 0L);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        return result < 0 ? -Native.errno(capture) : result;
    }
}
