package dev.timens.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Signals sent to this process, caught by timens's own handler instead of the
 * JVM's (libtimens-signals.so, src/main/native/signals.c) and read back here,
 * one at a time, with who sent them.
 *
 * <p>The JVM's own use of SIGSEGV, SIGBUS, SIGILL, SIGFPE and its
 * suspend/resume signal is kept: those signals, when raised by a fault of this
 * process or sent by this process to itself, go to the JVM's handler as before
 * ({@code chained}); only copies sent by other processes are caught.
 */
public final class CaughtSignals {
    /** si_code values from asm-generic/siginfo.h. */
    public static final int SI_USER = 0;
    /** Sent by the kernel on its own account: how a terminal sends Ctrl-C, Ctrl-\ and its hang-up. */
    public static final int SI_KERNEL = 0x80;
    public static final int SI_QUEUE = -1;
    public static final int SI_TKILL = -6;

    /** struct caught_signal of signals.c. */
    static final StructLayout RECORD = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("signo"),
            ValueLayout.JAVA_INT.withName("code"),
            ValueLayout.JAVA_INT.withName("pid"),
            ValueLayout.JAVA_INT.withName("uid"));
    private static final long SIGNO = RECORD.byteOffset(MemoryLayout.PathElement.groupElement("signo"));
    private static final long CODE = RECORD.byteOffset(MemoryLayout.PathElement.groupElement("code"));
    private static final long PID = RECORD.byteOffset(MemoryLayout.PathElement.groupElement("pid"));
    private static final long UID = RECORD.byteOffset(MemoryLayout.PathElement.groupElement("uid"));

    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int O_NONBLOCK = 0x800;

    /**
     * One signal as the handler saw it.
     *
     * @param signal    its number
     * @param code      its si_code
     * @param senderPid the sending process (si_pid), meaningful when {@link #sentByProcess()}
     * @param senderUid the sender's real user id (si_uid), likewise
     */
    public record Caught(int signal, int code, int senderPid, int senderUid) {
        /** The mark {@link #mark()} put, not a signal. */
        public boolean isMark() {
            return signal == 0;
        }

        /** Sent by a process with kill(2), sigqueue(3) or tgkill(2), rather than raised by the kernel. */
        public boolean sentByProcess() {
            return code == SI_USER || code == SI_QUEUE || code == SI_TKILL;
        }
    }

    private final int readEnd;
    private final int writeEnd;
    private final MemorySegment buffer;
    private final MemorySegment markRecord;

    private CaughtSignals(int readEnd, int writeEnd) {
        this.readEnd = readEnd;
        this.writeEnd = writeEnd;
        // One reader thread: a buffer of its own, for the life of the process.
        this.buffer = Arena.global().allocate(RECORD);
        this.markRecord = Arena.global().allocate(RECORD); // all zero: signal 0
    }

    /**
     * Loads {@code library} and catches every signal N with bit N-1 of
     * {@code caught} set (never 32 or 33, glibc's own). For those also in
     * {@code chained}, the JVM's handler keeps getting the copies raised by
     * this process itself.
     *
     * @throws LinuxException when the pipe or a handler cannot be set up
     */
    public static CaughtSignals install(Path library, long caught, long chained) {
        if ((caught & (3L << 31)) != 0) throw new IllegalArgumentException("signals 32 and 33 belong to glibc");
        // The library stays loaded for the life of the process: its handler is
        // installed for good, so its code must never be unmapped.
        SymbolLookup lookup = SymbolLookup.libraryLookup(library, Arena.global());
        MemorySegment function = lookup.find("timens_signals_catch")
                .orElseThrow(() -> new UnsatisfiedLinkError(library + " has no timens_signals_catch"));
        int[] pipe;
        try (Arena arena = Arena.ofConfined()) {
            pipe = Unistd.pipe2(arena.allocate(ValueLayout.JAVA_INT, 2), Unistd.O_CLOEXEC);
        }
        // The handler must never block in write: the thread it interrupts may hold
        // any lock. A full pipe drops the signal (as a second pending standard
        // signal would be); the reader blocks.
        long flags = Native.syscall(SyscallNumbers.FCNTL, pipe[1], F_GETFL, 0, 0, 0, 0);
        if (flags >= 0) flags = Native.syscall(SyscallNumbers.FCNTL, pipe[1], F_SETFL, flags | O_NONBLOCK, 0, 0, 0);
        if (flags < 0) throw new LinuxException("fcntl(O_NONBLOCK)", (int) -flags);
        // int timens_signals_catch(int fd, unsigned long caught, unsigned long chained)
        int result = (int) Native.call(function, Native.capture(), pipe[1], caught, chained, 0, 0, 0);
        if (result != 0) throw new LinuxException("sigaction", -result);
        return new CaughtSignals(pipe[0], pipe[1]);
    }

    /**
     * Puts a mark among the caught signals: {@link #next()} returns it, as
     * signal 0, after every signal whose handler had written its record by now.
     * Written as the handler writes, so the order is the order of the writes.
     *
     * @throws IllegalStateException when the pipe is full (the reader has
     *                               stopped reading a long time ago)
     */
    public void mark() {
        long n = Native.syscall(SyscallNumbers.WRITE, writeEnd, markRecord.address(), RECORD.byteSize(), 0, 0, 0);
        if (n != RECORD.byteSize()) throw new IllegalStateException("cannot mark the caught signals: " + n);
    }

    /** Waits for the next caught signal. Only one thread may call this. */
    public Caught next() {
        for (;;) {
            long n = Native.syscall(SyscallNumbers.READ, readEnd, buffer.address(), RECORD.byteSize(), 0, 0, 0);
            if (n == -Errno.EINTR) continue;
            if (n < 0) throw new LinuxException("read", (int) -n);
            // Records are written whole (16 bytes < PIPE_BUF), so they are read whole.
            if (n != RECORD.byteSize()) throw new IllegalStateException("short signal record: " + n + " bytes");
            return new Caught(buffer.get(ValueLayout.JAVA_INT, SIGNO), buffer.get(ValueLayout.JAVA_INT, CODE),
                    buffer.get(ValueLayout.JAVA_INT, PID), buffer.get(ValueLayout.JAVA_INT, UID));
        }
    }
}
