package dev.timens.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Terminals: the ioctls of termios(3), tty_ioctl(4) and pty(7) timensctl needs. */
public final class Terminal {
    private Terminal() {}

    private static final int TCGETS = 0x5401;
    private static final int TCSETSW = 0x5403;
    private static final int TIOCGPGRP = 0x540F;
    private static final int TIOCGWINSZ = 0x5413;
    private static final int TIOCSWINSZ = 0x5414;
    private static final int TIOCSPTLCK = 0x4004_5431;
    private static final int TIOCGPTPEER = 0x5441;
    /** The kernel's struct termios on x86-64: four tcflag_t, c_line, c_cc[19]. */
    private static final int TERMIOS_SIZE = 36;
    private static final int WINSIZE_SIZE = 8;
    private static final int O_RDWR = 2;
    private static final int O_NOCTTY = 0x100;

    /** Whether {@code fd} is a terminal. */
    public static boolean isTerminal(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            return ioctl(fd, TCGETS, arena.allocate(TERMIOS_SIZE)) == 0;
        }
    }

    /** Whether this process is in the foreground of the terminal at {@code fd} (may change its modes without SIGTTOU). */
    public static boolean inForeground(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pgrp = arena.allocate(ValueLayout.JAVA_INT);
            if (ioctl(fd, TIOCGPGRP, pgrp) != 0) return false;
            return pgrp.get(ValueLayout.JAVA_INT, 0) == (int) Native.syscall(SyscallNumbers.GETPGRP, 0, 0, 0, 0, 0, 0);
        }
    }

    /** A new pseudo-terminal: its master and its slave, both close-on-exec, neither anyone's controlling terminal. */
    public record Pty(int master, int slave) {}

    public static Pty openPty() {
        int master = Unistd.open("/dev/ptmx", O_RDWR | O_NOCTTY | Unistd.O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            check("TIOCSPTLCK", ioctl(master, TIOCSPTLCK, arena.allocate(ValueLayout.JAVA_INT))); // unlocked
            long slave = Native.syscall(SyscallNumbers.IOCTL, master, TIOCGPTPEER, O_RDWR | O_NOCTTY | Unistd.O_CLOEXEC,
                    0, 0, 0);
            check("TIOCGPTPEER", slave);
            return new Pty(master, (int) slave);
        } catch (RuntimeException e) {
            Unistd.close(master);
            throw e;
        }
    }

    /** The modes of terminal {@code fd}, to give back to {@link #restore}. */
    public static byte[] modes(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate(TERMIOS_SIZE);
            check("TCGETS", ioctl(fd, TCGETS, t));
            return t.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** Puts terminal {@code fd} in raw mode, as cfmakeraw(3) does: every key goes through as it is. */
    public static void makeRaw(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocateFrom(ValueLayout.JAVA_BYTE, modes(fd));
            int iflag = t.get(ValueLayout.JAVA_INT, 0);
            int oflag = t.get(ValueLayout.JAVA_INT, 4);
            int cflag = t.get(ValueLayout.JAVA_INT, 8);
            int lflag = t.get(ValueLayout.JAVA_INT, 12);
            iflag &= ~(0x1 | 0x2 | 0x8 | 0x20 | 0x40 | 0x80 | 0x100 | 0x400); // IGNBRK BRKINT PARMRK ISTRIP INLCR IGNCR ICRNL IXON
            oflag &= ~0x1; // OPOST
            lflag &= ~(0x1 | 0x2 | 0x8 | 0x40 | 0x8000); // ISIG ICANON ECHO ECHONL IEXTEN
            cflag = (cflag & ~(0x30 | 0x100)) | 0x30; // CSIZE PARENB off, CS8
            t.set(ValueLayout.JAVA_INT, 0, iflag);
            t.set(ValueLayout.JAVA_INT, 4, oflag);
            t.set(ValueLayout.JAVA_INT, 8, cflag);
            t.set(ValueLayout.JAVA_INT, 12, lflag);
            t.set(ValueLayout.JAVA_BYTE, 17 + 6, (byte) 1); // VMIN
            t.set(ValueLayout.JAVA_BYTE, 17 + 5, (byte) 0); // VTIME
            check("TCSETSW", ioctl(fd, TCSETSW, t));
        }
    }

    /** Gives terminal {@code fd} back the modes {@link #modes} read. */
    public static void restore(int fd, byte[] modes) {
        try (Arena arena = Arena.ofConfined()) {
            check("TCSETSW", ioctl(fd, TCSETSW, arena.allocateFrom(ValueLayout.JAVA_BYTE, modes)));
        }
    }

    /** The window size of terminal {@code fd} (rows, columns, and pixels), or null if it has none. */
    public static byte[] windowSize(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate(WINSIZE_SIZE);
            return ioctl(fd, TIOCGWINSZ, w) == 0 ? w.toArray(ValueLayout.JAVA_BYTE) : null;
        }
    }

    /** Sets the window size of terminal {@code fd} (the kernel sends SIGWINCH to its foreground). */
    public static void setWindowSize(int fd, byte[] size) {
        try (Arena arena = Arena.ofConfined()) {
            ioctl(fd, TIOCSWINSZ, arena.allocateFrom(ValueLayout.JAVA_BYTE, size));
        }
    }

    private static long ioctl(int fd, int request, MemorySegment arg) {
        return Native.syscall(SyscallNumbers.IOCTL, fd, request, arg.address(), 0, 0, 0);
    }

    private static void check(String what, long result) {
        if (result < 0) throw new LinuxException(what, (int) -result);
    }
}
