package dev.timens.ctl;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;

/**
 * A running namespace's control socket: {@code <dir>/<pid>.sock}, where
 * {@code pid} is timens's own, and for a named namespace a symbolic link
 * {@code <dir>/<name>.name} to it. Both are removed when it closes; a killed
 * timens leaves them behind, and the next one to look finds nobody listening
 * there and removes them ({@link ControlClient}).
 *
 * <p>Each connection carries one request line and gets the answer
 * ({@link Protocol}). A peer that is neither the user who owns the control
 * directory nor root (SO_PEERCRED, taken by the kernel when it connected) gets
 * {@code denied} and nothing else.
 */
public final class ControlServer implements AutoCloseable {
    /** What the namespace answers; called on the server's threads, never the tracer's. */
    public interface Handler {
        /** The namespace as {@code timensctl list} shows it: {@link Protocol} key/value lines. */
        List<String> info();

        /** Makes a change ({@link Protocol#SET}); null once it is made, or the one line saying why not. */
        String set(String what, String argument);
    }

    private static final int MAX_REQUEST = 4096;

    private final ServerSocketChannel server;
    private final Path socket;
    private final Path nameLink;
    private final UserPrincipal owner;
    private final UserPrincipal root;
    private final Handler handler;
    private volatile boolean closed;

    private ControlServer(ServerSocketChannel server, Path socket, Path nameLink, UserPrincipal owner,
                          UserPrincipal root, Handler handler) {
        this.server = server;
        this.socket = socket;
        this.nameLink = nameLink;
        this.owner = owner;
        this.root = root;
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
        ServerSocketChannel server;
        UserPrincipal owner;
        UserPrincipal root;
        try {
            owner = Files.getOwner(dir);
            root = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("0");
            // A file of that name was left by a timens that had this pid and was killed.
            Files.deleteIfExists(socket);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new ControlException(ControlException.Kind.FAILED, "cannot serve the control socket " + socket + ": "
                    + ControlDirectory.reason(e), e);
        }
        Path link = null;
        try {
            if (name != null) link = claim(dir, name, socket);
        } catch (ControlException e) {
            close(server, socket, null);
            throw e;
        }
        ControlServer s = new ControlServer(server, socket, link, owner, root, handler);
        Thread.ofPlatform().daemon().name("timens-control").start(s::serve);
        return s;
    }

    /** Links {@code dir/<name>.name} to {@code socket}; a link left by a namespace no longer running is replaced. */
    private static Path claim(Path dir, String name, Path socket) throws ControlException {
        Path link = dir.resolve(name + Protocol.NAME_SUFFIX);
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                Files.createSymbolicLink(link, socket.getFileName());
                return link;
            } catch (FileAlreadyExistsException e) {
                Path other = ControlClient.target(link);
                if (other != null && ControlClient.listening(other)) {
                    String pid = other.getFileName().toString().replace(Protocol.SOCKET_SUFFIX, "");
                    throw new ControlException(ControlException.Kind.NAME_IN_USE, "the name '" + name
                            + "' is in use by a running namespace (timens pid " + pid + ")");
                }
                ControlClient.removeStale(link, other);
            } catch (IOException e) {
                throw new ControlException(ControlException.Kind.FAILED, "cannot name the namespace: cannot create "
                        + link + ": " + ControlDirectory.reason(e), e);
            }
        }
        throw new ControlException(ControlException.Kind.NAME_IN_USE, "the name '" + name + "' is being taken by another"
                + " timens at this moment");
    }

    private void serve() {
        while (!closed) {
            SocketChannel peer;
            try {
                peer = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread.ofVirtual().name("timens-control-peer").start(() -> answer(peer));
        }
    }

    private void answer(SocketChannel peer) {
        try (peer) {
            // Read first, even from a peer that will be refused: closing on a request
            // not yet read would make its write fail, and it would never see why.
            String request = readLine(peer);
            var credentials = peer.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED);
            if (!credentials.user().equals(owner) && !credentials.user().equals(root)) {
                write(peer, List.of(Protocol.DENIED + " uid " + credentials.user().getName()));
                return;
            }
            if (request == null) return;
            write(peer, Protocol.answer(request, handler));
        } catch (IOException | RuntimeException e) {
            // The peer went away, or asked nonsense: nothing to tell anyone.
        }
    }

    private static String readLine(SocketChannel peer) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_REQUEST);
        while (buffer.hasRemaining()) {
            if (peer.read(buffer) < 0) break;
            for (int i = 0; i < buffer.position(); i++) {
                if (buffer.get(i) == '\n') return new String(buffer.array(), 0, i, StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static void write(SocketChannel peer, List<String> lines) throws IOException {
        ByteBuffer out = ByteBuffer.wrap((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) peer.write(out);
    }

    /** Stops serving and removes the socket and the name. */
    @Override
    public void close() {
        closed = true;
        close(server, socket, nameLink);
    }

    private static void close(ServerSocketChannel server, Path socket, Path nameLink) {
        try {
            server.close();
        } catch (IOException e) {
            // removed below all the same
        }
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
