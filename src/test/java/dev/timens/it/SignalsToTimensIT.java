package dev.timens.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Signals sent to the timens process itself: every catchable one is forwarded
 * to the command or ignored (README, "Signals sent to timens"). timens never
 * dies of one, the JVM prints no banner and writes no hs_err_pid*.log into the
 * working directory (each run has an empty temporary one, which must stay
 * empty). Once the command has exited, SIGTERM, SIGHUP and SIGINT end the
 * processes it left in the namespace, so that {@code timeout} works.
 *
 * <p>Each run starts timens with default dispositions ({@code env
 * --default-signal}): a test JVM started in the background may have SIGINT and
 * SIGQUIT ignored, and timens keeps a signal it was started with ignored.
 */
@Tag("e2e")
class SignalsToTimensIT {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    /** Waits for SIGNAL in a bash trap: prints "got SIGNAL" when it comes, "finished" when told to end. */
    private static List<String> trapping(String signal, Path control) {
        return List.of("bash", "-c", "trap 'echo got " + signal + "' " + signal + "; touch '" + control.resolve("ready")
                + "'; while [ ! -e '" + control.resolve("done") + "' ]; do sleep 0.05; done; echo finished");
    }

    /** Forwarded to the command when a process outside the namespace sends them to timens. */
    @ParameterizedTest
    @ValueSource(strings = {"HUP", "INT", "QUIT", "USR1", "USR2", "ALRM", "TERM", "STKFLT", "VTALRM", "PROF", "IO",
            "PWR", "ABRT", "RTMIN", "RTMIN+1", "RTMAX"})
    void forwardedToTheCommand(String signal, @TempDir Path work, @TempDir Path control) throws Exception {
        Running run = Running.start(work, control, trapping(signal, control));
        run.waitFor(() -> Files.exists(control.resolve("ready")), "the command's trap is set");
        run.kill(signal);
        run.waitFor(() -> run.stdout().contains("got " + signal), "the command gets " + signal);
        Files.createFile(control.resolve("done"));
        run.end();
        assertThat(run.status).as(run.describe()).isZero();
        assertThat(run.stdout()).as(run.describe()).isEqualTo("got " + signal + "\nfinished\n");
        assertThat(run.stderr()).as(run.describe()).isEmpty();
        assertNothingWritten(work, run);
    }

    /**
     * Ignored whoever sends them: faults and limits (the JVM keeps its own
     * SIGSEGV and the like, {@link #theJvmStillHandlesItsOwnFaults}), and the
     * signals ignored by default. Before, SIGSEGV, SIGBUS, SIGILL and SIGFPE
     * made the JVM print a fatal-error banner and write hs_err_pid*.log, and
     * SIGXCPU, SIGTRAP and SIGSYS killed timens.
     */
    @ParameterizedTest
    @ValueSource(strings = {"SEGV", "BUS", "ILL", "FPE", "TRAP", "SYS", "XCPU", "XFSZ", "PIPE", "WINCH", "URG"})
    void ignored(String signal, @TempDir Path work, @TempDir Path control) throws Exception {
        Running run = Running.start(work, control, trapping(signal, control));
        run.waitFor(() -> Files.exists(control.resolve("ready")), "the command's trap is set");
        run.kill(signal);
        Thread.sleep(500); // what would be forwarded arrives within that
        Files.createFile(control.resolve("done"));
        run.end();
        assertThat(run.status).as(run.describe()).isZero();
        assertThat(run.stdout()).as(run.describe()).isEqualTo("finished\n");
        assertThat(run.stderr()).as(run.describe()).isEmpty();
        assertNothingWritten(work, run);
    }

    /**
     * A program that signals its parent reaches timens (a daemon announcing
     * readiness with SIGUSR1, an X server): timens survives every such signal,
     * and sends none back to its sender. Only SIGTERM and SIGHUP, which ask
     * timens to end, are forwarded (SignalStateIT).
     */
    @Test
    void signalsFromTheCommandToItsParentAreIgnored(@TempDir Path work, @TempDir Path control) throws Exception {
        List<String> signals = List.of("USR1", "USR2", "ALRM", "XCPU", "TRAP", "SYS", "SEGV", "BUS", "ILL", "FPE",
                "INT", "QUIT", "VTALRM", "PROF", "IO", "PWR", "ABRT", "STKFLT", "RTMIN", "RTMAX");
        StringBuilder script = new StringBuilder();
        for (String signal : signals) {
            script.append("trap 'echo got ").append(signal).append("' ").append(signal).append("; ");
        }
        for (String signal : signals) {
            script.append("kill -s ").append(signal).append(" $PPID && sleep 0.1 && echo sent ").append(signal)
                    .append("; ");
        }
        script.append("sleep 0.5; echo alive");
        Running run = Running.start(work, control, List.of("bash", "-c", script.toString()));
        run.end();
        StringBuilder expected = new StringBuilder();
        for (String signal : signals) expected.append("sent ").append(signal).append('\n');
        assertThat(run.status).as(run.describe()).isZero();
        assertThat(run.stdout()).as(run.describe()).isEqualTo(expected + "alive\n");
        assertThat(run.stderr()).as(run.describe()).isEmpty();
        assertNothingWritten(work, run);
    }

    /**
     * The case: the command has exited and left a process in a session
     * of its own; {@code timeout} sends SIGTERM to timens, which passes it on,
     * so the run ends at the timeout (it took the full 15 s before). Also when
     * that process is stopped: natively SIGTERM ends a stopped process at
     * once, but not a traced one, so SIGCONT follows it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"setsid sleep 15 & echo $!", "setsid sleep 15 & kill -STOP $!; echo $!"})
    void timeoutEndsWhatTheCommandLeftBehind(String script, @TempDir Path work) throws Exception {
        List<String> command = List.of("timeout", "3", Toolchains.timens().toString(), "--", "sh", "-c", script);
        TimensRunner.Result result = new TimensRunner().in(work).wrappedIn(List.of("env", "--default-signal"))
                .nativeRun(command);
        assertThat(result.exitCode()).as("timeout's status (it timed out) in:%n%s", result.describe()).isEqualTo(124);
        assertThat(result.elapsed()).as(result.describe()).isLessThan(Duration.ofSeconds(10));
        assertGone(Long.parseLong(result.stdout().trim()));
        assertThat(result.stderr()).as(result.describe()).isEmpty();
    }

    /**
     * SIGTERM, SIGHUP or SIGINT (Ctrl-C) sent to timens after its command has
     * exited go to every process still in the namespace; timens then returns
     * the command's status.
     */
    @ParameterizedTest
    @ValueSource(strings = {"TERM", "HUP", "INT"})
    void afterTheCommandExitedTheSignalEndsWhatItLeftBehind(String signal, @TempDir Path work, @TempDir Path control)
            throws Exception {
        // A background job of a non-interactive shell starts with SIGINT ignored: not this one.
        Running run = Running.start(work, control, List.of("sh", "-c",
                "setsid env --default-signal sleep 15 & echo $$ $!; exit 3"));
        run.waitFor(() -> run.stdout().endsWith("\n"), "the command prints its pid and its background one");
        String[] pids = run.stdout().trim().split(" ");
        long leftover = Long.parseLong(pids[1]);
        long command = Long.parseLong(pids[0]);
        run.waitFor(() -> !Processes.running(command), "the command has exited");
        Thread.sleep(200);
        assertThat(run.process.isAlive()).as("timens waits for the leftover sleep").isTrue();
        run.kill(signal);
        run.end();
        assertThat(run.elapsed).as(run.describe()).isLessThan(Duration.ofSeconds(10));
        assertThat(run.status).as("the command's status in:%n%s", run.describe()).isEqualTo(3);
        assertGone(leftover);
        assertNothingWritten(work, run);
    }

    /**
     * A SIGTERM at any moment of timens's start-up ends the run as SIGTERM
     * ends the command: status 143, no error of timens's own (one forwarded
     * before the helper was traced made timens fail to start).
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 100, 200, 300, 400, 600})
    void sigtermDuringStartUpEndsTheCommand(int afterMillis, @TempDir Path work, @TempDir Path control)
            throws Exception {
        Running run = Running.start(work, control, List.of("sleep", "20"));
        Thread.sleep(afterMillis);
        run.kill("TERM");
        run.end();
        assertThat(run.status).as(run.describe()).isEqualTo(128 + 15);
        assertThat(run.stderr()).as(run.describe()).isEmpty();
        assertNothingWritten(work, run);
    }

    /**
     * The JVM of timens still turns its own faults into exceptions and
     * safepoints while timens catches the same signals sent from outside: a
     * JVM set up as timens sets up its own takes null dereferences, divisions by
     * zero, stack overflows, a read of a truncated mapped file and collections
     * in compiled code, while SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGUSR2 (the
     * JVM's suspend signal) come from outside; they are caught, as sent by kill.
     */
    @Test
    void theJvmStillHandlesItsOwnFaults(@TempDir Path work) throws Exception {
        Path library = Toolchains.basedir().resolve("target/native/libtimens-signals.so");
        assertThat(library).as("built by bin/build").isRegularFile();
        List<String> options = new ArrayList<>(List.of(Toolchains.java().toString()));
        options.addAll(List.of(Files.readString(Toolchains.basedir().resolve("src/main/aot/jvm-options")).trim()
                .split("\\s+")));
        Path target = Toolchains.basedir().resolve("target");
        options.addAll(List.of("-cp", target.resolve("classes") + File.pathSeparator + target.resolve("test-classes"),
                "dev.timens.cli.JvmFaultsProbe",
                library.toString(), work.toString()));
        Process probe = new ProcessBuilder(options).directory(work.toFile()).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(probe.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assertThat(line).as("first line of the probe").isEqualTo("READY");
            List<String> sent = List.of("SEGV", "BUS", "ILL", "FPE", "USR2");
            for (String signal : sent) {
                Thread.sleep(200); // in the middle of the work
                kill(signal, probe.pid());
            }
            Thread.sleep(500);
            probe.getOutputStream().close();
            while ((line = out.readLine()) != null) lines.add(line);
        } finally {
            if (!probe.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) probe.destroyForcibly();
        }
        String all = String.join("\n", lines);
        assertThat(probe.exitValue()).as(all).isZero();
        assertThat(lines).as("caught, as sent by kill (SI_USER)").contains("CAUGHT signal=11 code=0",
                "CAUGHT signal=7 code=0", "CAUGHT signal=4 code=0", "CAUGHT signal=8 code=0", "CAUGHT signal=12 code=0");
        String faults = lines.stream().filter(l -> l.startsWith("FAULTS ")).findFirst().orElseThrow(() ->
                new AssertionError("no FAULTS line in:\n" + all));
        Probe counts = Probe.parseAll(faults).get(0);
        for (String key : List.of("npe", "soe", "div0", "bus", "gc")) {
            assertThat(counts.longValue(key)).as("%s in %s", key, faults).isPositive();
        }
        try (Stream<Path> files = Files.list(work)) {
            assertThat(files.map(f -> f.getFileName().toString())).as("files the probe JVM wrote")
                    .containsOnly("truncated");
        }
    }

    private static void kill(String signal, long pid) throws IOException, InterruptedException {
        // bash's kill knows every name (RTMIN+1 too).
        Process kill = new ProcessBuilder("bash", "-c", "kill -s \"$0\" \"$1\"", signal, Long.toString(pid))
                .inheritIO().start();
        assertThat(kill.waitFor()).as("kill -s %s %d", signal, pid).isZero();
    }

    /** No hs_err_pid*.log, no core file, nothing else in the working directory. */
    private static void assertNothingWritten(Path work, Running run) throws IOException {
        try (Stream<Path> files = Files.list(work)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .as("files written into the working directory by:%n%s", run.describe()).isEmpty();
        }
    }

    /** Gone, or a zombie its new parent has not reaped yet. */
    private static void assertGone(long pid) throws InterruptedException {
        Processes.assertEnds(pid, "the leftover process");
    }

    /** timens started in the background, so that the test can signal it while its command runs. */
    private static final class Running {
        final Process process;
        final Path out;
        final Path err;
        final List<String> command;
        final long start = System.nanoTime();
        int status = -1;
        Duration elapsed;

        private Running(Process process, Path out, Path err, List<String> command) {
            this.process = process;
            this.out = out;
            this.err = err;
            this.command = command;
        }

        static Running start(Path work, Path control, List<String> command) throws IOException {
            List<String> argv = new ArrayList<>(List.of("env", "--default-signal", Toolchains.timens().toString(),
                    "--"));
            argv.addAll(command);
            Path out = control.resolve("stdout");
            Path err = control.resolve("stderr");
            Process process = new ProcessBuilder(argv).directory(work.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            return new Running(process, out, err, argv);
        }

        String stdout() {
            return read(out);
        }

        String stderr() {
            return read(err);
        }

        private static String read(Path file) {
            try {
                return Files.readString(file);
            } catch (IOException e) {
                return "";
            }
        }

        /** Sends the signal to timens's own pid (bin/timens execs the JVM). */
        void kill(String signal) throws IOException, InterruptedException {
            SignalsToTimensIT.kill(signal, process.pid());
        }

        void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (!condition.getAsBoolean()) {
                if (!process.isAlive()) fail("timens ended before " + what + ":\n" + describe());
                if (System.nanoTime() > deadline) fail("timed out waiting until " + what + ":\n" + describe());
                Thread.sleep(20);
            }
        }

        void end() throws InterruptedException {
            if (!process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                fail("timed out:\n" + describe());
            }
            elapsed = Duration.ofNanos(System.nanoTime() - start);
            status = process.exitValue();
        }

        String describe() {
            return "command: " + String.join(" ", command) + "\nexit status: " + status + "\n--- stdout ---\n"
                    + stdout() + "--- stderr ---\n" + stderr() + "--------------";
        }
    }
}
