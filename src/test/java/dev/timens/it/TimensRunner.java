package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a command under {@code bin/timens}, or natively for comparison, and
 * captures what it did.
 *
 * <p>This test JVM is not the supervisor, so {@link ProcessBuilder} is fine here.
 * Every run has a time limit, {@link #TIMEOUT} unless {@link #withTimeout} says
 * otherwise: a run still going then is killed with all its descendants and the
 * test fails (a hung supervisor must not hang the build).
 * Output goes to files rather than pipes, so a grandchild that keeps a pipe open
 * cannot block the run. Standard input is /dev/null (CI has none).
 *
 * <p>Instances are immutable ({@link #withEnv}, {@link #wrappedIn}, {@link #in} and
 * {@link #withTimeout} return new ones) and may run commands from several threads.
 */
public final class TimensRunner {
    /** 60 s, or {@code -Dtimens.it.timeoutSeconds=N}. */
    public static final Duration TIMEOUT = Duration.ofSeconds(Long.getLong("timens.it.timeoutSeconds", 60));
    /**
     * After this many timed-out timens runs, further ones fail at once: a supervisor
     * that hangs on everything would otherwise keep CI busy for TIMEOUT × every test.
     */
    public static final int MAX_TIMEOUTS = 3;

    private static final AtomicInteger TIMENS_TIMEOUTS = new AtomicInteger();

    private final Map<String, String> env;
    private final List<String> wrapper;
    private final Path directory;
    /** Null: {@link #TIMEOUT}, and a timed-out timens run counts towards {@link #MAX_TIMEOUTS}. */
    private final Duration timeout;

    public TimensRunner() {
        this(Map.of(), List.of(), null, null);
    }

    private TimensRunner(Map<String, String> env, List<String> wrapper, Path directory, Duration timeout) {
        this.env = Map.copyOf(env);
        this.wrapper = List.copyOf(wrapper);
        this.directory = directory;
        this.timeout = timeout;
    }

    /** The same runner with one more environment variable set for the command (and timens). */
    public TimensRunner withEnv(String name, String value) {
        Map<String, String> copy = new HashMap<>(env);
        copy.put(name, value);
        return new TimensRunner(copy, wrapper, directory, timeout);
    }

    /** The same runner, but every command line starts with {@code wrapper} (e.g. setpriv ...). */
    public TimensRunner wrappedIn(List<String> wrapper) {
        return new TimensRunner(env, wrapper, directory, timeout);
    }

    /** The same runner with {@code directory} as working directory. */
    public TimensRunner in(Path directory) {
        return new TimensRunner(env, wrapper, directory, timeout);
    }

    /**
     * The same runner with {@code limit} instead of {@link #TIMEOUT} for each run.
     *
     * <p>For tests where a hang is a known way for the feature under test to fail
     * (an absolute deadline waited for on host time instead of the namespace's:
     * years, for a namespace in 2038), so that it fails soon. Such a timeout does
     * not count towards {@link #MAX_TIMEOUTS}: it says that one feature is
     * missing, not that timens hangs on everything, and must not stop the other
     * tests' runs. Runs are still refused once MAX_TIMEOUTS is reached.
     */
    public TimensRunner withTimeout(Duration limit) {
        if (limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("a time limit must be positive: " + limit);
        }
        return new TimensRunner(env, wrapper, directory, limit);
    }

    /** The time limit of each run. */
    public Duration timeout() {
        return timeout != null ? timeout : TIMEOUT;
    }

    /** Runs {@code bin/timens OPTIONS -- COMMAND...}. */
    public Result timens(List<String> options, List<String> command) {
        List<String> argv = new ArrayList<>(options);
        argv.add("--");
        argv.addAll(command);
        return timensArgs(argv);
    }

    /** Runs {@code bin/timens OPTIONS -- COMMAND...}. */
    public Result timens(List<String> options, String... command) {
        return timens(options, Arrays.asList(command));
    }

    /** Runs {@code bin/timens} with exactly these arguments (no {@code --} added). */
    public Result timensArgs(List<String> args) {
        return launch(Toolchains.timens(), args);
    }

    public Result timensArgs(String... args) {
        return timensArgs(Arrays.asList(args));
    }

    /** Runs {@code bin/timens-faketime} with exactly these arguments. */
    public Result timensFaketimeArgs(List<String> args) {
        return launch(Toolchains.timensFaketime(), args);
    }

    /** Runs one of timens's launchers (bin/...), which start a namespace, with exactly these arguments. */
    private Result launch(Path launcher, List<String> args) {
        if (!Files.isExecutable(launcher)) {
            fail(launcher + " does not exist or is not executable: build timens first (bin/build package)");
        }
        if (TIMENS_TIMEOUTS.get() >= MAX_TIMEOUTS) {
            fail("not run: bin/timens already timed out " + TIMENS_TIMEOUTS.get() + " times in this test run");
        }
        List<String> argv = new ArrayList<>();
        argv.add(launcher.toString());
        argv.addAll(args);
        return run(argv, true);
    }

    /** Runs the command natively (outside any time namespace), for comparison. */
    public Result nativeRun(List<String> command) {
        return run(command, false);
    }

    public Result nativeRun(String... command) {
        return nativeRun(Arrays.asList(command));
    }

    private Result run(List<String> argv, boolean underTimens) {
        List<String> full = new ArrayList<>(wrapper);
        full.addAll(argv);
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("timens-it-", ".out");
            err = Files.createTempFile("timens-it-", ".err");
            ProcessBuilder builder = new ProcessBuilder(full)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().putAll(env);
            if (directory != null) {
                builder.directory(directory.toFile());
            }
            HostClock.Reading before = HostClock.read();
            long start = System.nanoTime();
            Process process = builder.start();
            boolean done = process.waitFor(timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            HostClock.Reading after = HostClock.read();
            Result result = new Result(full, done ? process.exitValue() : -1,
                    Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8),
                    elapsed, before, after);
            if (!done) {
                if (underTimens && timeout == null) {
                    TIMENS_TIMEOUTS.incrementAndGet();
                }
                fail("timed out after " + timeout().toSeconds() + " s and was killed:\n" + result.describe());
            }
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + full, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + full, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover temp file is harmless
            }
        }
    }

    /**
     * What one run did.
     *
     * @param command  the full command line
     * @param exitCode its exit status (-1 if it was killed on timeout)
     * @param stdout   everything it wrote to stdout
     * @param stderr   everything it wrote to stderr
     * @param elapsed  wall time of the run
     * @param before   the host clocks just before it started
     * @param after    the host clocks just after it ended
     */
    public record Result(List<String> command, int exitCode, String stdout, String stderr, Duration elapsed,
                         HostClock.Reading before, HostClock.Reading after) {

        /** Every {@code TAG key=value...} line of stdout. */
        public List<Probe> probes() {
            return Probe.parseAll(stdout);
        }

        /** The lines whose tag is exactly {@code tag} ({@code PROBE}, {@code OP}, {@code CHILD PROBE}...). */
        public List<Probe> tagged(String tag) {
            return probes().stream().filter(p -> p.tag().equals(tag)).toList();
        }

        /** The one line tagged {@code tag}; fails unless there is exactly one. */
        public Probe single(String tag) {
            List<Probe> lines = tagged(tag);
            assertThat(lines).as("exactly one %s line expected from:%n%s", tag, describe()).hasSize(1);
            return lines.get(0);
        }

        /** The lines of stderr (a final newline does not make an extra empty line). */
        public List<String> stderrLines() {
            if (stderr.isEmpty()) {
                return List.of();
            }
            String body = stderr.endsWith("\n") ? stderr.substring(0, stderr.length() - 1) : stderr;
            return List.of(body.split("\n", -1));
        }

        /** The last non-blank line of stdout, or "" if none. */
        public String lastLine() {
            String[] lines = stdout.strip().split("\n");
            return lines[lines.length - 1].strip();
        }

        /** Everything about the run, for assertion messages. */
        public String describe() {
            return "command: " + String.join(" ", command) + "\nexit status: " + exitCode
                    + "\nelapsed: " + elapsed.toMillis() + " ms\n--- stdout ---\n" + stdout
                    + "--- stderr ---\n" + stderr + "--------------";
        }

        /** Fails with the whole run described unless the exit status is {@code expected}. */
        public Result assertExit(int expected) {
            assertThat(exitCode).as("exit status of:%n%s", describe()).isEqualTo(expected);
            return this;
        }

        @Override
        public String toString() {
            return describe();
        }
    }
}
