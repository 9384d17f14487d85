package dev.timens.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Lines of /proc/PID/status, which the kernel writes without taking the
 * process's memory lock, and a thread's start time from /proc/TID/stat.
 */
public final class ProcStatus {
    private static final int AT_FDCWD = -100;
    private static final int O_RDONLY = 0;
    /** Room for the whole file (status: about 1.5 KiB on 6.x kernels; stat: a line) and the path before it. */
    private static final int BUFFER_SIZE = 8192;
    private static final int PATH_ROOM = 64;
    /** Per thread: the supervisor's tracer and listener threads read a status file at many stops. */
    private static final ThreadLocal<MemorySegment> BUFFERS =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(BUFFER_SIZE));

    private ProcStatus() {}

    /** The words after {@code key} ("Tgid:", "Uid:", "CapEff:") for {@code pid} ("self" too); null when absent or gone. */
    public static String[] values(String pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(key)) return line.substring(key.length()).trim().split("\\s+");
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // gone
        }
        return null;
    }

    /**
     * The number after {@code key} ("TracerPid:", "Tgid:", "PPid:"), or -1 when
     * the process is gone or the line is not there. Read with three syscalls
     * into a buffer of the calling thread's and parsed as bytes: the engine asks
     * at stops, where building readers and strings cost more than the read.
     */
    public static int field(int pid, String key) {
        MemorySegment text = read("/proc/" + pid + "/status");
        return text == null ? -1 : parse(text, text.byteSize(), key);
    }

    /**
     * Field 22 of /proc/TID/stat, when the thread started (in clock ticks since
     * boot), or -1 when it is gone; read as {@link #field} reads.
     */
    public static long startTime(int tid) {
        MemorySegment text = read("/proc/" + tid + "/stat");
        if (text == null) return -1;
        // The command (field 2) is in parentheses and may hold anything, ')' too: fields count from the last one.
        long at = text.byteSize() - 1;
        while (at >= 0 && text.get(ValueLayout.JAVA_BYTE, at) != ')') at--;
        if (at < 0) return -1;
        at += 2; // ") " then field 3
        for (int field = 3; field < 22; field++) {
            while (at < text.byteSize() && text.get(ValueLayout.JAVA_BYTE, at) != ' ') at++;
            at++;
        }
        long value = 0;
        long start = at;
        while (at < text.byteSize()) {
            byte b = text.get(ValueLayout.JAVA_BYTE, at);
            if (b < '0' || b > '9') break;
            value = value * 10 + (b - '0');
            at++;
        }
        return at == start ? -1 : value;
    }

    /**
     * The whole of the /proc file {@code path}, in this thread's buffer (valid
     * until its next read), or null when it cannot be read (the process gone).
     */
    private static MemorySegment read(String path) {
        MemorySegment buffer = BUFFERS.get();
        byte[] name = (path + "\0").getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(name, 0, buffer, ValueLayout.JAVA_BYTE, 0, name.length);
        long fd = Native.syscall(SyscallNumbers.OPENAT, AT_FDCWD, buffer.address(), O_RDONLY | Unistd.O_CLOEXEC, 0, 0,
                0);
        if (fd < 0) return null;
        try {
            MemorySegment text = buffer.asSlice(PATH_ROOM);
            long length = 0;
            while (length < text.byteSize()) {
                long n = Native.syscall(SyscallNumbers.READ, fd, text.address() + length, text.byteSize() - length, 0,
                        0, 0);
                if (n == -Errno.EINTR) continue;
                if (n < 0) return null; // ESRCH: gone between open and read
                if (n == 0) break;
                length += n;
            }
            return text.asSlice(0, length);
        } finally {
            Unistd.close((int) fd);
        }
    }

    /** The decimal number after {@code key} at the start of a line of {@code text}, -1 when there is none. */
    static int parse(MemorySegment text, long length, String key) {
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        long line = 0;
        while (line + k.length <= length) {
            boolean match = true;
            for (int i = 0; i < k.length && match; i++) match = text.get(ValueLayout.JAVA_BYTE, line + i) == k[i];
            if (match) {
                long at = line + k.length;
                while (at < length && (text.get(ValueLayout.JAVA_BYTE, at) == ' '
                        || text.get(ValueLayout.JAVA_BYTE, at) == '\t')) {
                    at++;
                }
                long value = 0;
                long start = at;
                while (at < length && value <= Integer.MAX_VALUE) {
                    byte b = text.get(ValueLayout.JAVA_BYTE, at);
                    if (b < '0' || b > '9') break;
                    value = value * 10 + (b - '0');
                    at++;
                }
                return at == start || value > Integer.MAX_VALUE ? -1 : (int) value;
            }
            line = nextLine(text, line, length);
        }
        return -1;
    }

    private static long nextLine(MemorySegment text, long from, long length) {
        long at = from;
        while (at < length && text.get(ValueLayout.JAVA_BYTE, at) != '\n') at++;
        return at + 1;
    }
}
