package example;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** The host's time, as a file just written has it (file times stay host times), to compare the JVM's with. */
final class HostTime {
    private HostTime() {}

    static Instant now() throws IOException {
        Path file = Files.createTempFile("host-time", ".tmp");
        try {
            return Files.getLastModifiedTime(file).toInstant();
        } finally {
            Files.delete(file);
        }
    }

    /** Asserts that {@code seen} is {@code shift} after the host's time now, give or take a minute. */
    static void assertShiftedBy(Duration shift, Instant seen) throws IOException {
        Instant expected = now().plus(shift);
        assertTrue(Duration.between(expected, seen).abs().compareTo(Duration.ofMinutes(1)) < 0,
                "expected about " + expected + ", saw " + seen);
    }

    /** What a child process, date(1), prints with {@code format}. */
    static String date(String format) throws IOException, InterruptedException {
        Process date = new ProcessBuilder("date", "-u", format).redirectErrorStream(true).start();
        String out = new String(date.getInputStream().readAllBytes()).strip();
        date.waitFor();
        return out;
    }
}
