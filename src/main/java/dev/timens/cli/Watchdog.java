package dev.timens.cli;

import dev.timens.linux.LinuxException;
import dev.timens.linux.Sockets;
import dev.timens.linux.Spawn;
import dev.timens.linux.Unistd;
import dev.timens.linux.Wait;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;

import java.nio.file.Path;
import java.util.List;

/**
 * The watchdog of engine v2 ({@code timens-exec watch}): when this process
 * ends, however it ends, every process that maps the namespace's clock image
 * is killed. Engine v1 needs none: the kernel ends the processes it traces
 * with it (PTRACE_O_EXITKILL); engine v2 traces none between its visits.
 */
final class Watchdog {
    /** Our end of the socket: open for as long as this process lives, never closed. */
    private static volatile int held = -1;

    private Watchdog() {}

    /**
     * Starts the watchdog for the namespace whose clock image is descriptor
     * {@code image}; throws when it cannot start (then nothing must run).
     */
    static void start(Path helper, int image) {
        int[] pair = Sockets.streamPair();
        int started;
        try {
            started = Spawn.spawn(helper.toString(), List.of("timens-exec", "watch", Integer.toString(image),
                    Integer.toString(pair[1])), image, pair[1]);
        } catch (LinuxException e) {
            Unistd.close(pair[0]);
            Unistd.close(pair[1]);
            throw e;
        }
        Unistd.close(pair[1]);
        held = pair[0];
        // It forks the watchdog and exits: the watchdog is no child of ours, so
        // it never counts among the processes the supervisor waits for.
        try (Arena arena = Arena.ofConfined()) {
            Wait.Status s = Wait.waitpid(started, 0, arena.allocate(ValueLayout.JAVA_INT));
            if (!s.exited() || s.exitCode() != 0) {
                throw new IllegalStateException("the watchdog did not start (timens-exec watch: status " + s.raw() + ")");
            }
        }
    }

    /** The watchdog kills the processes that map image {@code fd} too (a nested namespace's); no-op without one. */
    static synchronized void watch(int fd) {
        if (held < 0) return;
        send(Unistd.inode(fd));
    }

    /**
     * The watchdog exits without killing anything: the namespace's processes
     * were let go back to host time ({@code timensctl detach}) and run on
     * after this process. No-op without one.
     */
    static synchronized void standDown() {
        if (held < 0) return;
        send(0);
    }

    private static void send(long inode) {
        java.nio.ByteBuffer record = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder());
        record.putLong(inode);
        Sockets.send(held, record.array());
    }
}
