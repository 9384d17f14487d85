package dev.timens.linux;

import dev.timens.engine.SyscallNumbers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static dev.timens.linux.Native.LONG;

/** process_vm_readv(2) and process_vm_writev(2), from sys/uio.h. */
public final class Uio {
    private Uio() {}

    /** struct iovec. */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
            LONG.withName("iov_base"), LONG.withName("iov_len")).withName("iovec");
    private static final VarHandle BASE = IOVEC.varHandle(MemoryLayout.PathElement.groupElement("iov_base"));
    private static final VarHandle LEN = IOVEC.varHandle(MemoryLayout.PathElement.groupElement("iov_len"));

    /** Two iovecs (local, remote) per thread, reused for every call. */
    private static final ThreadLocal<MemorySegment> IOVECS =
            ThreadLocal.withInitial(() -> Arena.global().allocate(IOVEC, 2));

    /**
     * Copies {@code local.byteSize()} bytes from address {@code remote} of
     * process {@code pid} into {@code local}. Returns the number of bytes copied
     * (short when the remote range ends in unmapped memory) or {@code -errno}.
     */
    public static long read(int pid, long remote, MemorySegment local) {
        return transfer(SyscallNumbers.PROCESS_VM_READV, pid, remote, local);
    }

    /** Copies {@code local} to address {@code remote} of {@code pid}; as {@link #read}. */
    public static long write(int pid, long remote, MemorySegment local) {
        return transfer(SyscallNumbers.PROCESS_VM_WRITEV, pid, remote, local);
    }

    private static long transfer(int syscall, int pid, long remote, MemorySegment local) {
        MemorySegment iov = IOVECS.get();
        MemorySegment localIov = iov.asSlice(0, IOVEC);
        MemorySegment remoteIov = iov.asSlice(IOVEC.byteSize(), IOVEC);
        BASE.set(localIov, 0L, local.address());
        LEN.set(localIov, 0L, local.byteSize());
        BASE.set(remoteIov, 0L, remote);
        LEN.set(remoteIov, 0L, local.byteSize());
        return Native.syscall(syscall, pid, localIov.address(), 1, remoteIov.address(), 1, 0);
    }
}
