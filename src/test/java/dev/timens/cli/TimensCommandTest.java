package dev.timens.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Everything the CLI decides before it starts anything. (Runs that trace a
 * command are end-to-end tests: this JVM never ptraces.)
 */
class TimensCommandTest {
    @TempDir
    Path dir;

    private record Result(int status, String out, String err) {}

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = TimensCommand.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(status, out.toString(), err.toString());
    }

    private Path marker() {
        return dir.resolve("started");
    }

    private void assertOneLineError(Result r, int status, String mentions) {
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).startsWith("timens: ").contains(mentions);
        assertThat(r.out()).isEmpty();
        assertThat(marker()).doesNotExist();
    }

    @Test
    void helpAndVersion() {
        Result help = run("--help");
        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("--at", "--offset", "--monotonic", "--boottime", "--faketime", "COMMAND",
                "--only-cmds", "--skip-cmds");
        // The footer is a format string: a lone '%' makes picocli warn on stderr and print the line raw.
        assertThat(help.out()).contains("'%' (start at the");
        for (String line : TimensCommand.FOOTER) {
            assertThat(String.format(line)).isNotNull();
        }
        assertThat(run("--version").out()).startsWith("timens");
    }

    @Test
    void anInvalidNameIsAUsageErrorAndStartsNothing() {
        assertOneLineError(run("--name", "a/b", "--", "touch", marker().toString()), 2, "invalid --name 'a/b'");
        assertOneLineError(run("--name", "", "--", "touch", marker().toString()), 2, "invalid --name ''");
        assertOneLineError(run("--name", "1234", "--", "touch", marker().toString()), 2, "not only digits");
    }

    @Test
    void badDateIsAUsageErrorAndStartsNothing() {
        assertOneLineError(run("--at", "2038-13-45", "--", "touch", marker().toString()), 2, "2038-13-45");
    }

    @Test
    void badDurationsAreUsageErrors() {
        assertOneLineError(run("--offset", "3 days", "--", "touch", marker().toString()), 2, "3 days");
        assertOneLineError(run("--monotonic", "+1x", "--", "touch", marker().toString()), 2, "1x");
        assertOneLineError(run("--boottime", "", "--", "touch", marker().toString()), 2, "");
    }

    @Test
    void conflictingRealtimeOptionsAreRejected() {
        assertOneLineError(run("--at", "@0", "--offset", "+1d", "--", "touch", marker().toString()), 2, "exclude");
    }

    @Test
    void outOfRangeValuesAreRejected() {
        assertOneLineError(run("--at", "1969-12-31T23:59:59Z", "--", "touch", marker().toString()), 2, "range");
        assertOneLineError(run("--monotonic", "-300y", "--", "touch", marker().toString()), 2, "");
    }

    @Test
    void ratesAreCheckedBeforeAnythingStarts() {
        assertOneLineError(run("--faketime", "+1d i2", "--", "touch", marker().toString()), 2, "not supported");
        assertOneLineError(run("--rate", "0", "--", "touch", marker().toString()), 2, "--freeze");
        assertOneLineError(run("--rate", "-2", "--", "touch", marker().toString()), 2, "above 0");
        assertOneLineError(run("--rate", "fast", "--", "touch", marker().toString()), 2, "fast");
        assertOneLineError(run("--rate", "3000000000", "--", "touch", marker().toString()), 2, "out of range");
        assertOneLineError(run("--rate", "2", "--freeze", "--", "touch", marker().toString()), 2, "exclude");
        // A rate whose fixed-point multiplier would be 0 (frozen) or far off is refused, not changed.
        assertOneLineError(run("--rate", "1e-10", "--", "touch", marker().toString()), 2, "from 0.000001");
        assertOneLineError(run("--rate", "0.0000009", "--", "touch", marker().toString()), 2, "out of range");
        assertOneLineError(run("--faketime", "+0 x0.0000000001", "--", "touch", marker().toString()), 2,
                "rate 1E-10 is out of range");
    }

    /** Messages about rates stay short, however many digits the rate has. */
    @Test
    void hugeRatesArePrintedCompactly() {
        Result rate = run("--rate", "1e300", "--", "touch", marker().toString());
        assertOneLineError(rate, 2, "'1e300': out of range");
        assertThat(rate.err().length()).isLessThan(160);
        Result speed = run("--faketime", "+0 x1" + "0".repeat(300), "--", "touch", marker().toString());
        assertOneLineError(speed, 2, "rate 1E+300 is out of range");
        assertThat(speed.err().length()).isLessThan(160);
        assertOneLineError(run("--faketime", "+2d x2", "--rate", "3", "--", "touch", marker().toString()), 2, "exclude");
    }

    @Test
    void programsOnHostTimeAreCheckedBeforeAnythingStarts() {
        assertOneLineError(run("--only-cmds", "a", "--skip-cmds", "b", "--", "touch", marker().toString()), 2,
                "--only-cmds and --skip-cmds exclude each other");
        assertOneLineError(run("--skip-cmds", "a", "--warp", "--", "touch", marker().toString()), 2, "--warp");
        assertThat(TimensCommand.programNames(",javadoc,,ctags,")).containsExactlyInAnyOrder("javadoc", "ctags");
        assertThat(TimensCommand.programNames("")).isEmpty();
    }

    @Test
    void missingCommandIsAUsageError() {
        assertOneLineError(run("--offset", "+1d"), 2, "missing COMMAND");
        assertOneLineError(run("--frobnicate", "--", "true"), 2, "frobnicate");
    }

    @Test
    void commandNotFoundIs127() {
        assertOneLineError(run("--", "/nonexistent/timens-test-command"), 127, "No such file");
        assertOneLineError(run("--", "timens-no-such-command-anywhere"), 127, "command not found");
    }

    @Test
    void commandNotExecutableIs126() throws Exception {
        Path script = Files.writeString(dir.resolve("script.sh"), "#!/bin/sh\ntouch " + marker() + "\n");
        assertOneLineError(run("--", script.toString()), 126, "Permission denied");
        assertOneLineError(run("--", dir.toString()), 126, "Is a directory");
    }
}
