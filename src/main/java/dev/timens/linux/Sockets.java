package dev.timens.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static dev.timens.linux.Native.INT;
import static dev.timens.linux.Native.LONG;

/**
 * Unix stream sockets, from sys/socket.h and sys/un.h, with what Java's own
 * channels cannot do: pass descriptors (SCM_RIGHTS) and tell the peer's pid
 * (SO_PEERCRED). Every descriptor made here is close-on-exec.
 */
public final class Sockets {
    private Sockets() {}

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_PEERCRED = 17;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int MSG_CTRUNC = 0x8;
    private static final int SHUT_RD = 0;
    private static final int BACKLOG = 64;
    /** sizeof(sun_path): a socket's path, its terminating NUL included, fits in it. */
    private static final int SUN_PATH = 108;

    /** struct msghdr. */
    private static final StructLayout MSGHDR = MemoryLayout.structLayout(
            LONG.withName("msg_name"), INT.withName("msg_namelen"), MemoryLayout.paddingLayout(4),
            LONG.withName("msg_iov"), LONG.withName("msg_iovlen"), LONG.withName("msg_control"),
            LONG.withName("msg_controllen"), INT.withName("msg_flags"), MemoryLayout.paddingLayout(4));
    private static final VarHandle MSG_IOV = field(MSGHDR, "msg_iov");
    private static final VarHandle MSG_IOVLEN = field(MSGHDR, "msg_iovlen");
    private static final VarHandle MSG_CONTROL = field(MSGHDR, "msg_control");
    private static final VarHandle MSG_CONTROLLEN = field(MSGHDR, "msg_controllen");
    private static final VarHandle MSG_FLAGS = field(MSGHDR, "msg_flags");
    /** struct cmsghdr; the data follows it, 8-aligned. */
    private static final StructLayout CMSGHDR = MemoryLayout.structLayout(
            LONG.withName("cmsg_len"), INT.withName("cmsg_level"), INT.withName("cmsg_type"));
    private static final VarHandle CMSG_LEN = field(CMSGHDR, "cmsg_len");
    private static final VarHandle CMSG_LEVEL = field(CMSGHDR, "cmsg_level");
    private static final VarHandle CMSG_TYPE = field(CMSGHDR, "cmsg_type");
    /** struct ucred. */
    private static final StructLayout UCRED = MemoryLayout.structLayout(
            INT.withName("pid"), INT.withName("uid"), INT.withName("gid"));
    /** The most descriptors one message carries here. */
    public static final int MAX_FDS = 8;

    private static VarHandle field(StructLayout layout, String name) {
        return layout.varHandle(MemoryLayout.PathElement.groupElement(name));
    }

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

    /** A socket bound to {@code path} and listening; the file must not exist. */
    public static int listen(Path path) {
        int fd = socket();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = address(arena, path);
            long bound = Native.syscall(SyscallNumbers.BIND, fd, address.address(), address.byteSize(), 0, 0, 0);
            if (bound != 0) throw new LinuxException("bind " + path, (int) -bound);
            long listening = Native.syscall(SyscallNumbers.LISTEN, fd, BACKLOG, 0, 0, 0, 0);
            if (listening != 0) throw new LinuxException("listen " + path, (int) -listening);
            return fd;
        } catch (LinuxException e) {
            Unistd.close(fd);
            throw e;
        }
    }

    /** The next connection to listening socket {@code fd}; -errno when there is none (EINVAL once shut down). */
    public static int accept(int fd) {
        for (;;) {
            long peer = Native.syscall(SyscallNumbers.ACCEPT4, fd, 0, 0, SOCK_CLOEXEC, 0, 0);
            if (peer != -Errno.EINTR && peer != -Errno.ECONNABORTED) return (int) peer;
        }
    }

    /** Wakes a thread waiting in {@link #accept} on {@code fd}, which then returns EINVAL. */
    public static void stopAccepting(int fd) {
        Native.syscall(SyscallNumbers.SHUTDOWN, fd, SHUT_RD, 0, 0, 0, 0);
    }

    /** A socket connected to {@code path}; LinuxException (ECONNREFUSED: nobody listens there) otherwise. */
    public static int connect(Path path) {
        int fd = socket();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = address(arena, path);
            long result;
            do {
                result = Native.syscall(SyscallNumbers.CONNECT, fd, address.address(), address.byteSize(), 0, 0, 0);
            } while (result == -Errno.EINTR);
            if (result != 0) throw new LinuxException("connect " + path, (int) -result);
            return fd;
        } catch (LinuxException e) {
            Unistd.close(fd);
            throw e;
        }
    }

    /** Who is at the other end of connected socket {@code fd}, as the kernel took it at connect time. */
    public record Peer(int pid, int uid, int gid) {}

    public static Peer peer(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cred = arena.allocate(UCRED);
            MemorySegment length = arena.allocate(INT);
            length.set(INT, 0, (int) UCRED.byteSize());
            long result = Native.syscall(SyscallNumbers.GETSOCKOPT, fd, SOL_SOCKET, SO_PEERCRED, cred.address(),
                    length.address(), 0);
            if (result != 0) throw new LinuxException("getsockopt(SO_PEERCRED)", (int) -result);
            return new Peer(cred.get(INT, 0), cred.get(INT, 4), cred.get(INT, 8));
        }
    }

    /**
     * Sends all of {@code data} on {@code fd}, {@code fds} (at most
     * {@link #MAX_FDS}) riding with its first byte; no SIGPIPE (EPIPE instead).
     */
    public static void send(int fd, byte[] data, int... fds) {
        if (fds.length > MAX_FDS || data.length == 0) throw new IllegalArgumentException("bad message");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(data.length);
            MemorySegment.copy(MemorySegment.ofArray(data), 0, bytes, 0, data.length);
            MemorySegment iov = arena.allocate(Uio.IOVEC);
            MemorySegment msg = arena.allocate(MSGHDR);
            long controlSize = fds.length == 0 ? 0 : controlSpace(fds.length);
            if (fds.length > 0) {
                MemorySegment control = arena.allocate(controlSize, 8);
                CMSG_LEN.set(control, 0L, CMSGHDR.byteSize() + 4L * fds.length);
                CMSG_LEVEL.set(control, 0L, SOL_SOCKET);
                CMSG_TYPE.set(control, 0L, SCM_RIGHTS);
                for (int i = 0; i < fds.length; i++) control.set(INT, CMSGHDR.byteSize() + 4L * i, fds[i]);
                MSG_CONTROL.set(msg, 0L, control.address());
                MSG_CONTROLLEN.set(msg, 0L, controlSize);
            }
            long done = 0;
            while (done < data.length) {
                iov.set(LONG, 0, bytes.address() + done);
                iov.set(LONG, 8, data.length - done);
                MSG_IOV.set(msg, 0L, iov.address());
                MSG_IOVLEN.set(msg, 0L, 1L);
                long n = Native.syscall(SyscallNumbers.SENDMSG, fd, msg.address(), MSG_NOSIGNAL, 0, 0, 0);
                if (n == -Errno.EINTR) continue;
                if (n < 0) throw new LinuxException("sendmsg", (int) -n);
                done += n;
                // The descriptors went with the first part.
                MSG_CONTROL.set(msg, 0L, 0L);
                MSG_CONTROLLEN.set(msg, 0L, 0L);
            }
        }
    }

    /** What one {@link #receive} got: {@code length} bytes (0: end of file), and the descriptors that came with them. */
    public record Received(int length, int[] fds) {}

    /**
     * Receives up to {@code into.byteSize()} bytes from {@code fd}, with the
     * descriptors that rode with them (close-on-exec; at most {@link #MAX_FDS},
     * LinuxException EMSGSIZE when more came, all closed).
     */
    public static Received receive(int fd, MemorySegment into) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment iov = arena.allocate(Uio.IOVEC);
            iov.set(LONG, 0, into.address());
            iov.set(LONG, 8, into.byteSize());
            MemorySegment msg = arena.allocate(MSGHDR);
            long controlSize = controlSpace(MAX_FDS);
            MemorySegment control = arena.allocate(controlSize, 8);
            long n;
            do {
                MSG_IOV.set(msg, 0L, iov.address());
                MSG_IOVLEN.set(msg, 0L, 1L);
                MSG_CONTROL.set(msg, 0L, control.address());
                MSG_CONTROLLEN.set(msg, 0L, controlSize);
                n = Native.syscall(SyscallNumbers.RECVMSG, fd, msg.address(), MSG_CMSG_CLOEXEC, 0, 0, 0);
            } while (n == -Errno.EINTR);
            if (n < 0) throw new LinuxException("recvmsg", (int) -n);
            int[] fds = descriptors(control, (long) MSG_CONTROLLEN.get(msg, 0L));
            if (((int) MSG_FLAGS.get(msg, 0L) & MSG_CTRUNC) != 0) {
                for (int passed : fds) Unistd.close(passed);
                throw new LinuxException("recvmsg: too many descriptors", Errno.EMSGSIZE);
            }
            return new Received((int) n, fds);
        }
    }

    private static int[] descriptors(MemorySegment control, long length) {
        java.util.List<Integer> fds = new java.util.ArrayList<>();
        long at = 0;
        while (at + CMSGHDR.byteSize() <= length) {
            MemorySegment header = control.asSlice(at);
            long cmsgLength = (long) CMSG_LEN.get(header, 0L);
            if (cmsgLength < CMSGHDR.byteSize() || at + cmsgLength > length) break;
            if ((int) CMSG_LEVEL.get(header, 0L) == SOL_SOCKET && (int) CMSG_TYPE.get(header, 0L) == SCM_RIGHTS) {
                for (long i = CMSGHDR.byteSize(); i + 4 <= cmsgLength; i += 4) fds.add(header.get(INT, i));
            }
            at += (cmsgLength + 7) & ~7L;
        }
        return fds.stream().mapToInt(Integer::intValue).toArray();
    }

    /** CMSG_SPACE for {@code count} descriptors. */
    private static long controlSpace(int count) {
        return CMSGHDR.byteSize() + ((4L * count + 7) & ~7L);
    }

    private static int socket() {
        long fd = Native.syscall(SyscallNumbers.SOCKET, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0);
        if (fd < 0) throw new LinuxException("socket", (int) -fd);
        return (int) fd;
    }

    /** struct sockaddr_un for {@code path}; IllegalArgumentException when the path is too long for it. */
    private static MemorySegment address(Arena arena, Path path) {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH) {
            throw new IllegalArgumentException("socket path too long (" + name.length + " bytes, at most "
                    + (SUN_PATH - 1) + "): " + path);
        }
        MemorySegment address = arena.allocate(2 + SUN_PATH);
        address.set(Native.SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(MemorySegment.ofArray(name), 0, address, 2, name.length);
        return address.asSlice(0, 2 + name.length + 1);
    }
}
