package dev.timens.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static dev.timens.linux.Native.INT;
import static dev.timens.linux.Native.LONG;
import static dev.timens.linux.Native.PTR;

/** File descriptors and processes: unistd.h, fcntl.h and signal.h calls timens needs. */
public final class Unistd {
    private Unistd() {}

    public static final int O_CLOEXEC = 0x80000;

    private static final class Handle {
        static final MethodHandle CLOSE = Native.syscall("close", FunctionDescriptor.of(INT, INT));
        static final MethodHandle WRITE = Native.syscall("write", FunctionDescriptor.of(LONG, INT, PTR, LONG));
        static final MethodHandle PIPE2 = Native.syscall("pipe2", FunctionDescriptor.of(INT, PTR, INT));
        static final MethodHandle FTRUNCATE = Native.syscall("ftruncate", FunctionDescriptor.of(INT, INT, LONG));
        static final MethodHandle KILL = Native.syscall("kill", FunctionDescriptor.of(INT, INT, INT));
        static final MethodHandle GETPID = Native.downcall("getpid", FunctionDescriptor.of(INT));
    }

    public static void close(int fd) {
        MemorySegment capture = Native.capture();
        int result;
        try {
            result = (int) Handle.CLOSE.invokeExact(capture, fd);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (result != 0 && Native.errno(capture) != Errno.EINTR) throw new LinuxException("close", Native.errno(capture));
    }

    /** Writes all of {@code data}; throws on failure (EPIPE included). */
    public static void writeFully(int fd, MemorySegment data) {
        long done = 0;
        MemorySegment capture = Native.capture();
        while (done < data.byteSize()) {
            long n;
            try {
                n = (long) Handle.WRITE.invokeExact(capture, fd, data.asSlice(done), data.byteSize() - done);
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
            if (n < 0) {
                int errno = Native.errno(capture);
                if (errno == Errno.EINTR) continue;
                throw new LinuxException("write", errno);
            }
            done += n;
        }
    }

    /** pipe2(2): returns {read end, write end}. */
    public static int[] pipe2(MemorySegment scratch, int flags) {
        MemorySegment capture = Native.capture();
        int result;
        try {
            result = (int) Handle.PIPE2.invokeExact(capture, scratch, flags);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (result != 0) throw new LinuxException("pipe2", Native.errno(capture));
        return new int[] {scratch.get(INT, 0), scratch.get(INT, 4)};
    }

    public static void ftruncate(int fd, long length) {
        MemorySegment capture = Native.capture();
        int result;
        try {
            result = (int) Handle.FTRUNCATE.invokeExact(capture, fd, length);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (result != 0) throw new LinuxException("ftruncate", Native.errno(capture));
    }

    /** kill(2); returns 0 or {@code -errno}. */
    public static int kill(int pid, int signal) {
        MemorySegment capture = Native.capture();
        int result;
        try {
            result = (int) Handle.KILL.invokeExact(capture, pid, signal);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        return result == 0 ? 0 : -Native.errno(capture);
    }

    public static int getpid() {
        try {
            return (int) Handle.GETPID.invokeExact();
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
