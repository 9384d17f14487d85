package dev.timens.linux;

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

    /** Three iovecs (local, remote, remote) per thread, reused for every call. */
    private static final ThreadLocal<MemorySegment> IOVECS =
            ThreadLocal.withInitial(() -> Arena.global().allocate(IOVEC, 3));

    /**
     * Copies {@code local.byteSize()} bytes from address {@code remote} of
     * process {@code pid} into {@code local}. Returns the number of bytes copied
     * (short when the remote range ends in unmapped memory) or {@code -errno}.
     */
    public static long read(int pid, long remote, MemorySegment local) {
        return transfer(SyscallNumbers.PROCESS_VM_READV, pid, remote, local);
    }

    /**
     * Two reads in one syscall: {@code firstLength} bytes from {@code first}
     * into the start of {@code local}, then the rest of {@code local} from
     * {@code second}. Returns the number of bytes copied, or {@code -errno}: the
     * kernel stops at the first range it cannot read in full, so fewer than
     * {@code firstLength} means nothing of {@code second} was read.
     */
    public static long read(int pid, long first, long firstLength, long second, MemorySegment local) {
        MemorySegment iov = IOVECS.get();
        MemorySegment localIov = iov.asSlice(0, IOVEC);
        MemorySegment remoteIovs = iov.asSlice(IOVEC.byteSize(), 2 * IOVEC.byteSize());
        BASE.set(localIov, 0L, local.address());
        LEN.set(localIov, 0L, local.byteSize());
        BASE.set(remoteIovs, 0L, first);
        LEN.set(remoteIovs, 0L, firstLength);
        BASE.set(remoteIovs, IOVEC.byteSize(), second);
        LEN.set(remoteIovs, IOVEC.byteSize(), local.byteSize() - firstLength);
        return Native.syscall(SyscallNumbers.PROCESS_VM_READV, pid, localIov.address(), 1, remoteIovs.address(), 2, 0);
    }

    /** Copies {@code local} to address {@code remote} of {@code pid}; as {@link #read}. */
    public static long write(int pid, long remote, MemorySegment local) {
        return transfer(SyscallNumbers.PROCESS_VM_WRITEV, pid, remote, local);
    }

    /**
     * Writes {@code local} to address {@code remote} of {@code pid} through
     * /proc/PID/mem, which, like PTRACE_POKEDATA, also writes into read-only
     * private mappings (the kernel gives the process its own copy of the page;
     * mem_rw in fs/proc/base.c uses FOLL_FORCE): one write instead of one
     * POKEDATA per word. The caller must be allowed to ptrace {@code pid}.
     * Returns the number of bytes written or {@code -errno}.
     */
    public static long forceWrite(int pid, long remote, MemorySegment local, MemorySegment pathScratch) {
        byte[] path = ("/proc/" + pid + "/mem\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        MemorySegment.copy(path, 0, pathScratch, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, path.length);
        long fd = Native.syscall(SyscallNumbers.OPENAT, -100 /* AT_FDCWD */, pathScratch.address(),
                Unistd.O_CLOEXEC | 2 /* O_RDWR */, 0, 0, 0);
        if (fd < 0) return fd;
        try {
            return Native.syscall(SyscallNumbers.PWRITE64, fd, local.address(), local.byteSize(), remote, 0, 0);
        } finally {
            Unistd.close((int) fd);
        }
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
