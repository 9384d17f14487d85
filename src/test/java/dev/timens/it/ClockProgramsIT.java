package dev.timens.it;

import static dev.timens.it.HostClock.ClockGroup.BOOTTIME;
import static dev.timens.it.HostClock.ClockGroup.MONOTONIC;
import static dev.timens.it.HostClock.ClockGroup.REALTIME;

import dev.timens.it.HostClock.ClockGroup;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way of reading the clocks, in every kind of program, natively and under
 * timens: C through the vDSO (glibc dynamic and static, musl), raw syscalls, Go,
 * the JVM, CPython, {@code date} and a shell pipeline.
 */
@Tag("e2e")
class ClockProgramsIT {
    /** 2038-01-19T03:14:00Z, 7 s before the signed 32-bit time_t overflows. */
    static final long Y2038 = 2_147_483_640L;

    private static final BigDecimal ONE = BigDecimal.ONE;
    private final TimensRunner runner = new TimensRunner();

    /**
     * A program under test.
     *
     * @param name    display name
     * @param command its command line (resolved inside the test, so a missing toolchain
     *                skips only the cases that need it)
     * @param parser  turns its output into a probe
     * @param keys    per clock group, the keys whose value must follow that clock
     */
    record Subject(String name, Supplier<List<String>> command, Function<TimensRunner.Result, Probe> parser,
                   Map<ClockGroup, List<String>> keys) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Subject clockprobe(String name) {
        return new Subject(name, () -> List.of(Toolchains.program(name).toString()), r -> r.single("PROBE"),
                Map.of(REALTIME, List.of("realtime", "realtime_coarse", "gettimeofday", "time",
                                "raw_realtime", "raw_gettimeofday", "raw_time"),
                        MONOTONIC, List.of("monotonic", "monotonic_coarse", "raw_monotonic"),
                        BOOTTIME, List.of("boottime", "raw_boottime")));
    }

    static Stream<Subject> subjects() {
        return Stream.of(
                clockprobe("clockprobe-dyn"),
                clockprobe("clockprobe-static"),
                clockprobe("clockprobe-musl"),
                new Subject("clockprobe-go", () -> List.of(Toolchains.program("clockprobe-go").toString()),
                        r -> r.single("PROBE"),
                        Map.of(REALTIME, List.of("realtime", "raw_realtime"),
                                MONOTONIC, List.of("monotonic", "raw_monotonic"))),
                new Subject("java ClockProbe",
                        () -> List.of(Toolchains.java().toString(), "-cp", Toolchains.javaProbeClasses().toString(),
                                "ClockProbe"),
                        r -> r.single("PROBE"),
                        Map.of(REALTIME, List.of("realtime", "millis"), MONOTONIC, List.of("nanotime"))),
                new Subject("python3 clockprobe.py",
                        () -> List.of(Toolchains.requireOnPath("python3", "apt-get install python3").toString(),
                                Toolchains.program("clockprobe.py").toString()),
                        r -> r.single("PROBE"),
                        Map.of(REALTIME, List.of("realtime"), MONOTONIC, List.of("monotonic"),
                                BOOTTIME, List.of("boottime"))),
                new Subject("date +%s.%N", () -> List.of("date", "+%s.%N"),
                        r -> Probe.ofValue("DATE", "realtime", r.lastLine()),
                        Map.of(REALTIME, List.of("realtime"))),
                new Subject("sh -c 'date +%s | cat'", () -> List.of("sh", "-c", "date +%s | cat"),
                        r -> Probe.ofValue("DATE", "realtime", r.lastLine()),
                        Map.of(REALTIME, List.of("realtime"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    void realtimeStartsAtTheGivenDate(Subject subject) {
        check(subject, List.of("--at", "2038-01-19T03:14:00Z"),
                Map.of(REALTIME, Expect.startingAt(Y2038), MONOTONIC, Expect.offset(0), BOOTTIME, Expect.offset(0)));
    }

    /**
     * The same with the clock code calling the kernel's vDSO function for the
     * host time instead of reading the kernel's time data itself: the way it
     * takes on machines whose clock source is not the TSC.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    void realtimeStartsAtTheGivenDateThroughTheKernelsFunction(Subject subject) {
        check(runner.withEnv("TIMENS_CLOCK_READS", "kernel"), subject, List.of("--at", "2038-01-19T03:14:00Z"),
                Map.of(REALTIME, Expect.startingAt(Y2038), MONOTONIC, Expect.offset(0), BOOTTIME, Expect.offset(0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    void realtimeShiftedBackThreeDays(Subject subject) {
        check(subject, List.of("--offset", "-3d"),
                Map.of(REALTIME, Expect.offset(-259_200), MONOTONIC, Expect.offset(0), BOOTTIME, Expect.offset(0)));
    }

    /** Like unshare --time: the monotonic offset moves neither REALTIME nor BOOTTIME. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    void monotonicShiftedOneDayAhead(Subject subject) {
        check(subject, List.of("--monotonic", "+1d"),
                Map.of(REALTIME, Expect.offset(0), MONOTONIC, Expect.offset(86_400), BOOTTIME, Expect.offset(0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    void boottimeShiftedTwoDaysAhead(Subject subject) {
        check(subject, List.of("--boottime", "+2d"),
                Map.of(REALTIME, Expect.offset(0), MONOTONIC, Expect.offset(0), BOOTTIME, Expect.offset(172_800)));
    }

    /**
     * Runs the subject natively (which must read the host's clocks: this checks the
     * harness as much as the program) and under timens with {@code options}, and
     * compares every clock it reports with {@code expected}.
     */
    private void check(Subject subject, List<String> options, Map<ClockGroup, Expect> expected) {
        check(runner, subject, options, expected);
    }

    private static void check(TimensRunner runner, Subject subject, List<String> options,
                              Map<ClockGroup, Expect> expected) {
        List<String> command = subject.command().get();

        TimensRunner.Result nativeRun = runner.nativeRun(command).assertExit(0);
        Probe nativeProbe = subject.parser().apply(nativeRun);
        TimensRunner.Result run = runner.timens(options, command).assertExit(0);
        Probe probe = subject.parser().apply(run);

        SoftAssertions soft = new SoftAssertions();
        for (ClockGroup clock : ClockGroup.values()) {
            for (String key : subject.keys().getOrDefault(clock, List.of())) {
                inWindow(soft, nativeProbe, key, clock, Expect.offset(0), nativeRun);
                inWindow(soft, probe, key, clock, expected.get(clock), run);
            }
        }
        consistent(soft, nativeProbe, probe, run);
        soft.assertAll();
    }

    private static void inWindow(SoftAssertions soft, Probe probe, String key, ClockGroup clock, Expect expect,
                                 TimensRunner.Result run) {
        BigDecimal value = probe.decimal(key);
        soft.assertThat(value)
                .as("%s (%s) should be %s, in: %s%n%s", key, clock, expect.describe(), probe, run.describe())
                .isBetween(expect.low(clock, run), expect.high(clock, run));
    }

    /** Relations between the clocks of one probe that hold in any namespace. */
    private static void consistent(SoftAssertions soft, Probe nativeProbe, Probe probe, TimensRunner.Result run) {
        String where = "\n" + probe + "\n(native: " + nativeProbe + ")";
        // The raw syscalls (trapped, answered by the supervisor) agree with the vDSO.
        close(soft, probe, "raw_realtime", "realtime", ONE, where);
        close(soft, probe, "raw_monotonic", "monotonic", ONE, where);
        close(soft, probe, "raw_boottime", "boottime", ONE, where);
        close(soft, probe, "raw_gettimeofday", "gettimeofday", ONE, where);
        close(soft, probe, "raw_time", "time", BigDecimal.valueOf(2), where);
        close(soft, probe, "gettimeofday", "realtime", ONE, where);
        close(soft, probe, "time", "realtime", BigDecimal.valueOf(2), where);
        close(soft, probe, "millis", "realtime", ONE, where);
        // Coarse clocks lag their fine clock by at most a tick.
        close(soft, probe, "realtime_coarse", "realtime", ONE, where);
        close(soft, probe, "monotonic_coarse", "monotonic", ONE, where);
        // TAI and MONOTONIC_RAW move with their group: same distance to it as natively.
        sameDistance(soft, nativeProbe, probe, "tai", "realtime", where);
        sameDistance(soft, nativeProbe, probe, "monotonic_raw", "monotonic", where);
        // The alarm clocks need an RTC; where the host has one, BOOTTIME_ALARM follows BOOTTIME.
        if (nativeProbe.isNumber("boottime_alarm")) {
            soft.assertThat(probe.isNumber("boottime_alarm")).as("boottime_alarm readable natively but not in" + where)
                    .isTrue();
        }
        if (probe.isNumber("boottime_alarm")) {
            close(soft, probe, "boottime_alarm", "boottime", ONE, where);
        }
        // CPU-time clocks are never shifted.
        if (probe.has("cputime")) {
            soft.assertThat(probe.decimal("cputime")).as("cputime (not shifted)" + where)
                    .isBetween(BigDecimal.ZERO, BigDecimal.valueOf(5));
        }
        if (probe.has("lang") && nativeProbe.has("lang")) {
            soft.assertThat(probe.string("lang")).isEqualTo(nativeProbe.string("lang"));
        }
    }

    private static void close(SoftAssertions soft, Probe probe, String key, String reference, BigDecimal tolerance,
                              String where) {
        if (probe.has(key) && probe.has(reference)) {
            soft.assertThat(probe.decimal(key).subtract(probe.decimal(reference)).abs())
                    .as("|%s - %s| <= %s s" + where, key, reference, tolerance)
                    .isLessThanOrEqualTo(tolerance);
        }
    }

    private static void sameDistance(SoftAssertions soft, Probe nativeProbe, Probe probe, String key,
                                     String reference, String where) {
        if (probe.has(key) && probe.has(reference) && nativeProbe.has(key)) {
            BigDecimal inside = probe.decimal(key).subtract(probe.decimal(reference));
            BigDecimal outside = nativeProbe.decimal(key).subtract(nativeProbe.decimal(reference));
            soft.assertThat(inside.subtract(outside).abs())
                    .as("%s - %s is %s s natively, %s s inside" + where, key, reference, outside, inside)
                    .isLessThanOrEqualTo(ONE);
        }
    }
}
