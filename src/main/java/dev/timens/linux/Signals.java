package dev.timens.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/** The signal state /proc shows, and a thread's own signal mask. */
public final class Signals {
    private Signals() {}

    /**
     * Blocks, in the calling thread only, every signal that can be blocked
     * except the synchronous ones (SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV: the
     * JVM's own handlers need them, and a blocked one kills the process). For
     * a thread whose blocking calls must not be interrupted: the other threads
     * take the process's signals.
     */
    public static void blockAsynchronousInThisThread() {
        long synchronous = bit(4) | bit(5) | bit(7) | bit(8) | bit(11);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(ValueLayout.JAVA_LONG);
            set.set(ValueLayout.JAVA_LONG, 0, ~synchronous);
            long result = Native.syscall(SyscallNumbers.RT_SIGPROCMASK, SIG_BLOCK, set.address(), 0, 8, 0, 0);
            if (result != 0) throw new LinuxException("rt_sigprocmask", (int) -result);
        }
    }

    private static final int SIG_BLOCK = 0;

    private static long bit(int signal) {
        return 1L << (signal - 1);
    }

    /**
     * The SigIgn and SigBlk masks of /proc/self/status (bit N-1 for signal N),
     * or null when /proc cannot be read.
     */
    public static long[] ownIgnoredAndBlocked() {
        long ignored = -1;
        long blocked = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
                if (line.startsWith("SigIgn:")) ignored = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                if (line.startsWith("SigBlk:")) blocked = Long.parseUnsignedLong(line.substring(7).trim(), 16);
            }
        } catch (IOException | NumberFormatException e) {
            return null;
        }
        return ignored == -1 || blocked == -1 ? null : new long[] {ignored, blocked};
    }
}
