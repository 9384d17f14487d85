package dev.timens.engine;

import dev.timens.linux.Descriptors;
import dev.timens.linux.Errno;
import dev.timens.linux.LinuxException;
import dev.timens.linux.Unistd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What answers the filter of a process that was taken in and let go
 * ({@code timens-exec continue LISTENER PID FILTER SINCE}, see {@link Adopted#release}),
 * found again when that process is taken in anew: the kernel gives a process
 * one listener for good, so the new supervisor takes a copy of it from this
 * helper ({@code pidfd_getfd}), and the helper ends between two calls
 * (SIGUSR1).
 *
 * @param pid      the helper
 * @param listener its descriptor of the listener
 * @param filter   the {@link #digest} of the filter the process was given
 * @param since    when it was given it (clock ticks since boot, as /proc/PID/stat's
 *                 start times): a process started before has it only if inherited
 */
record Continuer(int pid, int listener, String filter, long since) {
    private static final int SIGUSR1 = 10;
    private static final int SIGKILL = 9;
    /** How long the helper may take to end once asked. */
    private static final int END_MILLIS = 5000;

    /**
     * Whether process {@code pid} is such a helper: a supervisor that let a
     * process go while it runs on is a subreaper, so its helpers become its
     * children again, and it neither waits for them nor counts them.
     */
    static boolean is(int pid) {
        return commandLine(pid).startsWith("timens-exec\0continue\0");
    }

    /** Whether process {@code pid} is any of timens's helpers (argv[0] {@code timens-exec}: watch, park, door, continue). */
    static boolean isHelper(int pid) {
        return commandLine(pid).startsWith("timens-exec\0");
    }

    /** Process {@code pid}'s command line, NUL-separated; empty when it cannot be read. */
    private static String commandLine(int pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The helper left answering process {@code process}'s filter, or null. */
    static Continuer leftFor(int process) {
        try (var processes = Files.list(Path.of("/proc"))) {
            return processes.filter(p -> p.getFileName().toString().matches("[0-9]+")).map(p -> {
                try {
                    String[] argv = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                            .split("\0");
                    if (argv.length != 6 || !argv[0].equals("timens-exec") || !argv[1].equals("continue")
                            || !argv[3].equals(Integer.toString(process))) {
                        return null;
                    }
                    return new Continuer(Integer.parseInt(p.getFileName().toString()), Integer.parseInt(argv[2]),
                            argv[4], Long.parseLong(argv[5]));
                } catch (IOException | NumberFormatException e) {
                    return null; // gone, not ours to read, or not one
                }
            }).filter(java.util.Objects::nonNull).findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * A short digest (SHA-256, 16 hex digits) of {@code parts} in order: of a
     * filter program's bytes, the same filter, the same calls sent to the listener.
     */
    static String digest(byte[]... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) sha.update(part);
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    /**
     * Takes a copy of the listener for process {@code process} and ends the
     * helper; the filter must be the one {@code wanted} (the tool's now), or
     * the supervisor would not hear of calls it must answer.
     */
    int takeOver(int process, String wanted) throws SupervisorException {
        if (!filter.equals(wanted)) {
            throw new SupervisorException("process " + process + " was attached before with clock options of another"
                    + " kind, whose filter sends other calls (a --name, --monotonic, --boottime or --rate, or none of"
                    + " them): attach it with the same kind, or restart it", new LinuxException("seccomp", Errno.EBUSY));
        }
        int pidfd = Descriptors.pidfdOpen(pid);
        if (pidfd < 0) {
            throw new SupervisorException("the helper left answering process " + process + " (pid " + pid
                    + ") has ended: its calls fail now; restart it", new LinuxException("pidfd_open", -pidfd));
        }
        try {
            int copy = Descriptors.pidfdGetfd(pidfd, listener);
            if (copy < 0) {
                throw new SupervisorException("cannot take the listener of process " + process + " from its helper"
                        + " (pid " + pid + "): " + Errno.describe(-copy), new LinuxException("pidfd_getfd", -copy));
            }
            Unistd.kill(pid, SIGUSR1);
            if (!Unistd.readable(pidfd, END_MILLIS)) Unistd.kill(pid, SIGKILL); // a pidfd reads once it ended
            return copy;
        } finally {
            Unistd.close(pidfd);
        }
    }
}
