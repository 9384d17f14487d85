package dev.timens.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * --warp: when every process of the namespace waits, the clocks jump to the
 * earliest timeout and that wait ends at once. Each test runs waits of
 * minutes or hours, which would time the test out if they took real time;
 * real-time bounds are generous (noise only makes things slower), virtual ones
 * exact to the jump plus the real time the run took.
 */
@Tag("e2e")
class WarpIT {
    private final TimensRunner runner = new TimensRunner();

    private static BigDecimal elapsed(TimensRunner.Result run) {
        return run.single("TIMER").decimal("elapsed");
    }

    private static double realSeconds(TimensRunner.Result run) {
        return run.elapsed().toMillis() / 1000.0;
    }

    private static String timerprobe() {
        return Toolchains.program("timerprobe").toString();
    }

    /** Ten minutes of every kind of timed wait take well under ten seconds, and ten minutes pass inside. */
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
        "rel-nanosleep, MONOTONIC, ",
        "rel-nanosleep, REALTIME, ",
        "abs-nanosleep, MONOTONIC, --monotonic=+1d",
        "abs-nanosleep, REALTIME, --at=2038-01-19T03:00:00Z",
        "abs-nanosleep, BOOTTIME, --boottime=+2h",
        "cond-timedwait, , --offset=-3d",
        "cond-monotonic, , ",
        "sem-timedwait, , ",
        "mutex-timedlock, , ",
        "mutex-pi-timedlock, , ",
        "poll-timeout, , ",
        "select-timeout, , ",
        "epoll-timeout, , ",
    })
    void everyTimedWaitEndsAtOnceAfterItsVirtualTime(String mode, String clock, String option) {
        List<String> options = new ArrayList<>(List.of("--warp"));
        if (option != null) options.add(option);
        List<String> command = new ArrayList<>(List.of(timerprobe(), mode));
        if (clock != null) command.add(clock);
        command.add("600");
        TimensRunner.Result run = runner.timens(options, command).assertExit(0);
        assertThat(elapsed(run)).as("virtual seconds waited:%n%s", run.describe())
                .isBetween(new BigDecimal("600"), new BigDecimal("605"));
        assertThat(realSeconds(run)).as("real seconds:%n%s", run.describe()).isLessThan(10);
        if (mode.equals("select-timeout")) {
            assertThat(run.single("TIMER").decimal("remaining")).as("select's time left").isZero();
        }
    }

    /**
     * Timers are events the clocks jump to: a process waiting for nothing but a
     * timer (reading a timerfd, polling it, waiting for the signal of a POSIX
     * timer, alarm or setitimer) gets it at once, ten virtual minutes later.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "rel-timerfd, MONOTONIC",
        "rel-timerfd, BOOTTIME",
        "timerfd-poll, MONOTONIC",
        "timerfd-epoll, REALTIME",
        "rel-timer, MONOTONIC",
        "rel-timer, REALTIME",
        "abs-timerfd, REALTIME",
        "abs-timer, MONOTONIC",
        "alarm, ",
        "itimer, ",
    })
    void timersExpireAtOnceAfterTheirVirtualTime(String mode, String clock) {
        List<String> command = new ArrayList<>(List.of(timerprobe(), mode));
        if (clock != null) command.add(clock);
        command.add("600");
        TimensRunner.Result run = runner.timens(List.of("--warp", "--at", "2038-01-19T03:00:00Z"), command)
                .assertExit(0);
        assertThat(elapsed(run)).as("virtual seconds waited:%n%s", run.describe())
                .isBetween(new BigDecimal("600"), new BigDecimal("605"));
        assertThat(realSeconds(run)).as("real seconds:%n%s", run.describe()).isLessThan(10);
    }

    /** A timer that expires during a longer sleep interrupts it, as natively: the clocks stop at the timer first. */
    @Test
    void anAlarmCutsALongerSleepShort() {
        TimensRunner.Result run = runner.timens(List.of("--warp"), timerprobe(), "alarm-sleep", "300").assertExit(0);
        assertThat(run.single("TIMER").string("result")).isEqualTo("EINTR");
        assertThat(elapsed(run)).as("%s", run.describe()).isBetween(new BigDecimal("300"), new BigDecimal("302"));
    }

    /**
     * The sleep that alarm(100) cuts short after 100 of its 200 virtual seconds
     * reports 100 s left, not the almost 200 s of host time it did not sleep;
     * alone and under a rate. The alarm is moved through the sleeping thread,
     * whose call goes on in restart_syscall until the alarm interrupts it.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
        "alarm-sleep, , ",
        "alarm-clock-sleep, MONOTONIC, ",
        "alarm-clock-sleep, BOOTTIME, ",
        "alarm-sleep, , --rate=2",
        "alarm-clock-sleep, REALTIME, --rate=0.5",
    })
    void anInterruptedSleepReportsTheVirtualTimeLeft(String mode, String clock, String option) {
        List<String> options = new ArrayList<>(List.of("--warp"));
        if (option != null) options.add(option);
        List<String> command = new ArrayList<>(List.of(timerprobe(), mode));
        if (clock != null) command.add(clock);
        command.add("100");
        TimensRunner.Result run = runner.timens(options, command).assertExit(0);
        assertThat(run.single("TIMER").string("result")).isEqualTo("EINTR");
        assertThat(elapsed(run)).as("%s", run.describe()).isBetween(new BigDecimal("100"), new BigDecimal("102"));
        assertThat(run.single("TIMER").decimal("remaining")).as("the time left it reported:%n%s", run.describe())
                .isBetween(new BigDecimal("98"), new BigDecimal("100.1"));
        assertThat(realSeconds(run)).as("real seconds:%n%s", run.describe()).isLessThan(10);
    }

    /**
     * A wait whose thread is interrupted to move its process's timers (a periodic
     * ITIMER_REAL, every second) keeps its deadline: epoll_wait, whose timeout the
     * kernel does not count down, must not start over. Every tick is counted.
     */
    @Test
    void aWaitKeepsItsDeadlineWhileTimersAreMoved() {
        TimensRunner.Result run = runner.timens(List.of("--warp"), timerprobe(), "itimer-epoll", "60").assertExit(0);
        assertThat(elapsed(run)).as("%s", run.describe()).isBetween(new BigDecimal("60"), new BigDecimal("61"));
        assertThat(run.single("TIMER").longValue("steps")).as("ticks:%n%s", run.describe()).isBetween(59L, 60L);
        assertThat(realSeconds(run)).as("real seconds:%n%s", run.describe()).isLessThan(15);
    }

    /**
     * A test harness guards what it waits for with alarm(30): a child that sleeps
     * 200 times 2 ms. The clocks never jump past the child's next sleep to the
     * alarm, however briefly the child runs between its sleeps: it finishes, and
     * the alarm never fires (it would kill the run with SIGALRM). Three runs:
     * the jump past a sleeper did not happen every time.
     */
    @Test
    void aGuardingAlarmNeverOvertakesNearerSleeps() {
        for (int i = 0; i < 3; i++) {
            TimensRunner.Result run = runner.timens(List.of("--warp"), timerprobe(), "alarm-guard", "30");
            assertThat(run.exitCode()).as("exit status (142: the alarm fired) of run %d:%n%s", i, run.describe())
                    .isZero();
            assertThat(run.single("TIMER").longValue("steps")).as("the child's sleeps:%n%s", run.describe())
                    .isEqualTo(200);
            assertThat(elapsed(run)).as("virtual seconds:%n%s", run.describe()).isLessThan(new BigDecimal("30"));
        }
    }

    /**
     * A periodic timerfd nobody reads while the clocks jump over several of its
     * expiries keeps them all: one read returns as many as a real clock would
     * have counted.
     */
    @ParameterizedTest(name = "every {0} s, unread for {1} s")
    @CsvSource({
        "0.05, 0.16, 3, 5",
        "1, 10.5, 10, 11",
        "1, 3600, 3600, 3601",
    })
    void anUnreadPeriodicTimerfdCountsEveryExpiryJumpedOver(String interval, String seconds, long least, long most) {
        TimensRunner.Result run = runner.timens(List.of("--warp"), timerprobe(), "timerfd-unread", interval, seconds)
                .assertExit(0);
        assertThat(run.single("TIMER").longValue("expirations")).as("expirations read:%n%s", run.describe())
                .isBetween(least, most);
        assertThat(realSeconds(run)).as("real seconds:%n%s", run.describe()).isLessThan(10);
    }

    /** Under a rate too: alarm (made a setitimer by the rate) is followed, and jumped to. */
    @Test
    void anAlarmUnderARate() {
        TimensRunner.Result run = runner.timens(List.of("--warp", "--rate", "2"), timerprobe(), "alarm", "600")
                .assertExit(0);
        assertThat(elapsed(run)).as("%s", run.describe()).isBetween(new BigDecimal("600"), new BigDecimal("605"));
        assertThat(realSeconds(run)).as("real seconds:%n%s", run.describe()).isLessThan(10);
    }

    /** A periodic timerfd read for an hour: every expiry is counted, none is lost to the jumps. */
    @Test
    void aPeriodicTimerForAnHour() {
        TimensRunner.Result run = runner.timens(List.of("--warp"), timerprobe(), "timerfd-ticks", "3600")
                .assertExit(0);
        assertThat(elapsed(run)).as("%s", run.describe()).isBetween(new BigDecimal("3600"), new BigDecimal("3610"));
        assertThat(run.single("TIMER").longValue("steps")).as("reads (one per expiry when none is skipped)")
                .isBetween(3000L, 3600L);
        assertThat(realSeconds(run)).as("real seconds:%n%s", run.describe()).isLessThan(60);
    }

    /** A sleeper and a timer in two processes: the clocks stop at each in turn, in order. */
    @Test
    void sleepersAndTimersTakeTurns() {
        TimensRunner.Result run = runner.timens(List.of("--warp"), "sh", "-c",
                "(" + timerprobe() + " rel-timerfd MONOTONIC 2000; echo WOKE name=timer) &"
                        + " (sleep 1000; echo WOKE name=sleep1) & (" + timerprobe() + " alarm 3000; echo WOKE name=alarm) &"
                        + " wait").assertExit(0);
        assertThat(run.tagged("WOKE")).extracting(p -> p.string("name")).containsExactly("sleep1", "timer", "alarm");
        assertThat(realSeconds(run)).as("real seconds:%n%s", run.describe()).isLessThan(15);
    }

    @Test
    void anHourInSteps() {
        TimensRunner.Result run = runner.timens(List.of("--warp"), timerprobe(), "sleep-steps", "MONOTONIC", "3600")
                .assertExit(0);
        assertThat(run.single("TIMER").longValue("steps")).isEqualTo(3600);
        assertThat(elapsed(run)).as("%s", run.describe()).isBetween(new BigDecimal("3600"), new BigDecimal("3610"));
        assertThat(realSeconds(run)).as("real seconds:%n%s", run.describe()).isLessThan(20);
    }

    /** A wait that something ready ends is not a timeout: it ends without moving the clocks. */
    @Test
    void aWaitEndedByItsDescriptorDoesNotMoveTheClocks() {
        TimensRunner.Result run = runner.timens(List.of("--warp"), timerprobe(), "poll-ready", "600").assertExit(0);
        assertThat(elapsed(run)).as("%s", run.describe()).isLessThan(new BigDecimal("5"));
    }

    /** With the clocks frozen they move only by the jumps: exactly by the sleeps' lengths. */
    @Test
    void frozenClocksMoveExactlyByTheSleeps() {
        String probe = Toolchains.program("clockprobe-dyn").toString();
        TimensRunner.Result run = runner.timens(List.of("--freeze", "--warp", "--at", "@2000000000"),
                "sh", "-c", probe + "; sleep 100; sleep 0.25; " + probe).assertExit(0);
        List<Probe> probes = run.tagged("PROBE");
        assertThat(probes).hasSize(2);
        assertThat(probes.get(0).decimal("realtime")).isEqualByComparingTo("2000000000");
        assertThat(probes.get(1).decimal("realtime")).isEqualByComparingTo("2000000100.25");
        assertThat(probes.get(1).decimal("monotonic").subtract(probes.get(0).decimal("monotonic")))
                .isEqualByComparingTo("100.25");
    }

    /** Processes sleeping at once wake in deadline order; the clocks end at the latest. */
    @Test
    void concurrentSleepersWakeInDeadlineOrder() {
        HostClock host = HostClock.snapshot();
        String probe = Toolchains.program("clockprobe-dyn").toString();
        TimensRunner.Result run = runner.timens(List.of("--warp"), "sh", "-c", probe
                + "; (sleep 3000; echo WOKE name=c) & (sleep 1000; echo WOKE name=a) & (sleep 2000; echo WOKE name=b) &"
                + " wait; " + probe).assertExit(0);
        assertThat(run.tagged("WOKE")).extracting(p -> p.string("name")).containsExactly("a", "b", "c");
        List<Probe> probes = run.tagged("PROBE");
        BigDecimal passed = probes.get(1).decimal("monotonic").subtract(probes.get(0).decimal("monotonic"));
        assertThat(passed).as("%s", run.describe()).isBetween(new BigDecimal("3000"), new BigDecimal("3010"));
        assertThat(realSeconds(run)).isLessThan(10);
        host.assertNotStepped();
    }

    /**
     * A process busy on the CPU holds the clocks to real time: a sleeper beside
     * it is not warped until it is done, so it sees no jump while it works.
     */
    @Test
    void aBusyProcessKeepsTimeNormal() {
        String busy = "s=$(date +%s.%N); i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done;"
                + " echo BUSY elapsed=$(awk \"BEGIN { print $(date +%s.%N) - $s }\")";
        TimensRunner.Result run = runner.timens(List.of("--warp"), "sh", "-c",
                timerprobe() + " rel-nanosleep MONOTONIC 300 & " + busy + "; wait").assertExit(0);
        BigDecimal busyFor = run.single("BUSY").decimal("elapsed");
        assertThat(busyFor).as("virtual seconds the busy loop saw:%n%s", run.describe())
                .isLessThan(new BigDecimal("60"));
        assertThat(elapsed(run)).isBetween(new BigDecimal("300"), new BigDecimal("360"));
    }

    /** "timens: warp: timed-waits=N wake-ups=N interrupts=N jumps=N proc-reads=N", as --stats prints it. */
    private static Probe warpCounts(TimensRunner.Result run) {
        for (String line : run.stderrLines()) {
            if (line.startsWith("timens: warp: ")) {
                return Probe.parse("WARP " + line.substring("timens: warp: ".length())).orElseThrow();
            }
        }
        throw new AssertionError("no warp counts on stderr:\n" + run.describe());
    }

    /**
     * What --warp costs when jumping cannot help, counted rather than timed (a
     * time would fail on a noisy machine): a program making thousands of short
     * timed waits (nanosleep, poll, a condition variable) beside a thread that
     * spins. Nothing may jump, and each wait costs its one stop and about one
     * /proc read; no wait is interrupted and the tracer is never woken, since
     * the kernel ends every wait at its deadline by itself. Until 2026-12-06
     * each wait took three /proc reads or more, the watcher woke the tracer
     * after most waits and interrupted some at their deadline, racing the
     * kernel (the Go time package tests ran 2-4 times the supervisor CPU of
     * timens without --warp).
     */
    @Test
    void shortWaitsBesideABusyThreadCostNextToNothing() {
        TimensRunner.Result run = runner.timens(List.of("--warp", "--stats"), timerprobe(), "busy-waits", "2")
                .assertExit(0);
        assertThat(elapsed(run)).as("no jump while a thread spins:%n%s", run.describe())
                .isBetween(new BigDecimal("2"), new BigDecimal("3"));
        Probe counts = warpCounts(run);
        long waits = counts.decimal("timed-waits").longValue();
        assertThat(waits).as("timed waits trapped:%n%s", run.describe())
                .isGreaterThanOrEqualTo(Math.max(200, run.single("TIMER").decimal("steps").longValue()));
        assertThat(counts.decimal("jumps").longValue()).as("jumps:%n%s", run.describe()).isZero();
        assertThat(counts.decimal("interrupts").longValue()).as("interrupted waits:%n%s", run.describe())
                .isLessThanOrEqualTo(2);
        assertThat(counts.decimal("wake-ups").longValue()).as("wake-ups of the tracer:%n%s", run.describe())
                .isLessThanOrEqualTo(5);
        // One read at each trap, and one each time the watcher looks (at most once a
        // wait, or a millisecond); the old code made three at each trap alone.
        assertThat(counts.decimal("proc-reads").longValue()).as("/proc reads for %d waits:%n%s", waits,
                run.describe()).isLessThanOrEqualTo(2 * waits + 500);
    }

    /** Waiting for input from outside holds the clocks too: the outside may answer at any moment. */
    @Test
    void waitingForTheOutsideKeepsTimeNormal() {
        TimensRunner.Result run = runner.wrappedIn(List.of("sh", "-c", "sleep 3 | \"$0\" \"$@\""))
                .timens(List.of("--warp"), "sh", "-c", timerprobe() + " rel-nanosleep MONOTONIC 1 & read x; wait")
                .assertExit(0);
        assertThat(elapsed(run)).isBetween(new BigDecimal("1"), new BigDecimal("2"));
        assertThat(realSeconds(run)).as("the sleep took its real second:%n%s", run.describe())
                .isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void goTimersWarp() {
        for (String mode : List.of("sleep", "after", "ticker")) {
            TimensRunner.Result run = runner.timens(List.of("--warp"),
                    Toolchains.program("timerprobe-go").toString(), mode, "1800").assertExit(0);
            assertThat(elapsed(run)).as("%s:%n%s", mode, run.describe())
                    .isBetween(new BigDecimal("1800"), new BigDecimal("1810"));
            assertThat(realSeconds(run)).as("%s, real seconds:%n%s", mode, run.describe()).isLessThan(15);
        }
    }

    @Test
    void javaWaitsWarp() {
        for (String mode : List.of("sleep", "wait", "scheduled", "park")) {
            TimensRunner.Result run = runner.timens(List.of("--warp"), Toolchains.java().toString(), "-cp",
                    Toolchains.javaClasses("TimerProbe").toString(), "TimerProbe", mode, "120").assertExit(0);
            assertThat(elapsed(run)).as("%s:%n%s", mode, run.describe())
                    .isBetween(new BigDecimal("120"), new BigDecimal("130"));
            assertThat(realSeconds(run)).as("%s, real seconds:%n%s", mode, run.describe()).isLessThan(30);
        }
    }

    @Test
    void pythonSleepsWarp() {
        TimensRunner.Result run = runner.timens(List.of("--warp"), "python3", "-c",
                "import time; t = time.monotonic(); w = time.time(); time.sleep(7200);"
                        + " print('SLEPT monotonic=%.3f realtime=%.3f' % (time.monotonic() - t, time.time() - w))")
                .assertExit(0);
        Probe slept = run.single("SLEPT");
        assertThat(slept.decimal("monotonic")).isBetween(new BigDecimal("7200"), new BigDecimal("7210"));
        assertThat(slept.decimal("realtime")).isBetween(new BigDecimal("7200"), new BigDecimal("7210"));
    }
}
