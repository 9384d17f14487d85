package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Processes the tests look for by pid, from /proc. */
final class Processes {
    private Processes() {}

    /** Whether {@code pid} is a live process: not gone, and not a zombie left for its new parent to reap. */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException gone) {
            return false;
        }
    }

    /** Fails unless {@code pid} ends within 5 s; {@code what} names it in the failure. */
    static void assertEnds(long pid, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (running(pid) && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(running(pid)).as("%s (pid %d) is gone", what, pid).isFalse();
    }
}
