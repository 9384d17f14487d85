package dev.timens.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clocks at another rate (--rate, --freeze, --faketime 'x'): a program that
 * waits N virtual seconds sees N virtual seconds pass, and the real time taken
 * is N / rate. Real-time bounds are generous (these machines are noisy, and
 * each run includes timens's own start-up), but each is far from what an
 * unscaled wait would take.
 */
@Tag("e2e")
class RateIT {
    private final TimensRunner runner = new TimensRunner();

    private static BigDecimal elapsed(TimensRunner.Result run) {
        return run.single("TIMER").decimal("elapsed");
    }

    private static double realSeconds(TimensRunner.Result run) {
        return run.elapsed().toMillis() / 1000.0;
    }

    /** {@code timerprobe MODE [CLOCK] SECONDS} (no CLOCK when {@code clock} is null). */
    private static List<String> timerprobe(String mode, String clock, String seconds) {
        List<String> command = new ArrayList<>(List.of(Toolchains.program("timerprobe").toString(), mode));
        if (clock != null) command.add(clock);
        command.add(seconds);
        return command;
    }

    /**
     * --realtime-only --rate 10: a wait for an absolute CLOCK_REALTIME deadline 2
     * virtual seconds ahead takes a fifth of a second; waits on MONOTONIC, and
     * relative ones, take their real 2 s.
     */
    @ParameterizedTest(name = "{0} {1}: {2}")
    @CsvSource({
        "abs-nanosleep, REALTIME, fast",
        "abs-timerfd, REALTIME, fast",
        "abs-timer, REALTIME, fast",
        "cond-timedwait, , fast",
        "mutex-timedlock, , fast",
        "abs-nanosleep, MONOTONIC, real",
        "rel-nanosleep, MONOTONIC, real",
        "rel-timerfd, MONOTONIC, real",
        "cond-monotonic, , real",
    })
    void realtimeOnlyScalesRealtimeDeadlinesAlone(String mode, String clock, String speed) {
        List<String> command = timerprobe(mode, clock, "2");
        TimensRunner.Result run = runner.timens(List.of("--realtime-only", "--rate", "10"), command).assertExit(0);
        assertThat(elapsed(run)).as("virtual seconds waited:%n%s", run.describe())
                .isBetween(new BigDecimal("2"), new BigDecimal("4"));
        if (speed.equals("fast")) {
            assertThat(realSeconds(run)).as("real seconds:%n%s", run.describe()).isLessThan(1.8);
        } else {
            assertThat(realSeconds(run)).as("real seconds:%n%s", run.describe()).isGreaterThanOrEqualTo(2.0);
        }
    }

    /** --realtime-only --freeze: CLOCK_REALTIME stands still while MONOTONIC and a sleep take real time. */
    @Test
    void realtimeOnlyFreezesRealtimeAlone() {
        TimensRunner.Result run = runner.timens(List.of("--realtime-only", "--freeze", "--at", "2030-01-01T00:00:00Z"),
                "python3", "-c", "import time\nr, m = time.time(), time.monotonic()\ntime.sleep(0.5)\n"
                        + "print(time.time() - r, time.monotonic() - m, int(time.time()))").assertExit(0);
        String[] values = run.lastLine().split(" ");
        assertThat(Double.parseDouble(values[0])).as(run.describe()).isZero();
        assertThat(Double.parseDouble(values[1])).as(run.describe()).isBetween(0.5, 2.0);
        assertThat(values[2]).isEqualTo("1893456000");
    }

    /** Under --rate 10 a 3-second wait of every kind takes about 0.3 s of real time. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "rel-nanosleep, MONOTONIC",
        "rel-nanosleep, REALTIME",
        "abs-nanosleep, MONOTONIC",
        "abs-nanosleep, REALTIME",
        "abs-nanosleep, BOOTTIME",
        "abs-timerfd, MONOTONIC",
        "abs-timer, REALTIME",
        "rel-timerfd, MONOTONIC",
        "timerfd-poll, BOOTTIME",
        "rel-timer, REALTIME",
        "itimer, ",
        "alarm, ",
        "cond-timedwait, ",
        "cond-monotonic, ",
        "sem-timedwait, ",
        "mutex-timedlock, ",
    })
    void fastClocksShortenEveryWait(String mode, String clock) {
        List<String> command = timerprobe(mode, clock, "3");
        TimensRunner.Result run = runner.timens(List.of("--rate", "10"), command).assertExit(0);
        assertThat(elapsed(run)).as("virtual seconds waited:%n%s", run.describe())
                .isBetween(new BigDecimal("3"), new BigDecimal("5"));
        assertThat(realSeconds(run)).as("real seconds:%n%s", run.describe()).isLessThan(2.5);
    }

    /** Under --rate 0.5 a 1-second wait takes 2 s of real time; under --rate 0.1 a 0.2-second one as long. */
    @ParameterizedTest(name = "--rate {0}: {1} {2} {3}")
    @CsvSource({
        "0.5, rel-nanosleep, MONOTONIC, 1",
        "0.1, rel-nanosleep, REALTIME, 0.2",
        "0.1, rel-timerfd, MONOTONIC, 0.2",
        "0.1, rel-timer, MONOTONIC, 0.2",
        "0.1, itimer, , 0.2",
        "0.1, cond-monotonic, , 0.2",
    })
    void slowClocksLengthenWaits(String rate, String mode, String clock, String seconds) {
        List<String> command = timerprobe(mode, clock, seconds);
        TimensRunner.Result run = runner.timens(List.of("--rate", rate), command).assertExit(0);
        BigDecimal requested = new BigDecimal(seconds);
        assertThat(elapsed(run)).as("virtual seconds waited:%n%s", run.describe())
                .isBetween(requested, requested.multiply(new BigDecimal("2")));
        assertThat(realSeconds(run)).as("real seconds:%n%s", run.describe()).isGreaterThanOrEqualTo(1.9);
    }

    @Test
    void goTimersRunAtTheRate() {
        TimensRunner.Result run = runner.timens(List.of("--rate", "10"),
                Toolchains.program("timerprobe-go").toString(), "sleep", "3").assertExit(0);
        assertThat(elapsed(run)).isBetween(new BigDecimal("3"), new BigDecimal("5"));
        assertThat(realSeconds(run)).as("real seconds:%n%s", run.describe()).isLessThan(2.5);
        TimensRunner.Result ticker = runner.timens(List.of("--rate", "10"),
                Toolchains.program("timerprobe-go").toString(), "ticker", "3").assertExit(0);
        assertThat(elapsed(ticker)).isBetween(new BigDecimal("3"), new BigDecimal("5"));
        assertThat(realSeconds(ticker)).isLessThan(2.5);
    }

    @Test
    void javaSleepsRunAtTheRate() {
        for (String mode : List.of("sleep", "wait", "scheduled")) {
            TimensRunner.Result run = runner.timens(List.of("--rate", "10"), Toolchains.java().toString(), "-cp",
                    Toolchains.javaClasses("TimerProbe").toString(), "TimerProbe", mode, "5").assertExit(0);
            assertThat(elapsed(run)).as(mode).isBetween(new BigDecimal("5"), new BigDecimal("8"));
            assertThat(realSeconds(run)).as("%s, real seconds:%n%s", mode, run.describe()).isLessThan(4.0);
        }
    }

    @Test
    void frozenClocksStandStillButSleepsTakeTheirRealTime() {
        String probe = Toolchains.program("clockprobe-dyn").toString();
        TimensRunner.Result run = runner.timens(List.of("--freeze", "--at", "@2147483640"),
                "sh", "-c", probe + "; sleep 0.5; " + probe).assertExit(0);
        List<Probe> probes = run.tagged("PROBE");
        assertThat(probes).hasSize(2);
        assertThat(probes.get(0).decimal("realtime")).isEqualByComparingTo(probes.get(1).decimal("realtime"));
        assertThat(probes.get(0).decimal("realtime").longValue()).isBetween(2147483640L, 2147483641L);
        assertThat(probes.get(0).decimal("monotonic")).isEqualByComparingTo(probes.get(1).decimal("monotonic"));
        assertThat(realSeconds(run)).isGreaterThanOrEqualTo(0.5);
    }

    @Test
    void faketimeSpeedAndFrozenForms() {
        String probe = Toolchains.program("clockprobe-dyn").toString();
        TimensRunner.Result frozen = runner.withEnv("TZ", "UTC").timens(List.of("--faketime", "2020-12-24 20:30:00"),
                "sh", "-c", probe + "; sleep 0.2; " + probe).assertExit(0);
        assertThat(frozen.tagged("PROBE").get(0).decimal("realtime")).isEqualByComparingTo("1608841800");
        assertThat(frozen.tagged("PROBE").get(1).decimal("realtime")).isEqualByComparingTo("1608841800");
        TimensRunner.Result fast = runner.timens(List.of("--faketime", "+0 x10"),
                Toolchains.program("timerprobe").toString(), "rel-nanosleep", "MONOTONIC", "3").assertExit(0);
        assertThat(realSeconds(fast)).as("real seconds:%n%s", fast.describe()).isLessThan(2.5);
    }

    /**
     * A sleep of 2 s cut short by alarm(1) reports about 1 s left, on the
     * namespace's clock: what the kernel counts on the host's (0.5 s at rate 2,
     * 2 s at rate 0.5) is not what the program asked for.
     */
    @ParameterizedTest(name = "{1} {2} at rate {0}")
    @CsvSource({
        "2, alarm-sleep, ",
        "2, alarm-clock-sleep, MONOTONIC",
        "2, alarm-clock-sleep, REALTIME",
        "0.5, alarm-sleep, ",
        "0.5, alarm-clock-sleep, BOOTTIME",
    })
    void anInterruptedSleepReportsTheVirtualTimeLeft(String rate, String mode, String clock) {
        List<String> command = timerprobe(mode, clock, "1");
        TimensRunner.Result run = runner.timens(List.of("--rate", rate), command).assertExit(0);
        assertThat(run.single("TIMER").string("result")).isEqualTo("EINTR");
        assertThat(run.single("TIMER").decimal("remaining")).as("the time left it reported:%n%s", run.describe())
                .isBetween(new BigDecimal("0.7"), new BigDecimal("1.1"));
    }

    /**
     * A POSIX timer on a CPU-time clock counts the CPU time the program uses,
     * which no rate changes: 0.2 s of it fire the timer after 0.2 s of CPU (the
     * probe spins until the signal, measuring on that clock), and timer_gettime
     * reads back 0.2 s, at any rate.
     */
    @ParameterizedTest(name = "{0} at rate {1}")
    @CsvSource({
        "cpu-timer-process, 2",
        "cpu-timer-process, 0.5",
        "cpu-timer-thread, 2",
        "cpu-timer-thread, 0.5",
    })
    void cpuTimeTimersAreNotScaled(String mode, String rate) {
        TimensRunner.Result run = runner.timens(List.of("--rate", rate),
                Toolchains.program("timerprobe").toString(), mode, "0.2").assertExit(0);
        assertThat(elapsed(run)).as("CPU seconds used when the timer fired:%n%s", run.describe())
                .isBetween(new BigDecimal("0.19"), new BigDecimal("0.35"));
        assertThat(run.single("TIMER").decimal("remaining")).as("timer_gettime just after arming:%n%s", run.describe())
                .isBetween(new BigDecimal("0.1"), new BigDecimal("0.2"));
    }

    @Test
    void relativeTimeoutsAreScaledBothWays() {
        // select() reports the time left in its timeout; timerfd_gettime the time to expiry.
        TimensRunner.Result run = runner.timens(List.of("--rate", "10"),
                Toolchains.program("timerprobe").toString(), "abs-timerfd", "MONOTONIC", "3").assertExit(0);
        BigDecimal remaining = run.single("TIMER").decimal("remaining");
        assertThat(remaining).as("timerfd_gettime right after arming, in virtual seconds")
                .isBetween(new BigDecimal("2.5"), new BigDecimal("3"));
        assertThat(Duration.ofMillis(run.elapsed().toMillis())).isLessThan(Duration.ofMillis(2500));
    }
}
