package dev.timens.ctl;

import dev.timens.linux.LinuxException;
import dev.timens.linux.Sockets;
import dev.timens.linux.Unistd;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A running namespace's control socket: {@code <dir>/<pid>.sock}, where
 * {@code pid} is timens's own, and for a named namespace a symbolic link
 * {@code <dir>/<name>.name} to it. Both are removed when it closes; a killed
 * timens leaves them behind, and the next one to look finds nobody listening
 * there and removes them ({@link ControlClient}).
 *
 * <p>Each connection carries one request and gets the answer ({@link Protocol}).
 * A peer that is neither the user who owns the control directory nor root
 * (SO_PEERCRED, taken by the kernel when it connected) gets {@code denied} and
 * nothing else. The sockets are the kernel's own ({@link Sockets}), not Java's
 * channels: an {@code exec} request carries timensctl's standard input, output
 * and error (SCM_RIGHTS).
 */
public final class ControlServer implements AutoCloseable {
    /** What the namespace answers; called on the server's threads, never the tracer's. */
    public interface Handler {
        /** The namespace as {@code timensctl list} shows it: {@link Protocol} key/value lines. */
        List<String> info();

        /**
         * Makes a change ({@link Protocol#SET}) to the namespace, or to the one
         * nested in it numbered {@code nested} (0: this one); null once it is
         * made, or the one line saying why not.
         */
        String set(int nested, String what, String argument);

        /**
         * Starts a command in the namespace, or in the one nested in it numbered
         * {@code nested} (0: this one), ({@link Protocol#EXEC}) for the peer on
         * {@code connection}, with {@code stdio} as its standard input, output
         * and error; null once handed over (the namespace answers the peer
         * itself), or the one line saying why not. The descriptors stay the
         * caller's to close.
         */
        String exec(int nested, int connection, int[] stdio, byte[] request);

        /**
         * As {@link #exec}, in a namespace nested in the one process {@code peerPid}
         * (the inner timens) is in ({@link Protocol#NEST}): {@code request} starts
         * with the nested namespace's clocks.
         */
        default String nest(int connection, int peerPid, int[] stdio, byte[] request) {
            return "this namespace cannot have one nested in it";
        }

        /**
         * Lets process {@code pid}, which {@code timensctl attach} took in, go back
         * to host time with what it started ({@link Protocol#RELEASE}); null once
         * they run on host time, or the one line saying why not.
         */
        default String release(int pid) {
            return "process " + pid + " was not attached: only a process timensctl attach took in can be detached";
        }

        /**
         * Takes running process {@code pid} (with {@code tree}, and what it
         * started before) into the namespace ({@link Protocol#JOIN}); null once
         * it reads the namespace's clocks, or why not, whose kind gives the
         * status: no such process, ptrace refused, or refused.
         */
        default ControlException join(int pid, boolean tree) {
            return new ControlException(ControlException.Kind.REFUSED, "this namespace takes no running process");
        }
    }

    private static final int MAX_REQUEST_LINE = 4096;

    private final int server;
    private final Path socket;
    private final Path nameLink;
    private final int owner;
    private final Handler handler;
    private volatile boolean closed;
    /** Connections being answered, which {@link #close} lets finish. */
    private int answering;

    private ControlServer(int server, Path socket, Path nameLink, int owner, Handler handler) {
        this.server = server;
        this.socket = socket;
        this.nameLink = nameLink;
        this.owner = owner;
        this.handler = handler;
    }

    /**
     * Serves {@code handler} at {@code dir/<pid>.sock} (a checked {@link ControlDirectory}),
     * named {@code name} (null: unnamed), from a daemon thread.
     *
     * @throws ControlException NAME_IN_USE when a live namespace of this user has that name
     */
    public static ControlServer start(Path dir, int pid, String name, Handler handler) throws ControlException {
        Path socket = dir.resolve(pid + ".sock");
        int server;
        int owner;
        try {
            owner = (int) Files.getAttribute(dir, "unix:uid");
            // A file of that name was left by a timens that had this pid and was killed.
            Files.deleteIfExists(socket);
            server = Sockets.listen(socket);
        } catch (IOException e) {
            throw new ControlException(ControlException.Kind.FAILED, "cannot serve the control socket " + socket + ": "
                    + ControlDirectory.reason(e), e);
        } catch (LinuxException | IllegalArgumentException e) {
            throw new ControlException(ControlException.Kind.FAILED, "cannot serve the control socket " + socket + ": "
                    + e.getMessage(), e);
        }
        Path link = null;
        try {
            if (name != null) link = claim(dir, name, socket);
        } catch (ControlException e) {
            close(server, socket, null);
            throw e;
        }
        ControlServer s = new ControlServer(server, socket, link, owner, handler);
        Thread.ofPlatform().daemon().name("timens-control").start(s::serve);
        return s;
    }

    /**
     * Links {@code dir/<name>.name} to this server's socket for a namespace nested
     * in its own; refused as {@link #start} refuses a name in use.
     */
    public void claimName(String name) throws ControlException {
        claim(socket.getParent(), name, socket);
    }

    /** Removes the link {@link #claimName} made for {@code name}, if it still points here. */
    public void releaseName(String name) {
        Path link = socket.resolveSibling(name + Protocol.NAME_SUFFIX);
        try {
            if (socket.equals(ControlClient.target(link))) Files.deleteIfExists(link);
        } catch (IOException e) {
            // gone already, or the directory went away: nothing holds the name
        }
    }

    /**
     * Links {@code dir/<name>.name} to {@code socket}; a link left by a namespace
     * no longer running, or to a running one none of whose namespaces (the
     * nested ones too) has the name any more, is replaced.
     */
    private static Path claim(Path dir, String name, Path socket) throws ControlException {
        Path link = dir.resolve(name + Protocol.NAME_SUFFIX);
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                Files.createSymbolicLink(link, socket.getFileName());
                return link;
            } catch (FileAlreadyExistsException e) {
                Path other = ControlClient.target(link);
                boolean live = other != null && ControlClient.listening(other);
                if (live && ControlClient.holds(other, name)) {
                    String pid = other.getFileName().toString().replace(Protocol.SOCKET_SUFFIX, "");
                    throw new ControlException(ControlException.Kind.NAME_IN_USE, "the name '" + name
                            + "' is in use by a running namespace (timens pid " + pid + ")");
                }
                // A running timens whose nested namespace had the name keeps its socket.
                ControlClient.removeStale(link, live ? null : other);
            } catch (IOException e) {
                throw new ControlException(ControlException.Kind.FAILED, "cannot name the namespace: cannot create "
                        + link + ": " + ControlDirectory.reason(e), e);
            }
        }
        throw new ControlException(ControlException.Kind.NAME_IN_USE, "the name '" + name + "' is being taken by another"
                + " timens at this moment");
    }

    private void serve() {
        try {
            acceptAll();
        } finally {
            Unistd.close(server);
        }
    }

    private void acceptAll() {
        while (!closed) {
            int peer = Sockets.accept(server);
            if (peer < 0) {
                if (closed) return;
                // EMFILE and the like: the peer waits in the backlog; so do we, briefly.
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                continue;
            }
            // Platform threads: the calls below block in the kernel, which would pin a virtual one.
            synchronized (this) {
                answering++;
            }
            Thread.ofPlatform().daemon().name("timens-control-peer").start(() -> {
                try {
                    answer(peer);
                } finally {
                    synchronized (this) {
                        answering--;
                        notifyAll();
                    }
                }
            });
        }
    }

    private void answer(int peer) {
        List<Integer> passed = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            // Read first, even from a peer that will be refused: closing on a request
            // not yet read would make its write fail, and it would never see why.
            MemorySegment buffer = arena.allocate(MAX_REQUEST_LINE);
            int length = 0;
            int newline = -1;
            while (newline < 0 && length < MAX_REQUEST_LINE) {
                Sockets.Received r = Sockets.receive(peer, buffer.asSlice(length));
                for (int fd : r.fds()) passed.add(fd);
                if (r.length() == 0) break;
                for (int i = length; i < length + r.length() && newline < 0; i++) {
                    if (buffer.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) == '\n') newline = i;
                }
                length += r.length();
            }
            byte[] bytes = buffer.asSlice(0, length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            Sockets.Peer credentials = Sockets.peer(peer);
            int uid = credentials.uid();
            if (uid != owner && uid != 0) {
                write(peer, List.of(Protocol.DENIED + " uid " + uid));
                return;
            }
            if (newline < 0) return;
            String request = new String(bytes, 0, newline, StandardCharsets.UTF_8);
            int nested = 0;
            java.util.regex.Matcher in = Protocol.IN_NESTED.matcher(request);
            if (in.lookingAt()) {
                nested = Integer.parseInt(in.group(1));
                request = request.substring(in.end());
            }
            String verb = request.startsWith(Protocol.EXEC + " ") ? Protocol.EXEC
                    : request.startsWith(Protocol.NEST + " ") ? Protocol.NEST : null;
            if (verb != null) {
                if (uid != owner) {
                    // Root's terminal and environment must not go to a process another user controls.
                    write(peer, List.of(Protocol.DENIED + " " + verb + " runs as the namespace's user: only that user"
                            + " may ask"));
                    return;
                }
                byte[] rest = Arrays.copyOfRange(bytes, newline + 1, length);
                String refusal = nested != 0 && verb.equals(Protocol.NEST) ? "malformed nest request"
                        : start(peer, credentials.pid(), nested, verb, request, rest, passed);
                if (refusal != null) write(peer, List.of(Protocol.REFUSED + " " + refusal.replace('\n', ' ')));
                return;
            }
            write(peer, Protocol.answer(nested, request, handler));
        } catch (RuntimeException e) {
            // The peer went away, or asked nonsense: nothing to tell anyone.
        } finally {
            for (int fd : passed) Unistd.close(fd);
            Unistd.close(peer);
        }
    }

    /** {@code exec LENGTH} or {@code nest LENGTH}, of which {@code start} came with the line: the rest is read here. */
    private String start(int peer, int peerPid, int nested, String verb, String request, byte[] start,
                         List<Integer> passed) {
        int length;
        try {
            length = Integer.parseInt(request.substring(verb.length() + 1));
        } catch (NumberFormatException e) {
            return "malformed " + verb + " request";
        }
        if (length <= 0 || length > Protocol.MAX_EXEC_REQUEST || start.length > length) {
            return "malformed " + verb + " request";
        }
        if (passed.size() != 3) return "a " + verb + " request carries standard input, output and error";
        byte[] payload = Arrays.copyOf(start, length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rest = arena.allocate(Math.max(1, length - start.length));
            if (length > start.length) {
                if (!Unistd.readFully(peer, rest.asSlice(0, length - start.length))) return "truncated " + verb + " request";
                MemorySegment.copy(rest, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, payload, start.length,
                        length - start.length);
            }
        }
        int[] stdio = passed.stream().mapToInt(Integer::intValue).toArray();
        return verb.equals(Protocol.EXEC) ? handler.exec(nested, peer, stdio, payload)
                : handler.nest(peer, peerPid, stdio, payload);
    }

    private static void write(int peer, List<String> lines) {
        Sockets.send(peer, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Stops serving and removes the socket and the name; waits a moment for the
     * answers being written (a {@code release} answered as the namespace ends).
     */
    @Override
    public void close() {
        closed = true;
        // The serving thread closes the socket once out of accept: closed here, its
        // number could be another file's by the time that thread calls accept again.
        Sockets.stopAccepting(server);
        removeFiles(socket, nameLink);
        long until = System.nanoTime() + CLOSE_LIMIT_NANOS;
        synchronized (this) {
            for (long left = CLOSE_LIMIT_NANOS; answering > 0 && left > 0; left = until - System.nanoTime()) {
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** How long {@link #close} waits for answers being written. */
    private static final long CLOSE_LIMIT_NANOS = 2_000_000_000L;

    private static void close(int server, Path socket, Path nameLink) {
        Unistd.close(server);
        removeFiles(socket, nameLink);
    }

    private static void removeFiles(Path socket, Path nameLink) {
        try {
            if (nameLink != null && socket.equals(ControlClient.target(nameLink))) {
                Files.deleteIfExists(nameLink);
            }
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // left behind: the next timensctl finds it stale and removes it
        }
    }
}
