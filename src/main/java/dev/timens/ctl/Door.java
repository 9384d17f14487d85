package dev.timens.ctl;

import dev.timens.linux.LinuxException;
import dev.timens.linux.Sockets;
import dev.timens.linux.Unistd;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The supervisor's end of a namespace's door: the process inside the
 * namespace, forked by timens-exec once the filter is in place, from which
 * {@code timensctl exec} commands are forked in turn (timens-exec.c, door()).
 * A process joins the namespace's seccomp filter only by being forked from one
 * that has it, whichever engine runs the namespace.
 */
public final class Door implements AutoCloseable {
    /** What {@code ps} and /proc/PID/comm call the door and its monitors. */
    public static final String COMM = dev.timens.engine.Launch.DOOR_COMM;

    /** -1 once closed: its number may be another file's by then. */
    private int socket;
    private int childEnd;

    private Door(int socket, int childEnd) {
        this.socket = socket;
        this.childEnd = childEnd;
    }

    /** A door not opened yet: its other end goes to timens-exec ({@link #childEnd}). */
    public static Door create() {
        int[] pair = Sockets.streamPair();
        return new Door(pair[0], pair[1]);
    }

    /** The end timens-exec gets (dev.timens.engine.Launch#door). */
    public int childEnd() {
        return childEnd;
    }

    /**
     * timens-exec has started with its copy of {@link #childEnd}: ours is
     * closed, so that the door's is the only one, and its end shows here.
     */
    public synchronized void started() {
        if (childEnd >= 0) Unistd.close(childEnd);
        childEnd = -1;
    }

    /**
     * Hands a {@link Protocol#EXEC} request to the door, with timensctl's
     * connection and standard descriptors; null once sent, or why not. With a
     * {@code join} token other than 0, the command enters the nested namespace
     * given it (dev.timens.clock.NamespaceTree#expect) before its exec.
     */
    public synchronized String enter(int connection, int[] stdio, byte[] request, long join) {
        if (socket < 0) return "the namespace takes no new processes: it is ending";
        byte[] token = (Long.toUnsignedString(join) + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ByteBuffer message = ByteBuffer.allocate(4 + token.length + request.length).order(ByteOrder.nativeOrder());
        message.putInt(token.length + request.length).put(token).put(request);
        try {
            Sockets.send(socket, message.array(), connection, stdio[0], stdio[1], stdio[2]);
            return null;
        } catch (LinuxException e) {
            // EPIPE, ECONNRESET: the door exited, as it does when the command ends.
            return "the namespace takes no new processes: its door is closed (" + e.getMessage() + ")";
        }
    }

    /** The door reads the end of its socket and exits, if it had not already. */
    @Override
    public synchronized void close() {
        started();
        if (socket >= 0) Unistd.close(socket);
        socket = -1;
    }
}
