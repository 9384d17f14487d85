package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The command line as a user meets it: exit statuses passed through, usage errors
 * (status 2, one line on stderr, nothing started), a command that cannot be run
 * (127 / 126, like a shell), and the date and duration forms users type.
 */
@Tag("e2e")
class CliIT {
    private final TimensRunner runner = new TimensRunner();

    @TempDir
    Path temp;

    @Test
    void exitStatusIsPassedThrough() {
        runner.nativeRun("sh", "-c", "exit 42").assertExit(42);
        runner.timens(List.of(), "sh", "-c", "exit 42").assertExit(42);
    }

    @Test
    void deathBySignalIsReportedAs128PlusTheSignal() {
        runner.nativeRun("sh", "-c", "kill -TERM $$").assertExit(143);
        runner.timens(List.of(), "sh", "-c", "kill -TERM $$").assertExit(143);
    }

    @Test
    void helpMentionsTheOptions() {
        TimensRunner.Result run = runner.timensArgs("--help").assertExit(0);
        assertThat(run.stdout()).as(run.describe()).contains("--at").contains("--offset").contains("--monotonic");
    }

    @Test
    void versionNamesTheCommitItWasBuiltFrom() throws Exception {
        TimensRunner.Result run = runner.timensArgs("--version").assertExit(0);
        assertThat(run.stdout()).as(run.describe())
                .matches("(?s)timens \\S+ \\(commit ([0-9a-f]{12}(-dirty)?|unknown)\\)\nJava 2[5-9].*");
        // Built from this work tree: the commit is its HEAD (CI builds from a clone).
        Process git = new ProcessBuilder("git", "-C", Toolchains.basedir().toString(), "rev-parse", "--short=12", "HEAD")
                .redirectErrorStream(true).start();
        String head = new String(git.getInputStream().readAllBytes()).strip();
        if (git.waitFor() == 0) assertThat(run.stdout()).as(run.describe()).contains("(commit " + head);
    }

    static Stream<Arguments> usageErrors() {
        return Stream.of(
                Arguments.of("bad date", List.of("--at", "not-a-date")),
                Arguments.of("bad offset", List.of("--offset", "+1x")),
                Arguments.of("bad monotonic offset", List.of("--monotonic", "soon")),
                Arguments.of("unknown option", List.of("--no-such-option")),
                Arguments.of("--at and --offset together", List.of("--at", "@0", "--offset", "+1d")),
                // CLOCK_REALTIME cannot be set before the epoch (the kernel refuses it too).
                Arguments.of("date before 1970", List.of("--at", "@-86400")),
                Arguments.of("monotonic made negative", List.of("--monotonic", "-200y")));
    }

    /** A usage error: status 2, exactly one line on stderr, and the command never started. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("usageErrors")
    void usageErrorsExit2WithOneLineAndStartNothing(String what, List<String> options) {
        Path marker = temp.resolve("started");
        TimensRunner.Result run = runner.timens(options, "sh", "-c", "touch '" + marker + "'");

        run.assertExit(2);
        assertThat(run.stderrLines()).as("one line on stderr:%n%s", run.describe()).hasSize(1);
        assertThat(marker).as("the command must not have been started:%n%s", run.describe()).doesNotExist();
    }

    /**
     * TIMENS_CLOCK_READS chooses how the clock code reads host time; --stats
     * says which way was taken, and a value it does not know is a usage error.
     */
    @Test
    void clockReadsCanBeSentThroughTheKernelsFunction() {
        Path marker = temp.resolve("started");
        TimensRunner.Result bad = runner.withEnv("TIMENS_CLOCK_READS", "fast")
                .timens(List.of("--offset", "+1d"), "sh", "-c", "touch '" + marker + "'").assertExit(2);
        assertThat(bad.stderrLines()).singleElement().asString().contains("TIMENS_CLOCK_READS", "fast");
        assertThat(marker).doesNotExist();

        TimensRunner.Result kernel = runner.withEnv("TIMENS_CLOCK_READS", "kernel")
                .timens(List.of("--stats", "--offset", "+1d"), "true").assertExit(0);
        assertThat(kernel.stderr()).contains("clock reads: through the kernel's vDSO function (TIMENS_CLOCK_READS=kernel)");
        TimensRunner.Result direct = runner.timens(List.of("--stats", "--offset", "+1d"), "true").assertExit(0);
        assertThat(direct.stderr()).containsAnyOf("clock reads: read directly", "clock reads: through the kernel's");
    }

    @Test
    void aMissingCommandIsAUsageError() {
        for (List<String> args : List.of(List.of("--offset", "+1d"), List.of("--offset", "+1d", "--"))) {
            TimensRunner.Result run = runner.timensArgs(args).assertExit(2);
            assertThat(run.stderrLines()).as("one line on stderr:%n%s", run.describe()).hasSize(1);
        }
    }

    @Test
    void aCommandThatDoesNotExistExits127() {
        TimensRunner.Result run = runner.timens(List.of("--offset", "+1d"), "/nonexistent/cmd").assertExit(127);
        assertThat(run.stderrLines()).as("one line on stderr:%n%s", run.describe()).hasSize(1);
        TimensRunner.Result onPath = runner.timens(List.of(), "timens-no-such-command-on-path").assertExit(127);
        assertThat(onPath.stderrLines()).as("one line on stderr:%n%s", onPath.describe()).hasSize(1);
    }

    @Test
    void aFileThatIsNotExecutableExits126() throws IOException {
        Path script = temp.resolve("not-executable.sh");
        Files.writeString(script, "#!/bin/sh\necho should not run\n");
        // No x bit for anyone: execve fails with EACCES even for root.
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));

        TimensRunner.Result run = runner.timens(List.of(), script.toString()).assertExit(126);
        assertThat(run.stderrLines()).as("one line on stderr:%n%s", run.describe()).hasSize(1);
        assertThat(run.stdout()).doesNotContain("should not run");
    }

    static Stream<Arguments> dateAndDurationForms() {
        long y2038 = ClockProgramsIT.Y2038;
        return Stream.of(
                Arguments.of(List.of("--at", "2038-01-19T03:14:00Z"), Expect.startingAt(y2038)),
                Arguments.of(List.of("--at", "2038-01-19T04:14:00+01:00"), Expect.startingAt(y2038)),
                Arguments.of(List.of("--at", "2038-01-19T03:14:00"), Expect.startingAt(y2038)),
                Arguments.of(List.of("--at", "2038-01-19 03:14"), Expect.startingAt(y2038)),
                Arguments.of(List.of("--at", "2038-01-19 03:14:00.5"),
                        Expect.startingAt(BigDecimal.valueOf(y2038).add(new BigDecimal("0.5")))),
                Arguments.of(List.of("--at", "@" + y2038), Expect.startingAt(y2038)),
                Arguments.of(List.of("--at", "@" + y2038 + ".25"),
                        Expect.startingAt(BigDecimal.valueOf(y2038).add(new BigDecimal("0.25")))),
                Arguments.of(List.of("--offset", "+90min"), Expect.offset(5_400)),
                Arguments.of(List.of("--offset", "+1h30m"), Expect.offset(5_400)),
                Arguments.of(List.of("--offset", "+3600"), Expect.offset(3_600)),
                Arguments.of(List.of("--offset", "-0.5s"), Expect.offset(new BigDecimal("-0.5"))),
                Arguments.of(List.of("--offset", "-3d"), Expect.offset(-259_200)),
                Arguments.of(List.of("--faketime", "+2d"), Expect.offset(172_800)),
                // 2020-12-24T20:30:00Z; libfaketime reads it as local time, here TZ=UTC.
                Arguments.of(List.of("--faketime", "@2020-12-24 20:30:00"), Expect.startingAt(1_608_841_800)));
    }

    /** The forms of DATE and DUR from the usage; local times are read with TZ=UTC. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dateAndDurationForms")
    void dateAndDurationForms(List<String> options, Expect expect) {
        TimensRunner.Result run = runner.withEnv("TZ", "UTC")
                .timens(options, Toolchains.program("clockprobe-dyn").toString()).assertExit(0);

        Probe probe = run.single("PROBE");
        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(probe.decimal("realtime")).as("realtime should be %s:%n%s", expect.describe(), run.describe())
                .isBetween(expect.low(HostClock.ClockGroup.REALTIME, run),
                        expect.high(HostClock.ClockGroup.REALTIME, run));
        soft.assertAll();
    }
}
