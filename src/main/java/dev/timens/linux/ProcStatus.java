package dev.timens.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Lines of /proc/PID/status, which the kernel writes without taking the process's memory lock. */
public final class ProcStatus {
    private ProcStatus() {}

    /** The words after {@code key} ("Tgid:", "Uid:", "CapEff:") for {@code pid} ("self" too); null when absent or gone. */
    public static String[] values(String pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(key)) return line.substring(key.length()).trim().split("\\s+");
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // gone
        }
        return null;
    }

    /** The number after {@code key} ("TracerPid:", "Tgid:", "PPid:"), or -1 when the process is gone or the line is not there. */
    public static int field(int pid, String key) {
        String[] values = values(Integer.toString(pid), key);
        try {
            return values == null ? -1 : Integer.parseInt(values[0]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
