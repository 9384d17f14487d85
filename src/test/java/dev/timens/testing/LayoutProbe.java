package dev.timens.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Compiles and runs src/test/native/layout-probe.c once per test JVM: the C
 * compiler's view of every struct the Java code lays out by hand.
 */
public final class LayoutProbe {
    private LayoutProbe() {}

    private static Map<String, Long> values;

    public static synchronized long get(String name) {
        if (values == null) values = run();
        Long value = values.get(name);
        if (value == null) throw new IllegalArgumentException("layout-probe prints no " + name);
        return value;
    }

    private static Map<String, Long> run() {
        try {
            Path out = Path.of("target", "test-native");
            Files.createDirectories(out);
            Path binary = out.resolve("layout-probe");
            exec(out, "cc", "-Wall", "-Werror", "-o", binary.toString(), "src/test/native/layout-probe.c");
            String text = exec(out, binary.toString());
            Map<String, Long> result = new HashMap<>();
            for (String line : text.split("\n")) {
                String[] parts = line.split(" ");
                result.put(parts[0], Long.parseLong(parts[1]));
            }
            return result;
        } catch (IOException e) {
            throw new IllegalStateException("cannot build the layout probe (needs cc)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String exec(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
        }
        return output;
    }
}
