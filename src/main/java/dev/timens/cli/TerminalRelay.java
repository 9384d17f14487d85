package dev.timens.cli;

import dev.timens.linux.LinuxException;
import dev.timens.linux.Terminal;
import dev.timens.linux.Unistd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The terminal of a command that {@code timensctl exec} (or a {@code timens}
 * inside a namespace) starts from an interactive terminal. The command runs
 * in a session of its own, started by the namespace's door, so the user's
 * terminal cannot be its controlling terminal; it gets a pseudo-terminal
 * instead, as {@code ssh -t} and {@code docker exec -t} give one, with the
 * user's terminal's modes and window size: job control, Ctrl-C and Ctrl-Z,
 * {@code tty}, full-screen programs work inside. This side puts the user's
 * terminal in raw mode and copies bytes both ways, and the window size as it
 * changes, until the command ends; then the terminal gets its modes back.
 */
final class TerminalRelay implements AutoCloseable {
    /** How often a change of the window's size is looked for (no SIGWINCH handler: the JVM's signals are its own). */
    private static final long WINDOW_POLL_MILLIS = 200;
    /** How often the input copier looks whether the command has ended. */
    private static final int INPUT_POLL_MILLIS = 50;
    /** How long the command's last output may take to come through once it has ended. */
    private static final long DRAIN_MILLIS = 1000;

    private final Terminal.Pty pty;
    private final int[] stdio;
    private byte[] savedModes;
    private volatile boolean ended;
    private Thread output;

    private TerminalRelay(Terminal.Pty pty, int[] stdio) {
        this.pty = pty;
        this.stdio = stdio;
    }

    /**
     * A relay when standard input and output are a terminal this process is in
     * the foreground of; null otherwise (the command then gets this process's
     * descriptors, as a pipe or a file is passed).
     */
    static TerminalRelay forInteractive() {
        if (!Terminal.isTerminal(0) || !Terminal.isTerminal(1) || !Terminal.inForeground(0)) return null;
        Terminal.Pty pty;
        try {
            pty = Terminal.openPty();
        } catch (LinuxException e) {
            return null; // no pseudo-terminal to be had (none left, a sandbox): the command gets this one's descriptors
        }
        try {
            Terminal.restore(pty.slave(), Terminal.modes(0)); // the user's erase key, line discipline, speed
            byte[] size = Terminal.windowSize(1);
            if (size != null) Terminal.setWindowSize(pty.master(), size);
        } catch (LinuxException e) {
            Unistd.close(pty.master());
            Unistd.close(pty.slave());
            return null;
        }
        int err = Terminal.isTerminal(2) ? pty.slave() : Unistd.isOpen(2) ? 2 : Unistd.openDevNull();
        return new TerminalRelay(pty, new int[] {pty.slave(), pty.slave(), err});
    }

    /** The command's standard input, output and error: the pseudo-terminal's slave, closed here once sent. */
    int[] stdio() {
        return stdio.clone();
    }

    /** The command runs: the user's terminal goes raw, and everything typed and written goes through. */
    void start() {
        savedModes = Terminal.modes(0);
        Terminal.makeRaw(0);
        Thread.ofPlatform().daemon().name("timensctl-tty-in").start(this::copyInput);
        output = Thread.ofPlatform().daemon().name("timensctl-tty-out").start(() -> copy(pty.master(), 1));
        Thread.ofPlatform().daemon().name("timensctl-tty-size").start(this::followWindowSize);
    }

    /**
     * Copies what is typed to the command until it ends; looks before each read,
     * so that what is typed after the command's end stays for the shell.
     */
    private void copyInput() {
        MemorySegment buffer = Arena.ofAuto().allocate(8192);
        while (!ended) {
            if (!Unistd.readable(0, INPUT_POLL_MILLIS) || ended) continue;
            long n = Unistd.read(0, buffer);
            if (n <= 0) return;
            try {
                Unistd.writeFully(pty.master(), buffer.asSlice(0, n));
            } catch (LinuxException e) {
                return;
            }
        }
    }

    /** Copies {@code from} to {@code to} until either ends (the master reads EIO once no slave is open). */
    private static void copy(int from, int to) {
        MemorySegment buffer = Arena.ofAuto().allocate(8192);
        while (true) {
            long n = Unistd.read(from, buffer);
            if (n <= 0) return;
            try {
                Unistd.writeFully(to, buffer.asSlice(0, n));
            } catch (LinuxException e) {
                return;
            }
        }
    }

    private void followWindowSize() {
        byte[] last = Terminal.windowSize(1);
        while (!ended) {
            try {
                Thread.sleep(WINDOW_POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            byte[] size = Terminal.windowSize(1);
            if (size != null && !Arrays.equals(size, last)) {
                Terminal.setWindowSize(pty.master(), size);
                last = size;
            }
        }
    }

    /** The command has ended (or never started): its last output is written, and the terminal gets its modes back. */
    @Override
    public void close() {
        ended = true;
        if (output != null) {
            try {
                output.join(DRAIN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            if (savedModes != null) Terminal.restore(0, savedModes);
        } catch (LinuxException e) {
            // The terminal hung up: nothing to give its modes back to.
        } finally {
            Unistd.close(pty.master());
        }
    }
}
