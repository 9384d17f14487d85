package dev.timens.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What timensctl decides before it talks to any namespace. */
class TimensctlCommandTest {
    private static final LocalZone UTC = LocalZone.of(ZoneOffset.UTC);

    @TempDir
    Path runtime;

    private record Result(int status, String out, String err) {}

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = TimensctlCommand.run(new PrintWriter(out), new PrintWriter(err),
                Map.of("XDG_RUNTIME_DIR", runtime.toString()), args);
        return new Result(status, out.toString(), err.toString());
    }

    private static void assertOneLine(Result r, int status, String mentions) {
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).startsWith("timensctl: ").contains(mentions);
    }

    @Test
    void changesInTheProtocolsTerms() {
        assertThat(TimensctlCommand.change(UTC, "--at", "2040-01-01T00:00:00Z"))
                .isEqualTo(new TimensctlCommand.Change("at", "2208988800000000000"));
        assertThat(TimensctlCommand.change(UTC, "--at", "@1.5"))
                .isEqualTo(new TimensctlCommand.Change("at", "1500000000"));
        assertThat(TimensctlCommand.change(LocalZone.of(ZoneOffset.ofHours(2)), "--at", "2040-01-01 02:00"))
                .as("local time, as timens --at").isEqualTo(new TimensctlCommand.Change("at", "2208988800000000000"));
        assertThat(TimensctlCommand.change(UTC, "--offset", "-3d"))
                .isEqualTo(new TimensctlCommand.Change("offset", "-259200000000000"));
        assertThat(TimensctlCommand.change(UTC, "--monotonic", "+1h"))
                .isEqualTo(new TimensctlCommand.Change("monotonic", "3600000000000"));
        assertThat(TimensctlCommand.change(UTC, "--boottime", "1h30m"))
                .isEqualTo(new TimensctlCommand.Change("boottime", "5400000000000"));
        // Backwards is the namespace's to refuse (status 5), not a usage error.
        assertThat(TimensctlCommand.change(UTC, "--monotonic", "-1h"))
                .isEqualTo(new TimensctlCommand.Change("monotonic", "-3600000000000"));
        assertThat(TimensctlCommand.change(UTC, "--rate", "60")).isEqualTo(new TimensctlCommand.Change("rate", "60"));
        assertThat(TimensctlCommand.change(UTC, "--freeze")).isEqualTo(new TimensctlCommand.Change("freeze", "-"));
        assertThat(TimensctlCommand.change(UTC, "--unfreeze")).isEqualTo(new TimensctlCommand.Change("unfreeze", "-"));
    }

    @Test
    void badChangesAreUsageErrors() {
        assertThatThrownBy(() -> TimensctlCommand.change(UTC)).hasMessageStartingWith("set needs a change");
        assertThatThrownBy(() -> TimensctlCommand.change(UTC, "--freeze", "--at", "2040-01-01"))
                .hasMessage("one change at a time: --at and --freeze");
        assertThatThrownBy(() -> TimensctlCommand.change(UTC, "--at", "2040-13-01")).hasMessageStartingWith("invalid --at value");
        assertThatThrownBy(() -> TimensctlCommand.change(UTC, "--at", "1969-12-31")).hasMessageStartingWith("invalid --at value");
        assertThatThrownBy(() -> TimensctlCommand.change(UTC, "--monotonic", "1mo")).hasMessageStartingWith("invalid --monotonic value");
        assertThatThrownBy(() -> TimensctlCommand.change(UTC, "--rate", "0")).hasMessageContaining("use --freeze");
        assertThatThrownBy(() -> TimensctlCommand.change(UTC, "--rate", "fast")).hasMessageStartingWith("invalid --rate value 'fast'");
        assertThatThrownBy(() -> TimensctlCommand.change(UTC, "--rate", "1e10")).hasMessageContaining("out of range");
    }

    @Test
    void usageErrorsAreOneLineWithStatus2() {
        assertOneLine(run(), 2, "missing a command");
        assertOneLine(run("frobnicate"), 2, "frobnicate");
        assertOneLine(run("set", "x"), 2, "set needs a change");
        assertOneLine(run("set", "--at", "2040-01-01"), 2, "NAME|PID");
        assertOneLine(run("set", "x", "--at", "soon"), 2, "invalid --at value 'soon'");
        assertOneLine(run("set", "../x", "--freeze"), 2, "invalid NAME|PID '../x'");
    }

    @Test
    void helpShowsTheExitStatuses() {
        Result help = run("set", "--help");
        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("--at", "--offset", "--rate", "--freeze", "--unfreeze", "--monotonic",
                "--boottime", "NAME|PID", "5 if", "3 if");
    }

    @Test
    void nothingRunsWithoutAControlDirectory() {
        Result list = run("list");
        assertThat(list.status()).isZero();
        assertThat(list.out().lines()).hasSize(1).first().asString().startsWith("NAME ");
        assertThat(run("list", "--json").out().strip()).isEqualTo("[]");
        assertOneLine(run("set", "y2038", "--freeze"), 3, "no running namespace of this user is named 'y2038'");
        assertOneLine(run("set", "4242", "--freeze"), 3, "has process 4242");
    }

    @Test
    void anUnsafeControlDirectoryIsPermissionDenied() throws Exception {
        Files.createDirectory(runtime.resolve("timens"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        Files.setPosixFilePermissions(runtime.resolve("timens"), PosixFilePermissions.fromString("rwxrwxrwx"));
        assertOneLine(run("list"), 4, "refusing to use the control directory");
        assertOneLine(run("set", "x", "--freeze"), 4, "must be 0700");
    }

    @Test
    void listColumns() {
        assertThat(TimensctlCommand.iso(2_208_988_800_123_456_789L)).isEqualTo("2040-01-01T00:00:00.123Z");
        assertThat(TimensctlCommand.seconds(3_600_123_456_789L)).isEqualTo("3600.123");
        assertThat(TimensctlCommand.rate(java.math.BigDecimal.ZERO)).isEqualTo("frozen");
        assertThat(TimensctlCommand.rate(new java.math.BigDecimal("60.000"))).isEqualTo("60");
    }

    @Test
    void execTakesTheCommandAfterTheNamespaceWithOrWithoutADelimiter() {
        assertThat(TimensctlCommand.command(parse("exec", "ns", "ls", "-l", "--", "x"))).containsExactly("ls", "-l", "--", "x");
        assertThat(TimensctlCommand.command(parse("exec", "ns", "--", "ls", "-l"))).containsExactly("ls", "-l");
        assertThat(TimensctlCommand.command(parse("exec", "--", "ns", "--", "--help"))).containsExactly("--help");
        var err = new java.io.StringWriter();
        int status = TimensctlCommand.run(new java.io.PrintWriter(new java.io.StringWriter()), new java.io.PrintWriter(err),
                java.util.Map.of(), "exec", "ns", "--");
        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("timensctl: exec needs a command to run\n");
    }

    private static picocli.CommandLine.ParseResult parse(String... args) {
        return new picocli.CommandLine(TimensctlCommand.commandSpec()).parseArgs(args).subcommand();
    }

    @Test
    void attachReadsClockOptionsAsTimensDoes() {
        AttachCommand.Request r = TimensctlCommand.attachRequest("4242", "--offset", "+1d", "--monotonic", "+1h",
                "--name", "svc");
        assertThat(r.pid()).isEqualTo(4242);
        assertThat(r.settings().realtimeOffset()).isEqualTo(java.time.Duration.ofDays(1));
        assertThat(r.settings().monotonicOffset()).isEqualTo(java.time.Duration.ofHours(1));
        assertThat(r.name()).isEqualTo("svc");
        assertThat(r.foreground()).isFalse();
        assertThat(r.fileTimes() || r.procTimes() || r.tree() || r.rateGiven()).isFalse();
        assertThat(TimensctlCommand.attachRequest("1", "--rate", "1", "--name", "svc").rateGiven())
                .as("--rate 1 makes the rate changeable").isTrue();
        assertThat(TimensctlCommand.attachRequest("1", "--freeze", "--foreground").settings().rate()).isZero();
        AttachCommand.Request more = TimensctlCommand.attachRequest("7", "--file-times", "--proc", "--tree");
        assertThat(more.fileTimes() && more.procTimes() && more.tree()).isTrue();
    }

    @Test
    void attachRefusesInOneLineWhatItCannotDo() {
        assertOneLine(run("attach", "0"), TimensctlCommand.USAGE, "invalid PID '0'");
        assertOneLine(run("attach", "99999999999"), TimensctlCommand.USAGE, "invalid PID");
        assertOneLine(run("attach", "1", "--monotonic", "-1s"), TimensctlCommand.USAGE, "only moves forward");
        assertOneLine(run("attach", "1", "--boottime", "-1s"), TimensctlCommand.USAGE, "only moves forward");
        assertOneLine(run("attach", "1", "--rate", "0"), TimensctlCommand.USAGE, "--rate");
        assertOneLine(run("attach", "1", "--name", "42"), TimensctlCommand.USAGE, "invalid --name");
        assertOneLine(run("attach", "1", "--warp"), TimensctlCommand.USAGE, "--warp");
        assertOneLine(run("attach", "1", "--at", "2030-01-01", "--offset", "+1d"), TimensctlCommand.USAGE,
                "exclude each other");
        assertOneLine(run("detach", "x"), TimensctlCommand.USAGE, "invalid PID 'x'");
        assertOneLine(run("detach", "42"), TimensctlCommand.NO_SUCH_NAMESPACE, "no running namespace");
        assertOneLine(run("attach", Long.toString(ProcessHandle.current().pid()), "--foreground"),
                TimensctlCommand.REFUSED, "cannot attach itself");
    }
}
