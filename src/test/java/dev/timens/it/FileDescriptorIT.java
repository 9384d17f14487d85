package dev.timens.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command inherits what it would without timens: exactly the file
 * descriptors passed to timens (none of the JVM's own: its jar, its module
 * image), and its umask, resource limits, working directory, environment,
 * process group, session, nice value and terminal.
 */
@Tag("e2e")
class FileDescriptorIT {
    /** ls lists its own descriptors (no pipe of a shell pipeline can be caught in the listing). */
    private static final String LIST_FDS = "exec ls /proc/self/fd";

    @Test
    void sameDescriptorsAsNatively() {
        // The shell around the run opens 5 and 7 for reading; both must arrive.
        TimensRunner runner = new TimensRunner()
                .wrappedIn(List.of("sh", "-c", "exec 5</dev/null 7</dev/null; exec \"$0\" \"$@\""));
        String natively = runner.nativeRun("sh", "-c", LIST_FDS).assertExit(0).stdout().trim().replace("\n", " ");
        String underTimens = runner.timens(List.of(), "sh", "-c", LIST_FDS).assertExit(0).stdout().trim().replace("\n", " ");
        assertThat(natively).contains("5", "7");
        assertThat(underTimens).isEqualTo(natively);
    }

    @Test
    void sameLimitsUmaskDirectoryEnvironmentAndGroup() {
        String show = "umask; ulimit -a; pwd; env | grep -v '^_=' | sort; ps -o pgid=,sid=,nice=,tty= -p $$";
        TimensRunner runner = new TimensRunner()
                .wrappedIn(List.of("sh", "-c", "umask 027; ulimit -n 555; exec \"$0\" \"$@\""))
                .withEnv("TIMENS_IT_MARK", "inherited");
        String natively = runner.nativeRun("sh", "-c", show).assertExit(0).stdout();
        assertThat(natively).contains("0027", "555", "TIMENS_IT_MARK=inherited");
        assertThat(runner.timens(List.of(), "sh", "-c", show).assertExit(0).stdout()).isEqualTo(natively);
    }

    /**
     * With no free descriptor below RLIMIT_NOFILE (`ulimit -n 3` and 0, 1, 2
     * open), a static program runs natively; under timens it gets the image
     * in its descriptor 2 for one mmap, then its stderr back: it runs on the
     * namespace's clock, and what it writes to stderr still arrives there.
     */
    @Test
    void aProgramWithNoFreeDescriptorRunsAndKeepsItsStderr() {
        List<String> command = List.of("sh", "-c", "ulimit -n 3; \"$1\"; \"$2\" bogus=1", "sh",
                Toolchains.program("clockprobe-static").toString(), Toolchains.program("setclock-static").toString());
        TimensRunner runner = new TimensRunner();
        TimensRunner.Result natively = runner.nativeRun(command);
        TimensRunner.Result run = runner.timens(List.of("--at", "@" + ClockProgramsIT.Y2038), command);

        assertThat(natively.tagged("PROBE")).as(natively.describe()).hasSize(1);
        assertThat(run.exitCode()).as(run.describe()).isEqualTo(natively.exitCode());
        assertThat(run.single("PROBE").decimal("realtime").longValue()).as(run.describe())
                .isBetween(ClockProgramsIT.Y2038, ClockProgramsIT.Y2038 + 60);
        assertThat(run.stderr()).as(run.describe()).isEqualTo(natively.stderr())
                .contains("unknown operation bogus");
    }
}
