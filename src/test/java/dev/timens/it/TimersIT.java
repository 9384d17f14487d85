package dev.timens.it;

import static dev.timens.it.HostClock.ClockGroup.BOOTTIME;
import static dev.timens.it.HostClock.ClockGroup.MONOTONIC;
import static dev.timens.it.HostClock.ClockGroup.REALTIME;

import dev.timens.it.HostClock.ClockGroup;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Timed waits inside the namespace last as long as they would on a real clock
 * (issue 3, part A): an absolute deadline on a shifted clock is translated back
 * to host time, as the kernel does for its own time namespaces
 * (kernel/time/namespace.c, timens_ktime_to_host), and a REALTIME deadline
 * follows the clock when it is set while a thread waits for it.
 *
 * <p>Each case runs one wait of {@link #SECONDS} s ({@code timerprobe},
 * {@code timerprobe-go}, {@code TimerProbe}) natively, under a namespace that
 * shifts the wait's clock, and under one that shifts only the other clocks (a
 * control), and checks that the wait ended as the mode expects (timer fired, or
 * ETIMEDOUT), lasted at least SECONDS on the program's own (virtual) clock, and
 * about as long in real time ({@link TimensRunner.Result#elapsed()}). Untranslated,
 * a deadline on a clock shifted ahead (2038, +1 day) lies years or a day away in
 * host time, so the run hangs until {@link #RUN_TIMEOUT}; on one shifted back
 * (-3 days) it is already past, so the wait returns at once.
 *
 * <p>{@link #aClockStepWhileWaiting} sets the namespace's clock while a thread
 * waits for a REALTIME deadline, and checks the wait ends when a real clock's
 * would; like every clock-setting test it first proves timens intercepts the
 * setting ({@link ClockSafety}) and checks the host clock did not move
 * ({@link HostClock}).
 *
 * <p>Runs overlap ({@link StaggeredRuns}), so the whole class takes about two
 * minutes even while every translated case hangs. {@code -Dtimens.it.timers=REGEX}
 * runs only the cases whose name it finds, e.g. {@code parkUntil},
 * {@code 'abs-timerfd REALTIME, under --at'} or {@code 'step-while-blocked'}.
 */
@Tag("e2e")
class TimersIT {
    /** What every wait asks for. */
    static final String SECONDS = "1";
    static final BigDecimal REQUESTED = new BigDecimal(SECONDS);
    /** The longest a 1 s wait may take on the program's own clock. */
    static final BigDecimal MAX_VIRTUAL = BigDecimal.valueOf(4);
    /** Real time of a run, from outside: a 1 s wait plus timens and maybe a JVM starting. */
    static final Duration MIN_REAL = Duration.ofMillis(900);
    static final Duration MAX_REAL = Duration.ofSeconds(6);
    /**
     * Per run, instead of TimensRunner's 60 s: a hang (a deadline waited for on host
     * time) fails in 20 s, and the longest legitimate run (a 12 s step test) fits.
     */
    static final Duration RUN_TIMEOUT = Duration.ofSeconds(20);

    static final String AT_2038 = "2038-01-19T03:14:00Z";

    /**
     * Where a wait runs: natively, or under timens with {@code options}, which shift
     * the clocks in {@code shifted}.
     */
    record Namespace(List<String> options, Set<ClockGroup> shifted) {
        static final Namespace NATIVE = new Namespace(null, Set.of());

        static Namespace of(ClockGroup clock, String... options) {
            return new Namespace(List.of(options), EnumSet.of(clock));
        }

        static final Namespace AT = of(REALTIME, "--at", AT_2038);
        static final Namespace OFFSET_BACK = of(REALTIME, "--offset", "-3d");
        static final Namespace MONOTONIC_AHEAD = of(MONOTONIC, "--monotonic", "+1d");
        static final Namespace BOOTTIME_AHEAD = of(BOOTTIME, "--boottime", "+2d");

        /** The namespaces that shift {@code clock}. */
        static List<Namespace> shifting(ClockGroup clock) {
            return switch (clock) {
                case REALTIME -> List.of(AT, OFFSET_BACK);
                case MONOTONIC -> List.of(MONOTONIC_AHEAD);
                case BOOTTIME -> List.of(BOOTTIME_AHEAD);
            };
        }

        /** The control for a wait on {@code clock}: both other clocks shifted, not this one. */
        static Namespace allBut(ClockGroup clock) {
            List<String> options = new ArrayList<>();
            Set<ClockGroup> shifted = EnumSet.complementOf(EnumSet.of(clock));
            for (ClockGroup other : shifted) {
                options.addAll(shifting(other).get(0).options());
            }
            return new Namespace(options, shifted);
        }

        boolean isNative() {
            return options == null;
        }

        String describe(ClockGroup clock) {
            if (isNative()) {
                return "native";
            }
            return "under " + String.join(" ", options) + (shifted.contains(clock) ? " (" + clock + " shifted)"
                    : " (control: " + clock + " not shifted)");
        }
    }

    /**
     * One kind of wait.
     *
     * @param program  display name of the program
     * @param command  its command line, resolved when run (a missing toolchain skips only its cases)
     * @param mode     the TIMER line's mode=
     * @param clock    the clock its deadline is on (the TIMER line's clock=)
     * @param absolute whether that deadline is absolute (only those need translating)
     * @param result   the TIMER line's result= when the wait ended as it should
     * @param jvm      whether the program is a Java program (it starts a JVM)
     */
    record Wait(String program, Supplier<List<String>> command, String mode, ClockGroup clock, boolean absolute,
                String result, boolean jvm) {
        String describe() {
            return program + " " + mode + " " + clock;
        }
    }

    /** A wait in a namespace: one run, one dynamic test. */
    record Case(Wait subject, Namespace namespace, TimensRunner runner) implements StaggeredRuns.Case {
        @Override
        public String name() {
            return subject.describe() + ", " + namespace.describe(subject.clock());
        }

        @Override
        public int starts() {
            return (namespace.isNative() ? 0 : 1) + (subject.jvm() ? 1 : 0);
        }

        /** Until absolute deadlines are translated, these hang for RUN_TIMEOUT. */
        @Override
        public boolean startFirst() {
            return subject.absolute() && namespace.shifted().contains(subject.clock());
        }

        @Override
        public TimensRunner.Result run() {
            List<String> command = subject.command().get();
            return namespace.isNative() ? runner.nativeRun(command) : runner.timens(namespace.options(), command);
        }

        @Override
        public void check(TimensRunner.Result run) {
            Probe timer = run.single("TIMER");
            if (timer.string("result").equals("ENOSYS")) {
                // A kernel feature missing (POSIX message queues), not a toolchain: skipped even on CI.
                Assumptions.abort("this machine cannot run " + subject.mode() + ": " + timer);
            }
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(run.exitCode()).as("exit status of:%n%s", run.describe()).isZero();
            soft.assertThat(timer.string("mode")).as("%s", timer).isEqualTo(subject.mode());
            soft.assertThat(timer.string("clock")).as("%s", timer).isEqualTo(subject.clock().name());
            soft.assertThat(timer.decimal("requested")).as("%s", timer).isEqualByComparingTo(REQUESTED);
            soft.assertThat(timer.string("result"))
                    .as("how the wait ended, in:%n%s", run.describe()).isEqualTo(subject.result());
            soft.assertThat(timer.decimal("elapsed"))
                    .as("elapsed on the program's own clock: at least the %s s asked for (less: the"
                            + " deadline was taken as host time, already past), in:%n%s", SECONDS, run.describe())
                    .isGreaterThanOrEqualTo(REQUESTED)
                    .isLessThan(MAX_VIRTUAL);
            if (timer.has("remaining")) {
                soft.assertThat(timer.decimal("remaining"))
                        .as("time left on the timer just after arming it (relative), in:%n%s", run.describe())
                        .isGreaterThan(new BigDecimal("0.5"))
                        .isLessThanOrEqualTo(REQUESTED);
            }
            if (timer.has("realtime_elapsed")) {
                soft.assertThat(timer.decimal("realtime_elapsed"))
                        .as("elapsed on the program's REALTIME, in:%n%s", run.describe())
                        .isGreaterThanOrEqualTo(REQUESTED)
                        .isLessThan(MAX_VIRTUAL);
            }
            soft.assertThat(run.elapsed())
                    .as("real time of the run, measured outside, in:%n%s", run.describe())
                    .isBetween(MIN_REAL, MAX_REAL);
            soft.assertAll();
        }
    }

    private static final TimensRunner RUNNER = new TimensRunner().withTimeout(RUN_TIMEOUT);

    // ---- the waits --------------------------------------------------------------------------------

    private static Wait c(String program, String mode, ClockGroup clock, boolean takesClock, boolean absolute,
                          String result) {
        Supplier<List<String>> command = () -> {
            List<String> argv = new ArrayList<>(List.of(Toolchains.program(program).toString(), mode));
            if (takesClock) {
                argv.add(clock.name());
            }
            argv.add(SECONDS);
            return argv;
        };
        return new Wait(program, command, mode, clock, absolute, result, false);
    }

    /** Every mode of timerprobe that takes one CLOCK and SECONDS, on every clock it accepts. */
    static List<Wait> cWaits(String program) {
        List<Wait> waits = new ArrayList<>();
        for (ClockGroup clock : ClockGroup.values()) {
            waits.add(c(program, "abs-nanosleep", clock, true, true, "OK"));
            waits.add(c(program, "rel-nanosleep", clock, true, false, "OK"));
            waits.add(c(program, "abs-timerfd", clock, true, true, "OK"));
            waits.add(c(program, "abs-timer", clock, true, true, "OK"));
        }
        waits.add(c(program, "cond-timedwait", REALTIME, false, true, "ETIMEDOUT"));
        waits.add(c(program, "cond-monotonic", MONOTONIC, false, true, "ETIMEDOUT"));
        for (ClockGroup clock : List.of(REALTIME, MONOTONIC)) { // glibc's clockwait takes only these
            waits.add(c(program, "cond-clockwait", clock, true, true, "ETIMEDOUT"));
            waits.add(c(program, "sem-clockwait", clock, true, true, "ETIMEDOUT"));
        }
        waits.add(c(program, "sem-timedwait", REALTIME, false, true, "ETIMEDOUT"));
        waits.add(c(program, "mutex-timedlock", REALTIME, false, true, "ETIMEDOUT"));
        waits.add(c(program, "mutex-pi-timedlock", REALTIME, false, true, "ETIMEDOUT"));
        waits.add(c(program, "mq-timedreceive", REALTIME, false, true, "ETIMEDOUT"));
        return waits;
    }

    /** The static build runs the same code; a few modes show its vDSO and syscalls are covered too. */
    static List<Wait> staticWaits() {
        String program = "timerprobe-static";
        return List.of(
                c(program, "rel-nanosleep", REALTIME, true, false, "OK"),
                c(program, "abs-nanosleep", REALTIME, true, true, "OK"),
                c(program, "abs-nanosleep", MONOTONIC, true, true, "OK"),
                c(program, "abs-timerfd", BOOTTIME, true, true, "OK"),
                c(program, "cond-timedwait", REALTIME, false, true, "ETIMEDOUT"),
                c(program, "sem-clockwait", MONOTONIC, true, true, "ETIMEDOUT"));
    }

    /** Go's timers are relative waits on its monotonic clock: controls, at rate 1. */
    static List<Wait> goWaits() {
        List<Wait> waits = new ArrayList<>();
        for (String mode : List.of("sleep", "after", "ticker", "timer-reset")) {
            waits.add(new Wait("timerprobe-go",
                    () -> List.of(Toolchains.program("timerprobe-go").toString(), mode, SECONDS),
                    mode, MONOTONIC, false, "OK", false));
        }
        return waits;
    }

    /** HotSpot waits for absolute deadlines: MONOTONIC for every relative timeout, REALTIME for parkUntil. */
    static Wait javaWait(String mode, ClockGroup clock) {
        return new Wait("java TimerProbe",
                () -> List.of(Toolchains.java().toString(), "-cp", Toolchains.javaClasses("TimerProbe").toString(),
                        "TimerProbe", mode, SECONDS),
                mode, clock, true, "OK", true);
    }

    /** Natively, under every namespace that shifts the wait's clock, and under the control. */
    static List<Case> everywhere(List<Wait> waits) {
        List<Case> cases = new ArrayList<>();
        for (Wait wait : waits) {
            cases.add(new Case(wait, Namespace.NATIVE, RUNNER));
            for (Namespace namespace : Namespace.shifting(wait.clock())) {
                cases.add(new Case(wait, namespace, RUNNER));
            }
            cases.add(new Case(wait, Namespace.allBut(wait.clock()), RUNNER));
        }
        return cases;
    }

    /** Natively and under exactly {@code namespaces}. */
    static List<Case> under(List<Wait> waits, List<Namespace> namespaces) {
        List<Case> cases = new ArrayList<>();
        for (Wait wait : waits) {
            cases.add(new Case(wait, Namespace.NATIVE, RUNNER));
            for (Namespace namespace : namespaces) {
                cases.add(new Case(wait, namespace, RUNNER));
            }
        }
        return cases;
    }

    /** The cases whose name matches {@code -Dtimens.it.timers=REGEX} (a find), or all. */
    static <C extends StaggeredRuns.Case> List<C> selected(List<C> cases) {
        String filter = System.getProperty("timens.it.timers", "");
        if (filter.isBlank()) {
            return cases;
        }
        Pattern pattern = Pattern.compile(filter);
        return cases.stream().filter(c -> pattern.matcher(c.name()).find()).toList();
    }

    // ---- the tests --------------------------------------------------------------------------------

    /**
     * Every wait of every program, in one batch so that the runs that hang (until
     * the translation exists) overlap with all the others: one container per program.
     * {@code -Dtimens.it.timers=REGEX} runs only the cases whose name matches, e.g.
     * {@code parkUntil} or {@code 'abs-timerfd.*--at'}.
     */
    @TestFactory
    Stream<DynamicNode> timedWaits() {
        List<Wait> javaMonotonic = Stream.of("sleep", "wait", "scheduled", "park")
                .map(mode -> javaWait(mode, MONOTONIC)).toList();
        List<Case> java = new ArrayList<>(under(javaMonotonic,
                List.of(Namespace.OFFSET_BACK, Namespace.MONOTONIC_AHEAD)));
        // parkUntil under --at 2038 is the JVM's absolute REALTIME deadline; the rest are MONOTONIC ones.
        java.addAll(under(List.of(javaWait("parkUntil", REALTIME)),
                List.of(Namespace.AT, Namespace.OFFSET_BACK, Namespace.MONOTONIC_AHEAD)));
        Map<String, List<Case>> groups = new LinkedHashMap<>();
        groups.put("timerprobe (C, dynamic glibc)", selected(everywhere(cWaits("timerprobe"))));
        groups.put("timerprobe-static (C, static glibc)", selected(everywhere(staticWaits())));
        groups.put("timerprobe-go (Go timers: relative, controls)",
                selected(under(goWaits(), List.of(Namespace.OFFSET_BACK, Namespace.MONOTONIC_AHEAD))));
        groups.put("java TimerProbe (HotSpot: absolute deadlines)", selected(java));

        List<Case> all = groups.values().stream().flatMap(List::stream).toList();
        Iterator<DynamicTest> tests = StaggeredRuns.tests(all).iterator();
        List<DynamicNode> containers = new ArrayList<>();
        groups.forEach((name, cases) -> {
            if (!cases.isEmpty()) {
                List<DynamicTest> own = new ArrayList<>();
                for (int i = 0; i < cases.size(); i++) {
                    own.add(tests.next());
                }
                containers.add(DynamicContainer.dynamicContainer(name, own));
            }
        });
        return containers.stream();
    }

    /**
     * A thread waits for an absolute REALTIME deadline S s away (clock_nanosleep,
     * a timerfd, a POSIX timer); 0.3 s later another sets the clock STEP s forward
     * or back. A real clock wakes the sleeper when it reaches the deadline: after
     * S - STEP s (12 s for S=2, STEP=-10: a step back makes the wait longer), or at
     * once when the step passes the deadline. A cancel-on-set timerfd is cancelled
     * by the step, at once. With the clock shifted (--at 2038) and not.
     */
    @TestFactory
    Stream<DynamicTest> aClockStepWhileWaiting() {
        HostClock host = HostClock.snapshot();
        // Without capabilities too: a setting that escaped timens would fail with EPERM.
        TimensRunner runner = RUNNER.withEnv("TIMENS_TEST_ALLOW_SET", "1")
                .wrappedIn(ClockSafety.withoutCapabilities());
        List<StepCase> cases = selected(List.of(
                new StepCase(runner, host, "step-while-blocked", true, "60", "59"),
                new StepCase(runner, host, "step-while-blocked", true, "60", "120"),
                new StepCase(runner, host, "step-while-blocked", true, "2", "-10"),
                new StepCase(runner, host, "step-while-blocked", false, "60", "59"),
                new StepCase(runner, host, "step-timerfd", true, "60", "59"),
                new StepCase(runner, host, "step-timerfd", false, "2", "-10"),
                new StepCase(runner, host, "step-timer", true, "60", "120"),
                new StepCase(runner, host, "step-timer", false, "60", "59"),
                new StepCase(runner, host, "cancel-on-set", true, "60", "59"),
                new StepCase(runner, host, "cancel-on-set-poll", false, "60", "-10")));
        return StaggeredRuns.tests(cases).stream();
    }

    /** One run of a timerprobe step mode, under --at 2038 when {@code shifted}, and what a real clock would do. */
    record StepCase(TimensRunner runner, HostClock host, String mode, boolean shifted, String seconds, String step)
            implements StaggeredRuns.Case {
        /** When the step happens after the sleeper blocked (timerprobe waits this long). */
        static final BigDecimal STEP_AFTER = new BigDecimal("0.3");

        /** Whether the step cancels the wait (a cancel-on-set timerfd) rather than moving its deadline. */
        boolean cancels() {
            return mode.startsWith("cancel-on-set");
        }

        /** How long the sleeper waits on a real clock, on MONOTONIC: max(0.3, S - STEP), or 0.3 when cancelled. */
        BigDecimal expected() {
            return cancels() ? STEP_AFTER : new BigDecimal(seconds).subtract(new BigDecimal(step)).max(STEP_AFTER);
        }

        @Override
        public String name() {
            return "timerprobe " + mode + ": REALTIME deadline " + seconds + " s away, clock set "
                    + (step.startsWith("-") ? step : "+" + step) + " s after 0.3 s; "
                    + (cancels() ? "cancelled" : "wakes") + " after " + expected() + " s"
                    + (shifted ? ", under --at " + AT_2038 : ", clock not shifted");
        }

        @Override
        public int starts() {
            return 1;
        }

        @Override
        public boolean startFirst() {
            return true;
        }

        /**
         * Runs only once timens is known to keep clock settings from the host
         * ({@link ClockSafety}), and checks the host clock even when the run failed:
         * a step that escaped matters most.
         */
        @Override
        public TimensRunner.Result run() {
            ClockSafety.requireSettingIsVirtualized();
            try {
                return runner.timens(shifted ? List.of("--at", AT_2038) : List.of(),
                        Toolchains.program("timerprobe").toString(), mode, seconds, step);
            } finally {
                host.assertNotStepped();
            }
        }

        @Override
        public void check(TimensRunner.Result run) {
            host.assertNotStepped();
            Probe timer = run.single("TIMER");
            BigDecimal expected = expected();
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(run.exitCode()).as("exit status of:%n%s", run.describe()).isZero();
            soft.assertThat(timer.string("set")).as("settimeofday inside, in:%n%s", run.describe())
                    .isEqualTo("OK");
            soft.assertThat(timer.string("result")).as("the wait, in:%n%s", run.describe())
                    .isEqualTo(cancels() ? "ECANCELED" : "OK");
            soft.assertThat(timer.decimal("elapsed"))
                    .as("the sleeper's wait on MONOTONIC, in:%n%s", run.describe())
                    .isBetween(expected.subtract(new BigDecimal("0.05")), expected.add(new BigDecimal("1.5")));
            // A step past the deadline wakes the sleeper at once, already late by
            // 0.3 + STEP - S; otherwise it wakes right at the deadline.
            BigDecimal late = STEP_AFTER.add(new BigDecimal(step)).subtract(new BigDecimal(seconds)).max(BigDecimal.ZERO);
            if (!cancels()) soft.assertThat(timer.decimal("overshoot"))
                    .as("REALTIME at wake-up minus the deadline (never negative on a real clock), in:%n%s",
                            run.describe())
                    .isBetween(late, late.add(new BigDecimal("1.5")));
            Duration expectedReal = Duration.ofNanos(expected.movePointRight(9).longValueExact());
            soft.assertThat(run.elapsed())
                    .as("real time of the run, measured outside, in:%n%s", run.describe())
                    .isBetween(expectedReal.minusMillis(100), expectedReal.plusSeconds(4));
            soft.assertAll();
        }
    }
}
