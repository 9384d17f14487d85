package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/syscall-log, the second tool on the engine, on real commands: it logs
 * the syscalls it is asked to with their paths, and fails the denied ones with
 * the errno it was given.
 */
@Tag("e2e")
class SyscallLogIT {
    private static final Path HOSTNAME = Path.of("/etc/hostname");

    private final TimensRunner runner = new TimensRunner();

    private static String syscallLog() {
        return Toolchains.basedir().resolve("examples/syscall-log/run").toString();
    }

    @Test
    void logsTheOpenatOfTheFileCatReads() throws Exception {
        assumeTrue(Files.isReadable(HOSTNAME), "no /etc/hostname here");
        TimensRunner.Result run = runner.nativeRun(syscallLog(), "openat,close", "--", "cat", HOSTNAME.toString())
                .assertExit(0);

        assertThat(run.stdout()).isEqualTo(Files.readString(HOSTNAME));
        assertThat(run.stderrLines()).as(run.describe())
                .anyMatch(l -> l.matches("\\[\\d+] openat\\(-100, \"/etc/hostname\", \\w+, \\w+\\) = \\d+"))
                .allMatch(l -> l.matches("\\[\\d+] (openat|close)\\(.*"));
    }

    @Test
    void aDeniedSyscallFailsWithTheChosenErrno(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("log");
        String script = "kill -0 $$; echo status=$?";
        assertThat(runner.nativeRun("sh", "-c", script).assertExit(0).stdout()).isEqualTo("status=0\n");

        TimensRunner.Result run = runner.nativeRun(syscallLog(), "-o", log.toString(), "--deny", "kill=EACCES",
                "getpid", "sh", "-c", script).assertExit(0);

        assertThat(run.stdout()).as(run.describe()).isEqualTo("status=1\n");
        assertThat(run.stderr()).as(run.describe()).contains("Permission denied");
        assertThat(Files.readAllLines(log)).as(run.describe())
                .anyMatch(l -> l.matches("\\[\\d+] kill\\(\\d+, 0\\) = -1 EACCES \\(denied\\)"));
    }
}
