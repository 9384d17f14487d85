package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Answers that must be the kernel's, compared with native runs of the same
 * program: sysinfo's uptime (shifted like CLOCK_BOOTTIME, as kernel time
 * namespaces do), waits made at the very edge of a thread's stack, and the
 * errors timens reports in its own lines.
 */
@Tag("e2e")
class KernelAnswersIT {
    private final TimensRunner runner = new TimensRunner();

    /**
     * sysinfo().uptime is CLOCK_BOOTTIME's seconds rounded up (kernel/sys.c,
     * do_sysinfo, which adds a time namespace's boottime offset): natively and
     * under --boottime +2d alike, the uptime is the boottime the program read
     * just before, or a second more.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "+2d"})
    void sysinfoUptimeFollowsTheNamespacesBoottime(String boottime) {
        String setclock = Toolchains.program("setclock").toString();
        TimensRunner.Result run = boottime.isEmpty() ? runner.nativeRun(setclock, "sysinfo")
                : runner.timens(List.of("--boottime", boottime), setclock, "sysinfo");
        Probe op = run.assertExit(0).single("OP");
        assertThat(op.string("errno")).as(run.describe()).isEqualTo("0");
        BigDecimal read = op.decimal("boottime");
        assertThat(op.decimal("uptime")).as(run.describe())
                .isBetween(read, read.add(BigDecimal.valueOf(2)));
        if (!boottime.isEmpty()) {
            assertThat(read).as(run.describe()).isGreaterThan(BigDecimal.valueOf(2 * 86_400));
        }
    }

    /**
     * A wait with an absolute deadline made with only 64 bytes of stack above a
     * guard page: natively it works (the kernel needs no stack), and under
     * timens too, though the deadline is translated (the copy cannot go on that
     * stack, below its red zone: it goes to the process's own page of the image).
     */
    @Test
    void anAbsoluteWaitAtTheEdgeOfTheStackWorksAsNatively() {
        String program = Toolchains.program("stackedge").toString();
        Probe natively = runner.nativeRun(program).assertExit(0).single("EDGE");
        // Shifted both ways: a deadline left untranslated would end at once, or after a day.
        for (String offset : List.of("+1d", "-1d")) {
            TimensRunner.Result run = runner.withTimeout(java.time.Duration.ofSeconds(20))
                    .timens(List.of("--offset", offset, "--monotonic", "+1d"), program).assertExit(0);
            Probe inside = run.single("EDGE");
            for (Probe probe : List.of(natively, inside)) {
                assertThat(probe.fields()).as(run.describe()).containsEntry("realtime_sleep", "0")
                        .containsEntry("monotonic_sleep", "0").containsEntry("futex_realtime", "error-ETIMEDOUT");
                for (String wait : List.of("realtime_sleep", "monotonic_sleep", "futex_realtime")) {
                    // 50 ms after the clock read just before: a translation wrong by a day shows.
                    assertThat(probe.decimal(wait + "_ms").longValue()).as("%s in %s%n%s", wait, probe, run.describe())
                            .isBetween(30L, 5_000L);
                }
            }
        }
    }

    /**
     * timerfd_settime(TFD_TIMER_ABSTIME), which timens answers itself from its
     * seccomp listener at rate 1 (it arms the timer through its own descriptor
     * of it, translated): every error comes as the kernel gives it, in the
     * kernel's order, the old setting reads back relative, and a MONOTONIC
     * timer shifted by a day fires after its 200 ms, not a day late. None of
     * it stops the program: the calls are answered without a ptrace stop.
     */
    @Test
    void absoluteTimerfdArmingAnswersAsTheKernel() {
        String program = Toolchains.program("timerfdanswers").toString();
        Probe natively = runner.nativeRun(program).assertExit(0).single("TFD");
        TimensRunner.Result run = runner.withTimeout(java.time.Duration.ofSeconds(20))
                .timens(List.of("--stats", "--offset", "+1y", "--monotonic", "+1d"), program).assertExit(0);
        Probe inside = run.single("TFD");
        for (String key : natively.fields().keySet()) {
            if (key.startsWith("old_") || key.equals("monotonic_ms")) continue;
            assertThat(inside.string(key)).as("%s%n%s", key, run.describe()).isEqualTo(natively.string(key));
        }
        for (Probe probe : List.of(natively, inside)) {
            assertThat(probe.decimal("old_remaining")).as(run.describe())
                    .isBetween(BigDecimal.valueOf(3590), BigDecimal.valueOf(3600));
            assertThat(probe.string("old_interval")).isEqualTo("2.000000000");
            assertThat(probe.decimal("monotonic_ms").longValue()).as(run.describe()).isBetween(150L, 5_000L);
        }
        java.util.regex.Matcher counts = java.util.regex.Pattern
                .compile("stops: syscalls=(\\d+) .*answered without a stop: (\\d+)").matcher(run.stderr());
        assertThat(counts.find()).as(run.describe()).isTrue();
        assertThat(Long.parseLong(counts.group(1))).as("syscall stops%n%s", run.describe()).isZero();
        assertThat(Long.parseLong(counts.group(2))).as("calls answered from the listener%n%s", run.describe())
                .isGreaterThanOrEqualTo(14);
    }

    /**
     * timens's own error lines name the errno ("ENOEXEC (Exec format error)"),
     * never a bare "errno 8": shown with a file that looks executable and is not.
     */
    @Test
    void errorLinesNameTheErrno(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws java.io.IOException {
        java.nio.file.Path broken = dir.resolve("broken");
        java.nio.file.Files.write(broken, new byte[] {0x7f, 'E', 'L', 'F', 'x', 'x', 'x', 'x'});
        broken.toFile().setExecutable(true);
        TimensRunner.Result run = runner.timens(List.of(), broken.toString());
        assertThat(run.exitCode()).as(run.describe()).isEqualTo(126);
        assertThat(run.stderr()).as(run.describe()).contains("ENOEXEC (Exec format error)")
                .doesNotContainPattern("errno \\d");
    }
}
