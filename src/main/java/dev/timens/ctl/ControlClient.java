package dev.timens.ctl;

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
    public record Found(Path socket, Protocol.Info info) {}

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
     * The live namespace named {@code nameOrPid}: its --name, the pid of timens, or
     * the pid of any process in it.
     */
    public static Found find(Path dir, String nameOrPid) throws ControlException {
        boolean pid = nameOrPid.matches("[0-9]{1,10}");
        for (Found f : list(dir)) {
            Protocol.Info i = f.info();
            if (pid) {
                long p = Long.parseLong(nameOrPid);
                if (p == i.timensPid() || i.pids().contains((int) Math.min(p, Integer.MAX_VALUE))) return f;
            } else if (nameOrPid.equals(i.name())) {
                return f;
            }
        }
        throw new ControlException(ControlException.Kind.NO_SUCH_NAMESPACE, "no running namespace of this user "
                + (pid ? "has process " + nameOrPid : "is named '" + nameOrPid + "'"));
    }

    /** Asks {@code namespace} to make a change ({@link Protocol#SET}). */
    public static void set(Found namespace, String what, String argument) throws ControlException {
        List<String> answer;
        try {
            answer = request(namespace.socket(), Protocol.SET + " " + what + " " + argument);
        } catch (IOException e) {
            throw new ControlException(ControlException.Kind.NO_SUCH_NAMESPACE, "namespace "
                    + namespace.socket().getFileName() + " ended before it answered");
        }
        String first = answer.isEmpty() ? "" : answer.getFirst();
        if (first.equals(Protocol.OK)) return;
        if (first.startsWith(Protocol.REFUSED + " ")) {
            throw new ControlException(ControlException.Kind.REFUSED, first.substring(Protocol.REFUSED.length() + 1));
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
