package dev.timens.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Job control in a real terminal: an interactive bash in tmux runs a command
 * natively and under timens, and the user's keys (Ctrl-Z, Ctrl-C), the
 * shell's {@code fg} and {@code bg}, and the terminal's SIGTTIN and SIGTTOU
 * for background jobs must do the same to both. What is compared
 * is what the user sees on the screen and the exit status the shell reports.
 */
@Tag("e2e")
class JobControlIT {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private String session;

    @BeforeEach
    void startTerminal() {
        Toolchains.requireOnPath("tmux", "apt-get install tmux");
        session = "timens-jc-" + UUID.randomUUID().toString().substring(0, 8);
        tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "50",
                "env PS1='$ ' bash --norc --noprofile");
        type("cd " + Toolchains.basedir());
    }

    @AfterEach
    void stopTerminal() {
        if (session != null) tmux("kill-session", "-t", session);
    }

    /** The command as typed: natively, or under timens in 2038. */
    private static String command(boolean underTimens, String shellCommand) {
        String quoted = "'" + shellCommand.replace("'", "'\\''") + "'";
        return (underTimens ? Toolchains.timens() + " --at 2038-01-19T00:00:00Z -- " : "") + "sh -c " + quoted;
    }

    private static String year(boolean underTimens) {
        return underTimens ? "2038" : String.valueOf(java.time.Year.now().getValue());
    }

    /** Ctrl-Z stops the command and gives the prompt back; fg brings it back, still reading the terminal. */
    @ParameterizedTest(name = "under timens: {0}")
    @ValueSource(booleans = {false, true})
    void ctrlZStopsAndFgResumes(boolean underTimens) {
        String marker = marker();
        type(command(underTimens, "read x; echo GOT $x $(date +%Y) " + marker));
        waitForProcess(marker);
        tmux("send-keys", "-t", session, "C-z");
        waitFor("Stopped");
        assertThat(processStates(marker)).as("the command's processes after Ctrl-Z").isNotEmpty().allMatch(s -> s.equalsIgnoreCase("T")); // t: a traced process in its group-stop
        type("fg");
        type("hello");
        waitFor("GOT hello " + year(underTimens) + " " + marker);
        type("echo status=$?");
        waitFor("status=0");
    }

    /** Ctrl-C ends the command with status 130 and leaves nothing running. */
    @ParameterizedTest(name = "under timens: {0}")
    @ValueSource(booleans = {false, true})
    void ctrlCEnds(boolean underTimens) {
        String marker = marker();
        // Pressed once the sleep runs: dash loses a Ctrl-C that comes between its
        // fork and the child's exec (natively too; that window is wider traced).
        String sleep = "sleep " + (1000 + new java.util.Random().nextInt(9000));
        type(command(underTimens, sleep + "; echo " + marker));
        waitForArgs(sleep);
        tmux("send-keys", "-t", session, "C-c");
        type("echo status=$?");
        waitFor("status=130");
        waitUntil(() -> processStates(marker).isEmpty(), "no process of the command left");
    }

    /**
     * Ctrl-C while timens is still starting, when it catches SIGINT already and
     * has no child yet: natively the command would have got it; under timens
     * it must not run as if nobody had pressed Ctrl-C.
     */
    @Test
    void ctrlCWhileTimensStartsEndsTheRun() {
        String marker = marker();
        type(command(true, "sleep 5; echo ran-" + marker));
        waitUntil(() -> startingTimens(marker), "a timens catching SIGINT with no child yet", 1, () -> { });
        tmux("send-keys", "-t", session, "C-c");
        type("echo status=$?");
        waitFor("status=130");
        assertThat(screen()).as("the command ran on").doesNotContainPattern("(?m)^ran-" + marker);
    }

    /**
     * Whether a timens JVM with {@code marker} in its command line catches
     * SIGINT (SigCgt) and has started no process yet.
     */
    private static boolean startingTimens(String marker) {
        java.io.File[] processes = new java.io.File("/proc").listFiles(f -> f.getName().matches("[0-9]+"));
        if (processes == null) return false;
        for (java.io.File process : processes) {
            try {
                String args = java.nio.file.Files.readString(process.toPath().resolve("cmdline")).replace('\0', ' ');
                if (!args.contains(marker) || !args.contains("timens.jar")) continue;
                String caught = java.nio.file.Files.readAllLines(process.toPath().resolve("status")).stream()
                        .filter(l -> l.startsWith("SigCgt:")).findFirst().orElse("SigCgt: 0").substring(7).trim();
                if ((Long.parseUnsignedLong(caught, 16) & 2) == 0) return false; // bit 1: SIGINT
                java.io.File[] threads = process.toPath().resolve("task").toFile().listFiles();
                if (threads == null) return false;
                for (java.io.File thread : threads) {
                    if (!java.nio.file.Files.readString(thread.toPath().resolve("children")).isBlank()) return false;
                }
                return true;
            } catch (IOException | RuntimeException e) {
                // gone, or not readable: not this one
            }
        }
        return false;
    }

    /**
     * A command that has exited but left a process in a session of its own
     * keeps timens waiting (README, the daemon rule): Ctrl-C, which the terminal
     * sends to timens alone now, ends that process and the run, with the
     * command's status. Natively the prompt would be back at once.
     */
    @Test
    void ctrlCEndsWhatTheCommandLeftBehind() {
        String marker = marker();
        type(command(true, "setsid env --default-signal sh -c \"sleep 1000; : " + marker + "\" & echo started-"
                + marker));
        waitFor("started-" + marker);
        // Only the leftover is left: its command line starts with the sleep.
        waitUntil(() -> leftovers(marker).equals(List.of("sleep 1000; : " + marker)), "the command exited");
        tmux("send-keys", "-t", session, "C-c");
        type("echo status=$?");
        waitFor("status=0");
        waitUntil(() -> processStates(marker).isEmpty(), "no process of the namespace left");
    }

    /**
     * {@code timensctl exec} from this terminal gives the command a terminal of
     * its own (a pseudo-terminal as its controlling terminal, with this one's
     * size): {@code tty} names it, an interactive bash in it has job control
     * (Ctrl-Z stops its job), its exit status comes back, and the terminal has
     * its modes back afterwards. Ctrl-C ends a joined command with 130.
     */
    @Test
    void timensctlExecGivesTheCommandATerminalOfItsOwn() {
        String name = marker();
        String timensctl = Toolchains.timens().resolveSibling("timensctl").toString();
        type(Toolchains.timens() + " --name " + name + " --at 2038-01-19T00:00:00Z -- sleep 1000 &");
        type("until " + timensctl + " list | grep -q " + name + "; do sleep 0.2; done; " + timensctl + " exec " + name
                + " -- env PS1='$ ' bash --norc --noprofile");
        waitFor("$ ");
        type("echo TTY $(tty) SIZE $(stty size) YEAR $(date +%Y)");
        waitFor("TTY /dev/pts/");
        assertThat(screen()).contains("SIZE 50 200 YEAR 2038");
        type("sleep 1001");
        waitForArgs("sleep 1001");
        tmux("send-keys", "-t", session, "C-z");
        waitFor("Stopped");
        type("fg");
        waitUntil(() -> run(List.of("ps", "-eo", "stat,args")).lines()
                .anyMatch(l -> l.trim().endsWith("sleep 1001") && !l.trim().startsWith("T")), "the job resumed");
        tmux("send-keys", "-t", session, "C-c");
        waitUntil(() -> run(List.of("ps", "-eo", "args")).lines().noneMatch(l -> l.trim().equals("sleep 1001")),
                "the job ended by Ctrl-C");
        type("exit 7");
        waitForEnd(name); // what is typed before timensctl has ended is the command's, as over ssh
        type("echo status=$?");
        waitFor("status=7");
        type("stty -a | grep -q -- ' icanon' && stty -a | grep -q -- ' echo ' && echo modes=back");
        waitFor("modes=back");
        type(timensctl + " exec " + name + " -- sleep 1002");
        waitForArgs("sleep 1002");
        tmux("send-keys", "-t", session, "C-c");
        waitForEnd(name);
        type("echo status=$?");
        waitFor("status=130");
        type("kill %1; wait; echo namespace=ended");
        waitFor("namespace=ended");
    }

    /** The command lines (after {@code sh -c}) of the sh processes with the marker. */
    private static List<String> leftovers(String marker) {
        List<String> lines = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s*\\S+\\s+sh -c (.*)$").matcher(run(List.of("ps", "-eo", "stat,args")));
        while (m.find()) {
            if (m.group(1).contains(marker)) lines.add(m.group(1).trim());
        }
        return lines;
    }

    /** Closing the terminal (a hang-up) ends the command and everything it started. */
    @ParameterizedTest(name = "under timens: {0}")
    @ValueSource(booleans = {false, true})
    void hangUpEnds(boolean underTimens) {
        String marker = marker();
        type(command(underTimens, "sleep 1000 & sleep 1000; echo " + marker));
        waitForProcess(marker);
        tmux("kill-session", "-t", session);
        session = null;
        waitUntil(() -> processStates(marker).isEmpty(), "end of the command after the hang-up");
    }

    /** A stopped command put in the background with bg runs on and ends normally. */
    @ParameterizedTest(name = "under timens: {0}")
    @ValueSource(booleans = {false, true})
    void bgContinuesInTheBackground(boolean underTimens) {
        String marker = marker();
        type(command(underTimens, "sleep 1; sleep 1; echo BG $(date +%Y) " + marker));
        waitForProcess(marker);
        tmux("send-keys", "-t", session, "C-z");
        waitFor("Stopped");
        type("bg");
        waitFor("BG " + year(underTimens) + " " + marker);
        type("wait; echo status=$?");
        waitFor("status=0");
    }

    /**
     * A background job that reads the terminal is stopped by SIGTTIN, and one
     * that writes to it under {@code stty tostop} by SIGTTOU; fg brings each
     * back to finish its read or write.
     */
    @ParameterizedTest(name = "under timens: {0}")
    @ValueSource(booleans = {false, true})
    void backgroundTerminalAccessStopsUntilFg(boolean underTimens) {
        String reader = marker();
        type(command(underTimens, "read x; echo GOT $x $(date +%Y) " + reader) + " &");
        waitForJob(reader);
        type("fg");
        type("hello");
        waitFor("GOT hello " + year(underTimens) + " " + reader);

        String writer = marker();
        type("stty tostop");
        type(command(underTimens, "date +%Y >/dev/null; echo OUT $(date +%Y) " + writer) + " &");
        waitForJob(writer);
        type("fg");
        waitFor("OUT " + year(underTimens) + " " + writer);
        type("stty -tostop; echo status=$?");
        waitFor("status=0");
    }

    /**
     * Waits until bash's {@code jobs} lists the job with {@code marker} as
     * stopped; bash reports a background job's stop only at a prompt, so
     * {@code jobs} is typed again each second.
     */
    private void waitForJob(String marker) {
        waitUntil(() -> screen().lines().anyMatch(line -> line.contains("Stopped") && line.contains(marker)),
                "stopped job for " + marker, 1000, () -> type("jobs"));
    }

    private static String marker() {
        return "jc" + UUID.randomUUID().toString().substring(0, 8);
    }

    private void type(String line) {
        tmux("send-keys", "-t", session, "-l", line);
        tmux("send-keys", "-t", session, "Enter");
    }

    private String screen() {
        return tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", session);
    }

    /**
     * Waits until {@code text} is on the screen at the start of a line, after a
     * job number or a prompt at most (so not just in the typed command).
     */
    private void waitFor(String text) {
        Pattern line = Pattern.compile("(?m)^(\\[\\d+\\]\\+\\s+|\\$ )?" + Pattern.quote(text));
        waitUntil(() -> line.matcher(screen()).find(), "'" + text + "' on the screen");
    }

    /** Waits until no {@code timensctl exec NAME} runs. */
    private void waitForEnd(String name) {
        waitUntil(() -> run(List.of("ps", "-eo", "args")).lines().noneMatch(l -> l.contains(" exec " + name + " ")),
                "the end of timensctl exec");
    }

    /** Waits until a process whose command line is {@code args} runs. */
    private void waitForArgs(String args) {
        waitUntil(() -> run(List.of("ps", "-eo", "args")).lines().anyMatch(l -> l.trim().equals(args)), "'" + args + "'");
    }

    /** Waits until a process with {@code marker} in its command line runs. */
    private void waitForProcess(String marker) {
        waitUntil(() -> !processStates(marker).isEmpty(), "a process of the command");
    }

    private void waitUntil(java.util.function.BooleanSupplier condition, String what) {
        waitUntil(condition, what, 50, () -> { });
    }

    /** Checks {@code condition} every {@code millis} ms, doing {@code between} before each wait. */
    private void waitUntil(java.util.function.BooleanSupplier condition, String what, long millis, Runnable between) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("no " + what + " after " + PATIENCE.toSeconds() + " s; screen:\n"
                        + (session == null ? "(closed)" : screen()));
            }
            between.run();
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    /** The scheduler states (ps STAT's first letter) of the sh processes whose command line has the marker. */
    private static List<String> processStates(String marker) {
        List<String> states = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s*(\\S)\\S*\\s+sh -c (.*)$").matcher(run(List.of("ps", "-eo", "stat,args")));
        while (m.find()) {
            if (m.group(2).contains(marker)) states.add(m.group(1));
        }
        return states;
    }

    private static String tmux(String... args) {
        List<String> command = new ArrayList<>(List.of("tmux"));
        command.addAll(List.of(args));
        return run(command);
    }

    private static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(command + " did not finish");
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError(command + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
