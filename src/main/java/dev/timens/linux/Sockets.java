package dev.timens.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.timens.linux.Native.INT;

/** Unix socket pairs, from sys/socket.h. */
public final class Sockets {
    private Sockets() {}

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;

    /** A connected pair of close-on-exec Unix stream sockets. */
    public static int[] streamPair() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(INT, 2);
            long result = Native.syscall(SyscallNumbers.SOCKETPAIR, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
                    fds.address(), 0, 0);
            if (result != 0) throw new LinuxException("socketpair", (int) -result);
            return new int[] {fds.get(INT, 0), fds.get(INT, 4)};
        }
    }
}
