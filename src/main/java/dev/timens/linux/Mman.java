package dev.timens.linux;

import java.lang.foreign.MemorySegment;

/** mmap(2), munmap(2) and memfd_create(2), from sys/mman.h. */
public final class Mman {
    private Mman() {}

    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int PROT_EXEC = 4;
    public static final int MAP_SHARED = 1;
    public static final int MAP_PRIVATE = 2;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_FIXED = 0x10;
    /** madvise(2): the pages read as zeros in a child made by fork (Linux 4.14). */
    public static final int MADV_WIPEONFORK = 18;
    public static final int MFD_CLOEXEC = 1;
    public static final int MFD_ALLOW_SEALING = 2;
    /** Linux 6.3+: the memfd may be mapped executable even where memfd_noexec is set. */
    public static final int MFD_EXEC = 0x10;

    /** Maps {@code length} bytes of {@code fd} into this process; throws on failure. */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset) {
        long result = Native.syscall(SyscallNumbers.MMAP, 0, length, prot, flags, fd, offset);
        if (result < 0 && result > -4096) throw new LinuxException("mmap", (int) -result);
        // Safe: the kernel just mapped exactly this range for us; it stays mapped
        // until munmap, which only the owner of this segment calls.
        return MemorySegment.ofAddress(result).reinterpret(length);
    }

    /** Changes the protection of {@code mapping} (whole pages); throws on failure. */
    public static void mprotect(MemorySegment mapping, int prot) {
        long result = Native.syscall(SyscallNumbers.MPROTECT, mapping.address(), mapping.byteSize(), prot, 0, 0, 0);
        if (result != 0) throw new LinuxException("mprotect", (int) -result);
    }

    public static void munmap(MemorySegment mapping) {
        long result = Native.syscall(SyscallNumbers.MUNMAP, mapping.address(), mapping.byteSize(), 0, 0, 0, 0);
        if (result != 0) throw new LinuxException("munmap", (int) -result);
    }

    /** Seals of a memory file, fcntl.h: F_ADD_SEALS and the seals timens applies. */
    private static final int F_ADD_SEALS = 1033;
    private static final int F_GET_SEALS = 1034;
    public static final int F_SEAL_SEAL = 1;
    public static final int F_SEAL_SHRINK = 2;
    public static final int F_SEAL_GROW = 4;
    /** Linux 5.1+: no new writable mapping or write(2); existing mappings stay writable. */
    public static final int F_SEAL_FUTURE_WRITE = 16;

    /** Adds {@code seals} to memory file {@code fd}; throws on failure. */
    public static void addSeals(int fd, int seals) {
        long result = Native.syscall(SyscallNumbers.FCNTL, fd, F_ADD_SEALS, seals, 0, 0, 0);
        if (result != 0) throw new LinuxException("fcntl(F_ADD_SEALS)", (int) -result);
    }

    /** The seals of memory file {@code fd}. */
    public static int seals(int fd) {
        long result = Native.syscall(SyscallNumbers.FCNTL, fd, F_GET_SEALS, 0, 0, 0, 0);
        if (result < 0) throw new LinuxException("fcntl(F_GET_SEALS)", (int) -result);
        return (int) result;
    }

    /** Creates an anonymous memory file named {@code name}; returns its fd, or {@code -errno}. */
    public static int memfdCreate(MemorySegment name, int flags) {
        return (int) Native.syscall(SyscallNumbers.MEMFD_CREATE, name.address(), flags, 0, 0, 0, 0);
    }
}
