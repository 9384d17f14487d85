package dev.timens.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Signals around the command are as without timens: it starts with the
 * dispositions and mask timens was started with (whatever the JVM does with
 * its own), and Ctrl-\ (SIGQUIT to the whole process group) reaches the command
 * while timens neither dies of it nor prints a JVM thread dump into the
 * command's output. SIGTERM to timens reaches the command; SIGKILL to timens
 * ends the namespace. Signals between the namespace's processes, and crashes
 * with their core dumps, are as natively.
 */
@Tag("e2e")
class SignalStateIT {
    private static final List<String> SHOW = List.of("grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status");

    @Test
    void theCommandStartsWithTheSignalStateTimensWasGiven() {
        TimensRunner plain = new TimensRunner();
        assertThat(plain.timens(List.of(), SHOW).assertExit(0).stdout())
                .isEqualTo(plain.nativeRun(SHOW).assertExit(0).stdout());

        // A shell running a command in the background ignores SIGINT and SIGQUIT
        // for it; nohup ignores SIGHUP: such a command must still ignore them.
        TimensRunner ignoring = new TimensRunner()
                .wrappedIn(List.of("sh", "-c", "trap '' INT QUIT HUP USR2; exec \"$0\" \"$@\""));
        String natively = ignoring.nativeRun(SHOW).assertExit(0).stdout();
        assertThat(ignoredMask(natively) & 0x807).as("SIGHUP, SIGINT, SIGQUIT, SIGUSR2 ignored").isEqualTo(0x807);
        assertThat(ignoring.timens(List.of(), SHOW).assertExit(0).stdout()).isEqualTo(natively);
    }

    /**
     * A signal the program ignores (SIG_IGN, or SIG_DFL for SIGCHLD and
     * SIGWINCH) is discarded by the kernel when it is sent; it must not end an
     * epoll_wait or sigtimedwait with EINTR under timens either (ptrace keeps
     * such signals for traced threads), in any mode, with either engine (engine
     * v2 traces a thread while it waits with a timeout it scaled).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--offset +1d", "--rate 2", "--warp", "--engine v2 --offset +1d", "--engine v2 --rate 2",
            "--engine v2 --warp"})
    void anIgnoredSignalDoesNotCutAWaitShort(String mode) {
        List<String> options = List.of(mode.split(" "));
        List<String> command = List.of(Toolchains.program("ignoredsignals").toString());
        TimensRunner runner = new TimensRunner();
        TimensRunner.Result natively = runner.nativeRun(command).assertExit(0);
        TimensRunner.Result run = runner.timens(options, command).assertExit(0);

        assertThat(natively.tagged("WAIT")).as(natively.describe()).hasSize(5)
                .allSatisfy(w -> assertThat(w.string("result")).isIn("0", "error-EAGAIN"));
        assertThat(run.tagged("WAIT")).as(run.describe()).isEqualTo(natively.tagged("WAIT"));
    }

    private static long ignoredMask(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("SigIgn:")) return Long.parseUnsignedLong(line.substring(7).trim(), 16);
        }
        throw new AssertionError("no SigIgn in " + status);
    }

    @Test
    void sigquitToTimensPrintsNoThreadDumpAndKillsNothing() {
        // $PPID of the command is timens's JVM.
        TimensRunner.Result run = new TimensRunner()
                .timens(List.of(), "sh", "-c", "kill -QUIT $PPID && sleep 1 && echo alive");
        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.stdout()).isEqualTo("alive\n");
        assertThat(run.stderr()).doesNotContain("thread dump");
    }

    @Test
    void ctrlBackslashReachesTheCommandAsWithoutTimens() {
        // A new session, so that "the process group" is the command's (and
        // timens's) alone, as for a job in a terminal.
        TimensRunner inSession = new TimensRunner().wrappedIn(List.of("setsid", "-w"));
        List<String> command = List.of("sh", "-c", "kill -QUIT 0; sleep 1; echo survived");
        TimensRunner.Result natively = inSession.nativeRun(command);
        TimensRunner.Result run = inSession.timens(List.of(), command);
        assertThat(natively.stdout()).isEmpty();
        assertThat(run.exitCode()).as(run.describe()).isEqualTo(natively.exitCode());
        assertThat(run.stdout()).isEqualTo(natively.stdout());
        assertThat(run.stderr()).doesNotContain("thread dump");
    }

    /**
     * SIGTERM sent to timens reaches the command, whose handler runs and whose
     * exit status timens returns.
     */
    @Test
    void sigtermToTimensIsForwardedToTheCommand() {
        TimensRunner.Result run = new TimensRunner().timens(List.of(), "sh", "-c",
                "trap 'kill $!; echo got TERM; exit 3' TERM; kill -TERM $PPID; sleep 10 & wait");
        assertThat(run.exitCode()).as(run.describe()).isEqualTo(3);
        assertThat(run.stdout()).isEqualTo("got TERM\n");
    }

    /**
     * timens killed with SIGKILL takes the whole namespace with it
     * (PTRACE_O_EXITKILL): a background process of the command does not run
     * on with half-virtual clocks.
     */
    @Test
    void killingTimensEndsEveryProcessOfTheNamespace() throws InterruptedException {
        TimensRunner.Result run = new TimensRunner().timens(List.of(), "sh", "-c",
                "sleep 300 & echo $!; sleep 0.2; kill -KILL $PPID; sleep 300");
        assertThat(run.exitCode()).as(run.describe()).isEqualTo(128 + 9);
        long background = Long.parseLong(run.stdout().trim());
        Processes.assertEnds(background, "the command's background sleep");
    }

    /**
     * Signals between processes of the namespace arrive unchanged: queued
     * real-time signals keep their order, values, si_code and sender; kill's
     * SIGUSR1 its si_code; SIGSTOP and SIGCONT sent by a parent show in its
     * waitpid as natively.
     */
    @ParameterizedTest
    @ValueSource(strings = {"treeprobe", "treeprobe-static"})
    void signalsBetweenProcessesArriveUnchanged(String tree) {
        List<String> command = List.of(Toolchains.program(tree).toString(), "signals", "/bin/true");
        TimensRunner runner = new TimensRunner();
        TimensRunner.Result natively = runner.nativeRun(command).assertExit(0);
        assertThat(natively.single("SIGNALS").line())
                .isEqualTo("SIGNALS rt_values=1,2,3 rt_code=SI_QUEUE rt_from_parent=1 usr1_code=SI_USER");
        TimensRunner.Result run = runner.timens(ProcessTreeIT.AT_2038, command).assertExit(0);
        assertThat(run.single("SIGNALS").line()).as(run.describe()).isEqualTo(natively.single("SIGNALS").line());
        assertThat(run.single("SIGSTATES").line()).as(run.describe())
                .isEqualTo(natively.single("SIGSTATES").line());
    }

    /** A program that crashes dumps core under timens exactly when it does natively. */
    @Test
    void aCrashDumpsCoreAsNatively(@TempDir Path nativeDir, @TempDir Path timensDir) throws IOException {
        List<String> command = List.of(Toolchains.program("treeprobe").toString(), "core", "/bin/true");
        Probe natively = new TimensRunner().in(nativeDir).nativeRun(command).assertExit(0).single("CORE");
        TimensRunner.Result run = new TimensRunner().in(timensDir).timens(List.of(), command).assertExit(0);
        assertThat(run.single("CORE").line()).as(run.describe()).isEqualTo(natively.line());
        try (Stream<Path> nativeFiles = Files.list(nativeDir); Stream<Path> timensFiles = Files.list(timensDir)) {
            // Names without digits: core_pattern may hold the pid (core.%p, core_uses_pid).
            assertThat(timensFiles.map(f -> f.getFileName().toString().replaceAll("[0-9]+", "N")).toList())
                    .as("core files written").isEqualTo(nativeFiles
                            .map(f -> f.getFileName().toString().replaceAll("[0-9]+", "N")).toList());
        }
    }
}
