package dev.timens.linux;

import java.lang.foreign.MemorySegment;

import static dev.timens.linux.Native.INT;

/** File descriptors and processes: unistd.h, fcntl.h and signal.h calls timens needs. */
public final class Unistd {
    private Unistd() {}

    public static final int O_CLOEXEC = 0x80000;

    /** A second, close-on-exec descriptor of what {@code fd} is (fcntl F_DUPFD_CLOEXEC), the lowest from 3. */
    public static int dup(int fd) {
        long result = Native.syscall(SyscallNumbers.FCNTL, fd, 1030 /* F_DUPFD_CLOEXEC */, 3, 0, 0, 0);
        if (result < 0) throw new LinuxException("fcntl(F_DUPFD_CLOEXEC)", (int) -result);
        return (int) result;
    }

    public static void close(int fd) {
        long result = Native.syscall(SyscallNumbers.CLOSE, fd, 0, 0, 0, 0, 0);
        // After EINTR the descriptor is gone all the same on Linux (see close(2)).
        if (result != 0 && result != -Errno.EINTR) throw new LinuxException("close", (int) -result);
    }

    /** Writes all of {@code data}; throws on failure (EPIPE included). */
    public static void writeFully(int fd, MemorySegment data) {
        long done = 0;
        while (done < data.byteSize()) {
            long n = Native.syscall(SyscallNumbers.WRITE, fd, data.address() + done, data.byteSize() - done, 0, 0, 0);
            if (n == -Errno.EINTR) continue;
            if (n < 0) throw new LinuxException("write", (int) -n);
            done += n;
        }
    }

    /** One read(2) into {@code into}: the bytes read (0 at the end), or {@code -errno}; retried on EINTR. */
    public static long read(int fd, MemorySegment into) {
        long n;
        do {
            n = Native.syscall(SyscallNumbers.READ, fd, into.address(), into.byteSize(), 0, 0, 0);
        } while (n == -Errno.EINTR);
        return n;
    }

    /** Whether {@code fd} has something to read (or its end) within {@code millis} ms (poll(2)). */
    public static boolean readable(int fd, int millis) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment pollfd = arena.allocate(8, 4); // struct pollfd {int fd; short events, revents;}
            pollfd.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, fd);
            pollfd.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 4, (short) 1); // POLLIN
            long n = Native.syscall(SyscallNumbers.POLL, pollfd.address(), 1, millis, 0, 0, 0);
            return n > 0;
        }
    }

    /** The file position of descriptor {@code fd} (lseek SEEK_CUR), or {@code -errno}. */
    public static long position(int fd) {
        return Native.syscall(SyscallNumbers.LSEEK, fd, 0, 1 /* SEEK_CUR */, 0, 0, 0);
    }

    /** Whether descriptor {@code fd} is open in this process. */
    public static boolean isOpen(int fd) {
        return Native.syscall(SyscallNumbers.FCNTL, fd, 1 /* F_GETFD */, 0, 0, 0, 0) >= 0;
    }

    /** A new close-on-exec read-write descriptor of /dev/null. */
    public static int openDevNull() {
        return open("/dev/null", 2 /* O_RDWR */ | O_CLOEXEC);
    }

    /** open(2) of an existing {@code path} with {@code flags}; throws on failure. */
    public static int open(String path, int flags) {
        return open(path, flags, 0);
    }

    /** open(2) of {@code path} with {@code flags}, and {@code mode} for a file O_CREAT makes; throws on failure. */
    public static int open(String path, int flags, int mode) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            long fd = Native.syscall(SyscallNumbers.OPENAT, -100 /* AT_FDCWD */, arena.allocateFrom(path).address(),
                    flags, mode, 0, 0);
            if (fd < 0) throw new LinuxException("open " + path, (int) -fd);
            return (int) fd;
        }
    }

    /** Writes all of {@code data} at {@code offset} (pwrite: the descriptor's own offset does not move). */
    public static void pwriteFully(int fd, MemorySegment data, long offset) {
        long done = 0;
        while (done < data.byteSize()) {
            long n = Native.syscall(SyscallNumbers.PWRITE64, fd, data.address() + done, data.byteSize() - done,
                    offset + done, 0, 0);
            if (n == -Errno.EINTR) continue;
            if (n < 0) throw new LinuxException("pwrite", (int) -n);
            done += n;
        }
    }

    /**
     * Reads exactly {@code into.byteSize()} bytes; false at the end of file
     * before the first byte, throws at one after it or on failure.
     */
    public static boolean readFully(int fd, MemorySegment into) {
        long done = 0;
        while (done < into.byteSize()) {
            long n = Native.syscall(SyscallNumbers.READ, fd, into.address() + done, into.byteSize() - done, 0, 0, 0);
            if (n == -Errno.EINTR) continue;
            if (n < 0) throw new LinuxException("read", (int) -n);
            if (n == 0) {
                if (done == 0) return false;
                throw new IllegalStateException("end of file after " + done + " of " + into.byteSize() + " bytes");
            }
            done += n;
        }
        return true;
    }

        /** pipe2(2) into {@code scratch} (two ints): returns {read end, write end}. */
    public static int[] pipe2(MemorySegment scratch, int flags) {
        long result = Native.syscall(SyscallNumbers.PIPE2, scratch.address(), flags, 0, 0, 0, 0);
        if (result != 0) throw new LinuxException("pipe2", (int) -result);
        return new int[] {scratch.get(INT, 0), scratch.get(INT, 4)};
    }

    public static void ftruncate(int fd, long length) {
        long result = Native.syscall(SyscallNumbers.FTRUNCATE, fd, length, 0, 0, 0, 0);
        if (result != 0) throw new LinuxException("ftruncate", (int) -result);
    }

    /** kill(2); returns 0 or {@code -errno}. */
    public static int kill(int pid, int signal) {
        return (int) Native.syscall(SyscallNumbers.KILL, pid, signal, 0, 0, 0, 0);
    }

    /** setsid(2): this process leads a new session, with no controlling terminal; throws when it cannot. */
    public static void setsid() {
        long result = Native.syscall(SyscallNumbers.SETSID, 0, 0, 0, 0, 0, 0);
        if (result < 0) throw new LinuxException("setsid", (int) -result);
    }

    /** dup3(2) without flags: descriptor {@code to} becomes what {@code from} is; throws on failure. */
    public static void dup2(int from, int to) {
        long result = Native.syscall(SyscallNumbers.DUP3, from, to, 0, 0, 0, 0);
        if (result < 0) throw new LinuxException("dup3", (int) -result);
    }

    public static int geteuid() {
        return (int) Native.syscall(SyscallNumbers.GETEUID, 0, 0, 0, 0, 0, 0);
    }

    public static int getpid() {
        return (int) Native.syscall(SyscallNumbers.GETPID, 0, 0, 0, 0, 0, 0);
    }

    /** The inode number of the file open on {@code fd} (fstat's st_ino). */
    public static long inode(int fd) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment stat = arena.allocate(144, 8); // struct stat on x86-64
            long result = Native.syscall(SyscallNumbers.FSTAT, fd, stat.address(), 0, 0, 0, 0);
            if (result != 0) throw new LinuxException("fstat", (int) -result);
            return stat.get(java.lang.foreign.ValueLayout.JAVA_LONG, 8); // after st_dev
        }
    }

    /**
     * A system call of one argument by number, for the calls only a timens
     * supervisor answers (numbers no kernel has); returns its result, or
     * {@code -errno} (-ENOSYS where no supervisor is).
     */
    public static long syscall(int number, long argument) {
        return Native.syscall(number, argument, 0, 0, 0, 0, 0);
    }
}
