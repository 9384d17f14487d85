package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.timens.it.HostClock.ClockGroup;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Setting and adjusting the clock inside the namespace: unprivileged, seen by all
 * of the namespace's processes, never by the host; and the errors the kernel would
 * give (EINVAL, EFAULT, EPERM) given by timens too.
 *
 * <p>Every test checks that the host clock was not stepped ({@link HostClock}), and
 * as root first proves that timens intercepts clock settings ({@link ClockSafety}).
 * The setting operations never run natively.
 */
@Tag("e2e")
@ExtendWith(HostClock.NeverStepped.class)
class SetClockIT {
    /** 2030-01-01T00:00:00Z. */
    static final long Y2030 = 1_893_456_000L;

    private final TimensRunner runner = new TimensRunner();

    static Stream<Arguments> setRealtimeOps() {
        List<Arguments> cases = new ArrayList<>();
        for (String program : List.of("setclock", "setclock-static")) {
            for (String op : List.of("settimeofday=" + Y2030, "raw-settimeofday=" + Y2030,
                    "clock_settime=REALTIME:" + Y2030)) {
                cases.add(Arguments.of(program, op));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("setRealtimeOps")
    void settingRealtimeSucceedsUnprivilegedAndMovesOnlyRealtime(String program, String op) {
        TimensRunner.Result run = setclock(List.of(), program, op);

        Probe result = run.single("OP");
        assertThat(result.longValue("ret")).as(run.describe()).isZero();
        assertThat(result.string("errno")).as(run.describe()).isEqualTo("0");
        Probe now = run.single("NOW");
        SoftAssertions soft = new SoftAssertions();
        inWindow(soft, now, "realtime", ClockGroup.REALTIME, Expect.startingAt(Y2030), run);
        inWindow(soft, now, "monotonic", ClockGroup.MONOTONIC, Expect.offset(0), run);
        inWindow(soft, now, "boottime", ClockGroup.BOOTTIME, Expect.offset(0), run);
        soft.assertAll();
    }

    @Test
    void dateDashSSetsTheNamespaceClock() {
        ClockSafety.requireSettingIsVirtualized();
        TimensRunner.Result run = runner.withEnv("TZ", "UTC")
                .timens(List.of(), "sh", "-c", "date -s '2030-01-01 00:00:00' >/dev/null; date +%s")
                .assertExit(0);

        assertDateNear(run, Y2030);
    }

    /** The same, with timens itself started by an unprivileged user (no CAP_SYS_TIME anywhere). */
    @Test
    void dateDashSWorksForAnUnprivilegedUser() {
        TimensRunner.Result run = runner.withEnv("TZ", "UTC").wrappedIn(ClockSafety.asNobody())
                .timens(List.of(), "sh", "-c", "date -s '2030-01-01 00:00:00' >/dev/null; date +%s")
                .assertExit(0);

        assertDateNear(run, Y2030);
    }

    /**
     * One process sets the clock; a process started afterwards, and one that was
     * already running (the bash that reads $EPOCHREALTIME itself), see the new time.
     */
    @Test
    void aSettingIsSeenByEveryProcessOfTheNamespace() {
        ClockSafety.requireSettingIsVirtualized();
        String setclock = Toolchains.program("setclock").toString();
        String probe = Toolchains.program("clockprobe-dyn").toString();
        String script = setclock + " settimeofday=" + Y2030 + " >/dev/null || exit 1\n"
                + probe + " || exit 1\n"
                + "echo \"BASH epochrealtime=$EPOCHREALTIME\"\n";
        // LC_ALL=C: bash prints $EPOCHREALTIME with the locale's decimal separator.
        TimensRunner.Result run = runner.withEnv("LC_ALL", "C").timens(List.of(), "bash", "-c", script).assertExit(0);

        SoftAssertions soft = new SoftAssertions();
        for (String key : ProcessTreeIT.REALTIME_KEYS) {
            Probe line = run.single("PROBE");
            if (line.has(key)) {
                inWindow(soft, line, key, ClockGroup.REALTIME, Expect.startingAt(Y2030), run);
            }
        }
        inWindow(soft, run.single("BASH"), "epochrealtime", ClockGroup.REALTIME, Expect.startingAt(Y2030), run);
        soft.assertAll();
    }

    @ParameterizedTest
    @ValueSource(strings = {"setclock", "setclock-static"})
    void monotonicAndBoottimeCannotBeSet(String program) {
        TimensRunner.Result run = setclock(List.of(), program, "clock_settime=MONOTONIC:1000",
                "clock_settime=BOOTTIME:1000");

        SoftAssertions soft = new SoftAssertions();
        for (Probe op : run.tagged("OP")) {
            soft.assertThat(op.longValue("ret")).as("%s%n%s", op, run.describe()).isEqualTo(-1);
            soft.assertThat(op.string("errno")).as("%s%n%s", op, run.describe()).isEqualTo("EINVAL");
        }
        soft.assertThat(run.tagged("OP")).hasSize(2);
        for (Probe now : run.tagged("NOW")) {
            inWindow(soft, now, "realtime", ClockGroup.REALTIME, Expect.offset(0), run);
            inWindow(soft, now, "monotonic", ClockGroup.MONOTONIC, Expect.offset(0), run);
            inWindow(soft, now, "boottime", ClockGroup.BOOTTIME, Expect.offset(0), run);
        }
        soft.assertAll();
    }

    @ParameterizedTest
    @ValueSource(strings = {"setclock", "setclock-static"})
    void badPointersGiveEfault(String program) {
        List<String> reads = List.of("raw-clock_gettime-efault", "gettimeofday-efault");
        List<String> sets = List.of("settimeofday-efault", "clock_settime-efault");
        // Only the reading ones run natively (the kernel's answer, for comparison).
        TimensRunner.Result nativeRun = runner.nativeRun(command(program, reads)).assertExit(0);
        List<String> all = new ArrayList<>(reads);
        all.addAll(sets);
        TimensRunner.Result run = setclock(List.of(), program, all.toArray(String[]::new));

        SoftAssertions soft = new SoftAssertions();
        for (TimensRunner.Result r : List.of(nativeRun, run)) {
            for (Probe op : r.tagged("OP")) {
                soft.assertThat(op.longValue("ret")).as("%s%n%s", op, r.describe()).isEqualTo(-1);
                soft.assertThat(op.string("errno")).as("%s%n%s", op, r.describe()).isEqualTo("EFAULT");
            }
        }
        soft.assertThat(run.tagged("OP")).as(run.describe()).hasSize(4);
        for (Probe now : run.tagged("NOW")) {
            inWindow(soft, now, "realtime", ClockGroup.REALTIME, Expect.offset(0), run);
        }
        soft.assertAll();
    }

    @ParameterizedTest
    @ValueSource(strings = {"setclock", "setclock-static"})
    void anInvalidTimevalGivesEinvalAndChangesNothing(String program) {
        TimensRunner.Result run = setclock(List.of(), program, "settimeofday-einval");

        Probe op = run.single("OP");
        assertThat(op.longValue("ret")).as(run.describe()).isEqualTo(-1);
        assertThat(op.string("errno")).as(run.describe()).isEqualTo("EINVAL");
        SoftAssertions soft = new SoftAssertions();
        inWindow(soft, run.single("NOW"), "realtime", ClockGroup.REALTIME, Expect.offset(0), run);
        soft.assertAll();
    }

    @ParameterizedTest
    @ValueSource(strings = {"setclock", "setclock-static"})
    void adjtimexSetoffsetMovesRealtime(String program) {
        TimensRunner.Result run = setclock(List.of(), program, "adjtimex-setoffset=86400",
                "clock_adjtime-setoffset=-3600.5");

        List<Probe> ops = run.tagged("OP");
        List<Probe> nows = run.tagged("NOW");
        assertThat(ops).as(run.describe()).hasSize(2);
        assertThat(nows).as(run.describe()).hasSize(2);
        SoftAssertions soft = new SoftAssertions();
        for (Probe op : ops) {
            // adjtimex returns the clock state (TIME_OK..TIME_ERROR), never -1 on success.
            soft.assertThat(op.longValue("ret")).as("%s%n%s", op, run.describe()).isNotNegative();
            soft.assertThat(op.string("errno")).as("%s%n%s", op, run.describe()).isEqualTo("0");
        }
        inWindow(soft, nows.get(0), "realtime", ClockGroup.REALTIME, Expect.offset(86_400), run);
        inWindow(soft, nows.get(1), "realtime", ClockGroup.REALTIME, Expect.offset(new BigDecimal("82799.5")), run);
        inWindow(soft, nows.get(1), "monotonic", ClockGroup.MONOTONIC, Expect.offset(0), run);
        soft.assertAll();
    }

    /** Read-only adjtimex is allowed and reports the namespace's time in its {@code time} field. */
    @ParameterizedTest
    @ValueSource(strings = {"setclock", "setclock-static"})
    void adjtimexReadReportsVirtualTime(String program) {
        TimensRunner.Result nativeRun = runner.nativeRun(command(program, List.of("adjtimex-read"))).assertExit(0);
        // Read-only: safe even if it reached the kernel, so no ClockSafety check needed.
        TimensRunner.Result run = runner.timens(ProcessTreeIT.AT_2038, command(program, List.of("adjtimex-read")))
                .assertExit(0);

        SoftAssertions soft = new SoftAssertions();
        for (TimensRunner.Result r : List.of(nativeRun, run)) {
            Probe op = r.single("OP");
            soft.assertThat(op.longValue("ret")).as(r.describe()).isNotNegative();
            soft.assertThat(op.string("errno")).as(r.describe()).isEqualTo("0");
            soft.assertThat(op.decimal("adjtime").subtract(r.single("NOW").decimal("realtime")).abs())
                    .as("adjtimex time field vs NOW realtime in%n%s", r.describe())
                    .isLessThanOrEqualTo(BigDecimal.valueOf(2));
        }
        inWindow(soft, nativeRun.single("OP"), "adjtime", ClockGroup.REALTIME, Expect.offset(0), nativeRun);
        inWindow(soft, run.single("OP"), "adjtime", ClockGroup.REALTIME,
                Expect.startingAt(ClockProgramsIT.Y2038), run);
        soft.assertAll();
    }

    @ParameterizedTest
    @ValueSource(strings = {"setclock", "setclock-static"})
    void changingTheFrequencyIsRefused(String program) {
        TimensRunner.Result run = setclock(List.of(), program, "adjtimex-freq");

        Probe op = run.single("OP");
        assertThat(op.longValue("ret")).as(run.describe()).isEqualTo(-1);
        assertThat(op.string("errno")).as(run.describe()).isEqualTo("EPERM");
    }

    /**
     * The CPU-time clocks can never be set: the kernel answers EINVAL for
     * CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID (no clock_set) and
     * for a pid or tid clock that names no process or no thread of the caller,
     * and EPERM for one that does. Safe natively (the kernel sets none of
     * them), so compared with a native run as the same user, root and nobody.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void settingACpuClockGivesWhatTheKernelGives(boolean asNobody) {
        // clock_getcpuclockid encoding: (~pid << 3) | 2 for a process, | 6 for a thread;
        // pid 0 is the caller. -1 has CPUCLOCK_WHICH 3: no such clock.
        List<String> ops = List.of("clock_settime=PROCESS_CPUTIME_ID:1000", "clock_settime=THREAD_CPUTIME_ID:1000",
                "clock_settime=-6:1000", "clock_settime=-2:1000", "clock_settime=-14:1000",
                "clock_settime=-10:1000", "clock_settime=-1:1000", "clock_settime=-80000006:1000",
                // fd 3, FD_TO_CLOCKID: no descriptor 3, so no posix clock: EINVAL
                "clock_settime=-29:1000");
        TimensRunner user = asNobody ? runner.wrappedIn(ClockSafety.asNobody()) : runner;
        TimensRunner.Result nativeRun = user.nativeRun(command("setclock", ops)).assertExit(0);
        ClockSafety.requireSettingIsVirtualized();
        TimensRunner.Result run = user.timens(List.of(), command("setclock", ops)).assertExit(0);

        assertThat(errnos(run)).as(run.describe()).isEqualTo(errnos(nativeRun))
                .containsExactly("EINVAL", "EINVAL", "EPERM", "EPERM", "EPERM", "EINVAL", "EINVAL", "EINVAL",
                        "EINVAL");
    }

    /**
     * adjtimex with ADJ_ADJTIME (0x8000) but not its singleshot bit is EINVAL for
     * everyone, before any privilege check (timekeeping_validate_timex): never
     * EPERM. Safe natively: refused before anything is read or changed.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anUnknownAdjtimexModeGivesEinvalAsNatively(boolean asNobody) {
        TimensRunner user = asNobody ? runner.wrappedIn(ClockSafety.asNobody()) : runner;
        List<String> ops = List.of("adjtimex-modes=0x8000", "adjtimex-modes=0x8002");
        TimensRunner.Result nativeRun = user.nativeRun(command("setclock", ops)).assertExit(0);
        ClockSafety.requireSettingIsVirtualized();
        TimensRunner.Result run = user.timens(List.of(), command("setclock", ops)).assertExit(0);

        assertThat(errnos(run)).as(run.describe()).isEqualTo(errnos(nativeRun)).containsExactly("EINVAL", "EINVAL");
    }

    /**
     * The kernel refuses a wall clock below CLOCK_MONOTONIC, a time before the
     * machine booted (do_settimeofday64, timekeeping_inject_offset): EINVAL, and
     * the clock stays. The namespace's boot is its own MONOTONIC's zero: with
     * {@code --monotonic +100d}, a date 50 days after the epoch is before it.
     * Never run natively (as root it would be a real set, if it were allowed).
     */
    @ParameterizedTest
    @ValueSource(strings = {"setclock", "setclock-static"})
    void settingTheClockBeforeTheBootGivesEinval(String program) {
        TimensRunner.Result run = setclock(List.of("--monotonic", "+100d"), program, "settimeofday=0",
                "raw-settimeofday=100", "clock_settime=REALTIME:100", "clock_settime=REALTIME:" + 50 * 86_400,
                "adjtimex-setoffset=-" + Y2030, "clock_adjtime-setoffset=-" + Y2030,
                // after it: allowed
                "clock_settime=REALTIME:" + Y2030);

        List<Probe> ops = run.tagged("OP");
        List<Probe> nows = run.tagged("NOW");
        assertThat(ops).as(run.describe()).hasSize(7);
        SoftAssertions soft = new SoftAssertions();
        for (int i = 0; i < 6; i++) {
            soft.assertThat(ops.get(i).string("errno")).as("%s%n%s", ops.get(i), run.describe()).isEqualTo("EINVAL");
            inWindow(soft, nows.get(i), "realtime", ClockGroup.REALTIME, Expect.offset(0), run);
        }
        soft.assertThat(ops.get(6).string("errno")).as(run.describe()).isEqualTo("0");
        inWindow(soft, nows.get(6), "realtime", ClockGroup.REALTIME, Expect.startingAt(Y2030), run);
        soft.assertAll();
    }

    // ---------------------------------------------------------------------------------------------

    private static List<String> errnos(TimensRunner.Result run) {
        return run.tagged("OP").stream().map(op -> op.string("errno")).toList();
    }

    /** Runs setclock under timens, after making sure that is safe; expects exit status 0. */
    private TimensRunner.Result setclock(List<String> options, String program, String... ops) {
        ClockSafety.requireSettingIsVirtualized();
        return runner.timens(options, command(program, Arrays.asList(ops))).assertExit(0);
    }

    private static List<String> command(String program, List<String> ops) {
        List<String> command = new ArrayList<>();
        command.add(Toolchains.program(program).toString());
        command.addAll(ops);
        return command;
    }

    private static void assertDateNear(TimensRunner.Result run, long expected) {
        SoftAssertions soft = new SoftAssertions();
        inWindow(soft, Probe.ofValue("DATE", "realtime", run.lastLine()), "realtime", ClockGroup.REALTIME,
                Expect.startingAt(expected), run);
        soft.assertAll();
    }

    private static void inWindow(SoftAssertions soft, Probe probe, String key, ClockGroup clock, Expect expect,
                                 TimensRunner.Result run) {
        soft.assertThat(probe.decimal(key))
                .as("%s should be %s in line: %s%n%s", key, expect.describe(), probe, run.describe())
                .isBetween(expect.low(clock, run), expect.high(clock, run));
    }
}
