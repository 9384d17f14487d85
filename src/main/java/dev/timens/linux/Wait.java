package dev.timens.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static dev.timens.linux.Native.INT;
import static dev.timens.linux.Native.PTR;

/** waitpid(2) and the status macros of sys/wait.h. */
public final class Wait {
    private Wait() {}

    public static final int WNOHANG = 1;
    /** Wait for all children and tracees, whether threads or processes. */
    public static final int WALL = 0x40000000;

    private static final class Handle {
        static final MethodHandle WAITPID = Native.syscall("waitpid", FunctionDescriptor.of(INT, INT, PTR, INT));
    }

    /** A wait status as the kernel reports it, with the sys/wait.h accessors. */
    public record Status(int pid, int raw) {
        public boolean exited() { return (raw & 0x7f) == 0; }
        public int exitCode() { return (raw >> 8) & 0xff; }
        public boolean signaled() { return (raw & 0x7f) != 0 && (raw & 0x7f) != 0x7f; }
        public int termSignal() { return raw & 0x7f; }
        public boolean coreDumped() { return (raw & 0x80) != 0; }
        public boolean stopped() { return (raw & 0xff) == 0x7f; }
        public int stopSignal() { return (raw >> 8) & 0xff; }
        /** The PTRACE_EVENT_* of a ptrace event stop, 0 otherwise. */
        public int event() { return (raw >> 16) & 0xff; }
    }

    /**
     * Waits for a state change. Returns null with WNOHANG when nothing is ready;
     * throws on any error (ECHILD when there is nothing left to wait for) except
     * EINTR, which is retried.
     */
    public static Status waitpid(int pid, int options, MemorySegment statusBuffer) {
        MemorySegment capture = Native.capture();
        for (;;) {
            int result;
            try {
                result = (int) Handle.WAITPID.invokeExact(capture, pid, statusBuffer, options);
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
            if (result > 0) return new Status(result, statusBuffer.get(INT, 0));
            if (result == 0) return null;
            int errno = Native.errno(capture);
            if (errno != Errno.EINTR) throw new LinuxException("waitpid", errno);
        }
    }
}
