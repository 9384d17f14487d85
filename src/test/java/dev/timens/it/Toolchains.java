package dev.timens.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the end-to-end tests find {@code bin/timens}, the test programs built by
 * {@code src/test/programs/Makefile}, and the tools they run.
 *
 * <p>A test program that could not be built (its toolchain is missing) has a
 * {@code NAME.skipped} file holding the reason next to where it would be. A test
 * that needs it is then skipped with that reason, except on CI ({@code CI=true}),
 * where a missing toolchain is a broken CI machine and the test fails.
 */
public final class Toolchains {
    private Toolchains() {}

    /** True on CI, where nothing may be skipped for want of a tool. */
    public static boolean ci() {
        return "true".equals(System.getenv("CI"));
    }

    /**
     * The project's base directory: the {@code timens.basedir} system property
     * (set by failsafe), else the nearest directory holding {@code pom.xml} at or
     * above {@code user.dir}.
     */
    public static Path basedir() {
        String configured = System.getProperty("timens.basedir");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("src"))) {
                return dir;
            }
        }
        return start;
    }

    /** The command under test: {@code TIMENS} from the environment if set, else {@code <basedir>/bin/timens}. */
    public static Path timens() {
        String override = System.getenv("TIMENS");
        return override != null && !override.isBlank() ? Path.of(override) : basedir().resolve("bin/timens");
    }

    /** {@code bin/timens-faketime}, next to {@link #timens()}. */
    public static Path timensFaketime() {
        return timens().resolveSibling("timens-faketime");
    }

    /** The directory the Makefile builds the test programs into. */
    public static Path testPrograms() {
        String configured = System.getProperty("timens.testPrograms");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        return basedir().resolve("target/test-programs");
    }

    /**
     * The path of a built test program ({@code clockprobe-dyn}, {@code setclock},
     * {@code clockprobe.py}, ...). Skips the calling test (fails it on CI) when the
     * program was not built for want of a toolchain; fails it when the programs were
     * not built at all.
     */
    public static Path program(String name) {
        Path dir = testPrograms();
        Path skipped = dir.resolve(name + ".skipped");
        if (Files.exists(skipped)) {
            unavailable(name + " was not built: " + read(skipped));
        }
        Path program = dir.resolve(name);
        if (!Files.isExecutable(program)) {
            fail(program + " is missing: build the test programs first (mvn generate-test-resources,"
                    + " or make -C src/test/programs OUT=" + dir + ")");
        }
        return program;
    }

    /** The class path holding {@code ClockProbe.class}, after the same checks as {@link #program}. */
    public static Path javaProbeClasses() {
        return javaClasses("ClockProbe");
    }

    /**
     * The class path holding the Java test program {@code className} ({@code ClockProbe},
     * {@code TimerProbe}), after the same checks as {@link #program}.
     */
    public static Path javaClasses(String className) {
        Path dir = testPrograms();
        Path skipped = dir.resolve(className + ".skipped");
        if (Files.exists(skipped)) {
            unavailable(className + " was not built: " + read(skipped));
        }
        Path classes = dir.resolve("java");
        if (!Files.isRegularFile(classes.resolve(className + ".class"))) {
            fail(classes.resolve(className + ".class") + " is missing: build the test programs first");
        }
        return classes;
    }

    /** {@code $JAVA_HOME/bin/java}, or the java running these tests when JAVA_HOME is unset. */
    public static Path java() {
        String home = System.getenv("JAVA_HOME");
        if (home == null || home.isBlank()) {
            home = System.getProperty("java.home");
        }
        return Path.of(home, "bin", "java");
    }

    /** A command found on PATH, or empty. */
    public static Optional<Path> onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** A command that must be on PATH for the calling test; skipped (failed on CI) otherwise. */
    public static Path requireOnPath(String command, String install) {
        return onPath(command).orElseGet(() -> {
            unavailable(command + " not found on PATH (" + install + ")");
            throw new AssertionError("unreachable");
        });
    }

    /** Skips the calling test with {@code reason}, or fails it when {@link #ci()}. */
    public static void unavailable(String reason) {
        if (ci()) {
            fail("CI=true, so this may not be skipped: " + reason);
        }
        Assumptions.abort(reason);
    }

    /** True when these tests run as root (uid 0), read from /proc so no JDK module is needed. */
    /**
     * Whether the end-to-end tests run under engine v2 (TIMENS_ENGINE=v2, which
     * bin/timens inherits): for the few promises that differ between engines.
     */
    public static boolean engineV2() {
        return "v2".equals(System.getenv("TIMENS_ENGINE"));
    }

    /**
     * unshare(1) making a PID namespace for the command it runs (with /proc
     * remounted): as root directly, else inside a user namespace of its own.
     */
    public static List<String> pidNamespaceWrapper() {
        String unshare = requireOnPath("unshare", "apt-get install util-linux").toString();
        return root() ? List.of(unshare, "--pid", "--fork", "--mount-proc")
                : List.of(unshare, "--user", "--map-root-user", "--pid", "--fork", "--mount-proc");
    }

    public static boolean root() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // real, EFFECTIVE, saved, fs
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return false;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
