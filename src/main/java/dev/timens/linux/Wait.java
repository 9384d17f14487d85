package dev.timens.linux;

import java.lang.foreign.MemorySegment;

import static dev.timens.linux.Native.INT;

/** waitpid(2) (the wait4 syscall) and the status macros of sys/wait.h. */
public final class Wait {
    private Wait() {}

    public static final int WNOHANG = 1;
    /** Wait for all children and tracees, whether threads or processes. */
    public static final int WALL = 0x40000000;

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
        for (;;) {
            long result = Native.syscall(SyscallNumbers.WAIT4, pid, statusBuffer.address(), options, 0, 0, 0);
            if (result > 0) return new Status((int) result, statusBuffer.get(INT, 0));
            if (result == 0) return null;
            if (result != -Errno.EINTR) throw new LinuxException("waitpid", (int) -result);
        }
    }
}
