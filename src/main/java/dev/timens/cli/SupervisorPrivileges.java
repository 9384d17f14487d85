package dev.timens.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * What the supervisor may hold while a command runs. It never sets the host
 * clock, so no thread of it may hold CAP_SYS_TIME, or be able to gain it: a
 * root command can ptrace-attach to the supervisor and make any of its threads
 * call what it likes. Capabilities belong to threads and the JVM starts its
 * threads before any Java runs, so Java cannot drop it from all of them;
 * bin/timens starts the JVM through timens-exec, which drops it before the
 * exec.
 */
final class SupervisorPrivileges {
    private SupervisorPrivileges() {}

    static final int CAP_SYS_TIME = 25;

    /** Null when no thread of this process holds CAP_SYS_TIME or can gain it; else what holds it. */
    static String sysTimeHolder() {
        return sysTimeHolder(Path.of("/proc/self/task"));
    }

    static String sysTimeHolder(Path tasks) {
        try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
            for (Path thread : threads) {
                List<String> status;
                try {
                    status = Files.readAllLines(thread.resolve("status"));
                } catch (NoSuchFileException gone) {
                    continue; // a thread that just ended holds nothing
                }
                String held = sysTimeIn(status);
                if (held != null) return "thread " + thread.getFileName() + " " + held;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tasks, e);
        }
        return null;
    }

    /**
     * Where one thread's /proc status lines show CAP_SYS_TIME: in its
     * permitted, effective or ambient set, or in its bounding set while it is
     * root (an exec as root would then grant it), else null.
     */
    static String sysTimeIn(List<String> status) {
        boolean root = false;
        String bounding = null;
        // No regular expressions: compiling them for each of the ~60 lines cost
        // ~6 ms of every start.
        for (String line : status) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String key = line.substring(0, colon);
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "Uid" -> {
                    for (String id : value.split("\t")) root |= id.strip().equals("0");
                }
                case "CapPrm", "CapEff", "CapAmb" -> {
                    if (has(value)) return "has CAP_SYS_TIME (" + key + ")";
                }
                case "CapBnd" -> bounding = value;
                default -> { }
            }
        }
        return root && bounding != null && has(bounding) ? "is root with CAP_SYS_TIME in its bounding set" : null;
    }

    private static boolean has(String hexMask) {
        return (Long.parseUnsignedLong(hexMask.trim(), 16) >>> CAP_SYS_TIME & 1) != 0;
    }
}
