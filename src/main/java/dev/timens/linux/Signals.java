package dev.timens.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The signal state /proc shows. */
public final class Signals {
    private Signals() {}

    /**
     * The SigIgn and SigBlk masks of /proc/self/status (bit N-1 for signal N),
     * or null when /proc cannot be read.
     */
    public static long[] ownIgnoredAndBlocked() {
        long ignored = -1;
        long blocked = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
                if (line.startsWith("SigIgn:")) ignored = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                if (line.startsWith("SigBlk:")) blocked = Long.parseUnsignedLong(line.substring(7).trim(), 16);
            }
        } catch (IOException | NumberFormatException e) {
            return null;
        }
        return ignored == -1 || blocked == -1 ? null : new long[] {ignored, blocked};
    }
}
