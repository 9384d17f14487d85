package dev.timens.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static dev.timens.linux.Native.INT;
import static dev.timens.linux.Native.LONG;
import static dev.timens.linux.Native.PTR;

/** mmap(2), munmap(2) and memfd_create(2), from sys/mman.h. */
public final class Mman {
    private Mman() {}

    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int PROT_EXEC = 4;
    public static final int MAP_SHARED = 1;
    public static final int MAP_PRIVATE = 2;
    public static final int MFD_CLOEXEC = 1;
    /** Linux 6.3+: the memfd may be mapped executable even where memfd_noexec is set. */
    public static final int MFD_EXEC = 0x10;

    private static final class Handle {
        static final MethodHandle MMAP = Native.syscall("mmap", FunctionDescriptor.of(PTR, PTR, LONG, INT, INT, INT, LONG));
        static final MethodHandle MUNMAP = Native.syscall("munmap", FunctionDescriptor.of(INT, PTR, LONG));
        static final MethodHandle MEMFD_CREATE = Native.syscall("memfd_create", FunctionDescriptor.of(INT, PTR, INT));
    }

    /** Maps {@code length} bytes of {@code fd} into this process; throws on failure. */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset) {
        MemorySegment capture = Native.capture();
        MemorySegment result;
        try {
            result = (MemorySegment) Handle.MMAP.invokeExact(capture, MemorySegment.NULL, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (result.address() == -1L) throw new LinuxException("mmap", Native.errno(capture));
        // Safe: the kernel just mapped exactly this range for us; it stays mapped
        // until munmap, which only the owner of this segment calls.
        return result.reinterpret(length);
    }

    public static void munmap(MemorySegment mapping) {
        MemorySegment capture = Native.capture();
        int result;
        try {
            result = (int) Handle.MUNMAP.invokeExact(capture, mapping, mapping.byteSize());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (result != 0) throw new LinuxException("munmap", Native.errno(capture));
    }

    /** Creates an anonymous memory file; returns its fd, or {@code -errno}. */
    public static int memfdCreate(MemorySegment name, int flags) {
        MemorySegment capture = Native.capture();
        int result;
        try {
            result = (int) Handle.MEMFD_CREATE.invokeExact(capture, name, flags);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        return result < 0 ? -Native.errno(capture) : result;
    }
}
