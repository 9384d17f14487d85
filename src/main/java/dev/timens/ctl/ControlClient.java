package dev.timens.ctl;

import dev.timens.linux.LinuxException;
import dev.timens.linux.Sockets;
import dev.timens.linux.Unistd;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * timensctl's side of the control sockets in a {@link ControlDirectory}.
 *
 * <p>A socket nobody listens on (connect fails with ECONNREFUSED: its timens was
 * killed) is stale: it is removed, with the name links that point at it, and never
 * counted as a namespace. So is a name link whose socket is gone.
 */
public final class ControlClient {
    /** A live namespace: its socket and what it said about itself. */
    /**
     * A live namespace: the control socket of its outermost timens, what that
     * answered to {@code info}, and which namespace of that tree is meant
     * ({@code nested}: its number in the tree, 0 the outermost).
     */
    public record Found(Path socket, Protocol.Info info, int nested) {
        public Found(Path socket, Protocol.Info info) {
            this(socket, info, 0);
        }
    }

    private ControlClient() {}

    /** Every live namespace in {@code dir}, by timens pid; stale files are removed on the way. */
    public static List<Found> list(Path dir) throws ControlException {
        List<Path> sockets = new ArrayList<>();
        List<Path> links = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String n = f.getFileName().toString();
                if (n.endsWith(Protocol.SOCKET_SUFFIX)) sockets.add(f);
                else if (n.endsWith(Protocol.NAME_SUFFIX)) links.add(f);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ControlException(ControlException.Kind.FAILED, "cannot read the control directory " + dir + ": "
                    + e.getMessage(), e);
        }
        sockets.sort(java.util.Comparator.comparingLong(ControlClient::pidOf));
        List<Found> found = new ArrayList<>();
        for (Path socket : sockets) {
            List<String> answer;
            try {
                answer = request(socket, Protocol.INFO);
            } catch (ConnectException e) {
                removeStale(null, socket);
                continue;
            } catch (IOException e) {
                continue; // gone meanwhile, or not ours to reach: not a namespace we can show
            }
            if (!answer.isEmpty() && answer.getFirst().startsWith(Protocol.DENIED)) {
                throw new ControlException(ControlException.Kind.PERMISSION_DENIED, "namespace " + socket.getFileName()
                        + " refused this user (only its owner and root may control it)");
            }
            try {
                found.add(new Found(socket, Protocol.Info.parse(answer)));
            } catch (IllegalArgumentException e) {
                // ended while answering
            }
        }
        for (Path link : links) {
            Path target = target(link);
            if (target == null || !Files.exists(target)) removeStale(link, null);
        }
        return found;
    }

    /**
     * The live namespace {@code target} names: a --name, the pid of a timens (the
     * namespace it made, nested or not) or the pid of any process in it; either
     * followed by {@code /N} for the namespace numbered N nested in that tree.
     */
    public static Found find(Path dir, String target) throws ControlException {
        int slash = target.indexOf('/');
        String nameOrPid = slash < 0 ? target : target.substring(0, slash);
        boolean pid = nameOrPid.matches("[0-9]{1,10}");
        for (Found f : list(dir)) {
            Protocol.Info i = f.info();
            int nested = -1;
            if (pid) {
                int p = (int) Math.min(Long.parseLong(nameOrPid), Integer.MAX_VALUE);
                if (p == i.timensPid() || i.pids().contains(p)) nested = 0;
                for (Protocol.Nested n : i.nested()) {
                    if (p == n.timensPid() || n.pids().contains(p)) nested = n.id();
                }
            } else if (nameOrPid.equals(i.name())) {
                nested = 0;
            } else {
                for (Protocol.Nested n : i.nested()) {
                    if (nameOrPid.equals(n.name())) nested = n.id();
                }
            }
            if (nested < 0) continue;
            if (slash < 0) return new Found(f.socket(), i, nested);
            String number = target.substring(slash + 1);
            for (Protocol.Nested n : i.nested()) {
                if (number.equals(Integer.toString(n.id()))) return new Found(f.socket(), i, n.id());
            }
            throw new ControlException(ControlException.Kind.NO_SUCH_NAMESPACE, "namespace " + nameOrPid
                    + " has no nested namespace " + number + " with processes (see timensctl list)");
        }
        throw new ControlException(ControlException.Kind.NO_SUCH_NAMESPACE, "no running namespace of this user "
                + (pid ? "has process " + nameOrPid : "is named '" + nameOrPid + "'"));
    }

    /** Asks {@code namespace} to make a change ({@link Protocol#SET}). */
    public static void set(Found namespace, String what, String argument) throws ControlException {
        ask(namespace, Protocol.in(namespace.nested()) + Protocol.SET + " " + what + " " + argument);
    }

    /**
     * Asks {@code namespace} to let process {@code pid}, which {@code timensctl
     * attach} took in, go back to host time ({@link Protocol#RELEASE}); returns
     * once it runs on host time.
     */
    public static void release(Found namespace, int pid) throws ControlException {
        ask(namespace, Protocol.RELEASE + " " + pid);
    }

    /**
     * Asks {@code namespace} to take running process {@code pid} in (with
     * {@code tree}, what it started before too) ({@link Protocol#JOIN});
     * returns once it reads the namespace's clocks.
     */
    public static void join(Found namespace, int pid, boolean tree) throws ControlException {
        ask(namespace, Protocol.JOIN + " " + pid + (tree ? " tree" : ""));
    }

    /** Sends {@code line}, whose answer is {@code ok} or a refusal: returns on ok, throws the refusal. */
    private static void ask(Found namespace, String line) throws ControlException {
        List<String> answer;
        try {
            answer = request(namespace.socket(), line);
        } catch (IOException e) {
            throw new ControlException(ControlException.Kind.NO_SUCH_NAMESPACE, "namespace "
                    + namespace.socket().getFileName() + " ended before it answered");
        }
        String first = answer.isEmpty() ? "" : answer.getFirst();
        if (first.equals(Protocol.OK)) return;
        if (first.startsWith(Protocol.REFUSED + " ")) {
            throw new ControlException(ControlException.Kind.REFUSED, first.substring(Protocol.REFUSED.length() + 1));
        }
        if (first.startsWith(Protocol.FORBIDDEN + " ")) {
            throw new ControlException(ControlException.Kind.PERMISSION_DENIED,
                    first.substring(Protocol.FORBIDDEN.length() + 1));
        }
        if (first.startsWith(Protocol.FAILED + " ")) {
            throw new ControlException(ControlException.Kind.FAILED, first.substring(Protocol.FAILED.length() + 1));
        }
        if (first.startsWith(Protocol.NO_PROCESS + " ")) {
            throw new ControlException(ControlException.Kind.NO_SUCH_NAMESPACE,
                    first.substring(Protocol.NO_PROCESS.length() + 1));
        }
        if (first.startsWith(Protocol.DENIED)) {
            throw new ControlException(ControlException.Kind.PERMISSION_DENIED, "the namespace refused this user");
        }
        if (first.isEmpty()) {
            throw new ControlException(ControlException.Kind.NO_SUCH_NAMESPACE, "namespace "
                    + namespace.socket().getFileName() + " ended before it answered");
        }
        throw new ControlException(ControlException.Kind.FAILED, "unexpected answer: " + first);
    }

    /**
     * A command that {@link #exec} started in a namespace: its pid there, the
     * signals to send it, and its end.
     */
    public static final class Joined {
        private final int connection;
        private final Lines lines;
        private final int pid;
        private boolean closed;

        private Joined(int connection, Lines lines, int pid) {
            this.connection = connection;
            this.lines = lines;
            this.pid = pid;
        }

        public int pid() {
            return pid;
        }

        /** Asks the namespace to send {@code signal} to the command; false when it has ended. */
        public synchronized boolean signal(int signal) {
            if (closed) return false;
            try {
                Sockets.send(connection, ("signal " + signal + "\n").getBytes(StandardCharsets.UTF_8));
                return true;
            } catch (LinuxException e) {
                return false;
            }
        }

        /**
         * Waits for the command's end: its exit status as a shell reports it
         * (128 + N when signal N killed it).
         *
         * @throws ControlException REFUSED when the namespace's door went away first
         */
        public int awaitEnd() throws ControlException {
            try {
                String line = lines.next();
                if (line != null && line.matches("exit [0-9]{1,3}")) return Integer.parseInt(line.substring(5));
                if (line != null && line.matches("killed [0-9]{1,2}( core)?")) {
                    return 128 + Integer.parseInt(line.split(" ")[1]);
                }
                throw new ControlException(ControlException.Kind.FAILED, line == null
                        ? "the namespace lost track of the command (pid " + pid + ")" : "unexpected answer: " + line);
            } finally {
                synchronized (this) {
                    closed = true; // before the number can be another file's
                    Unistd.close(connection);
                }
            }
        }
    }

    /** Why {@link #exec}'s command did not start: {@code line} to show, exit {@code status} (126, 127, 125). */
    public static final class NotStarted extends Exception {
        private final int status;

        NotStarted(int status, String line) {
            super(line, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /**
     * Starts a command in {@code namespace} ({@link Protocol#EXEC}, or
     * {@link Protocol#NEST} for a nested namespace, with {@code payload}) that
     * has this process's standard input, output and error, and returns once it
     * runs.
     */
    public static Joined exec(Found namespace, String verb, byte[] payload) throws ControlException, NotStarted {
        return exec(namespace, verb, payload, standardDescriptors());
    }

    /**
     * As {@link #exec(Found, String, byte[])}, with {@code stdio} as the
     * command's standard input, output and error; those above 2 are closed here
     * once sent.
     */
    public static Joined exec(Found namespace, String verb, byte[] payload, int[] stdio)
            throws ControlException, NotStarted {
        int connection;
        try {
            connection = Sockets.connect(namespace.socket());
        } catch (LinuxException | IllegalArgumentException e) {
            throw ended(namespace);
        }
        boolean started = false;
        try {
            byte[] head = (Protocol.in(namespace.nested()) + verb + " " + payload.length + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            byte[] message = java.util.Arrays.copyOf(head, head.length + payload.length);
            System.arraycopy(payload, 0, message, head.length, payload.length);
            try {
                Sockets.send(connection, message, stdio);
            } catch (LinuxException e) {
                throw ended(namespace);
            } finally {
                java.util.Arrays.stream(stdio).filter(fd -> fd > 2).distinct().forEach(Unistd::close);
            }
            Lines lines = new Lines(connection);
            String first = lines.next();
            if (first == null) {
                throw new ControlException(ControlException.Kind.REFUSED, "the namespace ended before the command"
                        + " started");
            }
            if (first.matches("pid [0-9]{1,10}")) {
                started = true;
                return new Joined(connection, lines, Integer.parseInt(first.substring(4)));
            }
            if (first.matches("failed [0-9]{1,3} .*")) {
                int space = first.indexOf(' ', 7);
                throw new NotStarted(Integer.parseInt(first.substring(7, space)), first.substring(space + 1));
            }
            String taken = Protocol.REFUSED + " " + Protocol.NAME_TAKEN + " ";
            if (first.startsWith(taken)) {
                throw new ControlException(ControlException.Kind.NAME_IN_USE, first.substring(taken.length()));
            }
            if (first.startsWith(Protocol.REFUSED + " ")) {
                throw new ControlException(ControlException.Kind.REFUSED, first.substring(Protocol.REFUSED.length() + 1));
            }
            if (first.startsWith(Protocol.DENIED)) {
                throw new ControlException(ControlException.Kind.PERMISSION_DENIED, "the namespace refused this user");
            }
            throw new ControlException(ControlException.Kind.FAILED, "unexpected answer: " + first);
        } finally {
            if (!started) Unistd.close(connection);
        }
    }

    /**
     * Descriptors 0, 1 and 2 for the command: this process's own, or /dev/null
     * (a descriptor of its own, to be closed) for one that is closed, as a shell
     * started with {@code <&-} has it.
     */
    private static int[] standardDescriptors() {
        int[] stdio = {0, 1, 2};
        for (int fd = 0; fd <= 2; fd++) {
            if (Unistd.isOpen(fd)) continue;
            stdio[fd] = Unistd.openDevNull();
        }
        return stdio;
    }

    private static ControlException ended(Found namespace) {
        return new ControlException(ControlException.Kind.NO_SUCH_NAMESPACE, "namespace "
                + namespace.socket().getFileName() + " ended before it answered");
    }

    /** The lines a connection answers, read as they come. */
    private static final class Lines {
        private final int fd;
        private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
        private final java.lang.foreign.MemorySegment buffer = java.lang.foreign.Arena.ofAuto().allocate(512);

        Lines(int fd) {
            this.fd = fd;
        }

        /** The next line, without its newline; null at the end of the connection. */
        String next() {
            for (;;) {
                byte[] have = pending.toByteArray();
                for (int i = 0; i < have.length; i++) {
                    if (have[i] == '\n') {
                        pending.reset();
                        pending.write(have, i + 1, have.length - i - 1);
                        return new String(have, 0, i, StandardCharsets.UTF_8);
                    }
                }
                Sockets.Received r;
                try {
                    r = Sockets.receive(fd, buffer);
                } catch (LinuxException e) {
                    return null; // ECONNRESET: as the end
                }
                for (int passed : r.fds()) Unistd.close(passed);
                if (r.length() == 0) return null;
                pending.write(buffer.asSlice(0, r.length()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), 0,
                        r.length());
            }
        }
    }

    /** Sends one request line to {@code socket}; its answer's lines. ConnectException: nobody listens there. */
    static List<String> request(Path socket, String line) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) channel.write(out);
            channel.shutdownOutput();
            var bytes = new java.io.ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(8192);
            while (channel.read(in) >= 0) {
                bytes.write(in.array(), 0, in.position());
                in.clear();
            }
            String text = bytes.toString(StandardCharsets.UTF_8);
            return text.isEmpty() ? List.of() : List.of(text.split("\n"));
        }
    }

    /** Whether a timens listens at {@code socket}. */
    /**
     * Whether the namespace served at {@code socket}, or one nested in it, has
     * --name {@code name} (asking retires its ended nested namespaces); true when
     * it does not answer, so that a name is never taken from a live holder.
     */
    static boolean holds(Path socket, String name) {
        try {
            Protocol.Info i = Protocol.Info.parse(request(socket, Protocol.INFO));
            return name.equals(i.name()) || i.nested().stream().anyMatch(n -> name.equals(n.name()));
        } catch (IOException | IllegalArgumentException e) {
            return true;
        }
    }

    static boolean listening(Path socket) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Where name link {@code link} points (resolved in its directory), or null when it is no link. */
    static Path target(Path link) {
        try {
            return link.resolveSibling(Files.readSymbolicLink(link));
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** Removes a stale {@code socket} and the name links to it, or just a stale {@code link}. */
    static void removeStale(Path link, Path socket) {
        try {
            if (socket != null) {
                try (var files = Files.list(socket.getParent())) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        if (f.getFileName().toString().endsWith(Protocol.NAME_SUFFIX) && socket.equals(target(f))) {
                            Files.deleteIfExists(f);
                        }
                    }
                }
                Files.deleteIfExists(socket);
            }
            if (link != null) Files.deleteIfExists(link);
        } catch (IOException | java.io.UncheckedIOException e) {
            // someone else cleaned up first
        }
    }

    private static long pidOf(Path socket) {
        String n = socket.getFileName().toString();
        try {
            return Long.parseLong(n.substring(0, n.length() - Protocol.SOCKET_SUFFIX.length()));
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }
}
