package dev.timens.linux;

import dev.timens.engine.SyscallNumbers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.timens.linux.Native.INT;
import static dev.timens.linux.Native.LONG;

/** Unix socket pairs and descriptor passing (SCM_RIGHTS), from sys/socket.h. */
public final class Sockets {
    private Sockets() {}

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;

    // struct msghdr on x86_64: name, namelen (+4 padding), iov, iovlen, control, controllen, flags.
    private static final long MSGHDR_SIZE = 56;
    private static final long MSG_IOV = 16;
    private static final long MSG_IOVLEN = 24;
    private static final long MSG_CONTROL = 32;
    private static final long MSG_CONTROLLEN = 40;
    private static final long MSG_FLAGS = 48;
    private static final int MSG_CTRUNC = 8;
    // struct cmsghdr: size_t len, int level, int type, then the data; CMSG_SPACE(sizeof(int)) = 24.
    private static final long CMSG_SPACE_ONE_FD = 24;
    private static final long CMSG_LEVEL = 8;
    private static final long CMSG_TYPE = 12;
    private static final long CMSG_DATA = 16;
    private static final long CMSG_LEN_ONE_FD = 20;

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

    /**
     * Receives one message of at least one byte carrying one descriptor on
     * {@code socket}, blocking; the descriptor arrives close-on-exec. Returns it,
     * or -1 when the peer closed the socket without sending one.
     */
    public static int receiveDescriptor(int socket) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment byteBuffer = arena.allocate(1);
            MemorySegment iov = arena.allocate(16, 8);
            iov.set(LONG, 0, byteBuffer.address());
            iov.set(LONG, 8, 1);
            MemorySegment control = arena.allocate(CMSG_SPACE_ONE_FD, 8);
            MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
            msg.set(LONG, MSG_IOV, iov.address());
            msg.set(LONG, MSG_IOVLEN, 1);
            msg.set(LONG, MSG_CONTROL, control.address());
            msg.set(LONG, MSG_CONTROLLEN, CMSG_SPACE_ONE_FD);
            long n;
            do {
                n = Native.syscall(SyscallNumbers.RECVMSG, socket, msg.address(), MSG_CMSG_CLOEXEC, 0, 0, 0);
            } while (n == -Errno.EINTR);
            if (n < 0) throw new LinuxException("recvmsg", (int) -n);
            if (n == 0) return -1;
            int flags = msg.get(INT, MSG_FLAGS);
            if (msg.get(LONG, MSG_CONTROLLEN) < CMSG_LEN_ONE_FD || control.get(INT, CMSG_LEVEL) != SOL_SOCKET
                    || control.get(INT, CMSG_TYPE) != SCM_RIGHTS || control.get(LONG, 0) != CMSG_LEN_ONE_FD) {
                throw new IllegalStateException("the message (" + n + " bytes) carried no descriptor"
                        + ((flags & MSG_CTRUNC) != 0 ? " (MSG_CTRUNC: it could not be received)" : ""));
            }
            return control.get(INT, CMSG_DATA);
        }
    }
}
