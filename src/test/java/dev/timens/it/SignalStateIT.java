package dev.timens.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Signals around the command are as without timens: it starts with the
 * dispositions and mask timens was started with (whatever the JVM does with
 * its own), and Ctrl-\ (SIGQUIT to the whole process group) reaches the command
 * while timens neither dies of it nor prints a JVM thread dump into the
 * command's output.
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
}
