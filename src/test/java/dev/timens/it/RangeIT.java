package dev.timens.it;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The ends of the clocks' range, as a user meets them: a clock of the namespace
 * never wraps and never goes backwards. At KTIME_MAX (2^63 - 1 ns,
 * 2262-04-11T23:47:16.854775807Z on REALTIME) it stops, and the vDSO and the
 * raw syscalls read the same last nanosecond; a wait whose deadline lies past
 * the end never comes, even under --warp; what cannot start (a date past the
 * end, a rate the clocks cannot run at) is a usage error.
 */
@Tag("e2e")
class RangeIT {
    /** KTIME_MAX in seconds, as the probes print it. */
    private static final BigDecimal END = new BigDecimal("9223372036.854775807");
    private static final List<String> VDSO_AND_RAW = List.of("realtime", "raw_realtime", "monotonic", "raw_monotonic",
            "boottime", "raw_boottime");

    private final TimensRunner runner = new TimensRunner();

    @TempDir
    Path temp;

    private static String clockprobe() {
        return Toolchains.program("clockprobe-dyn").toString();
    }

    /** Every clock of every line within [0, KTIME_MAX], and none read earlier than in the line before. */
    private static void assertNeverWrapsNorGoesBack(TimensRunner.Result run, List<Probe> probes) {
        SoftAssertions soft = new SoftAssertions();
        for (String key : VDSO_AND_RAW) {
            BigDecimal previous = BigDecimal.ZERO;
            for (Probe p : probes) {
                BigDecimal value = p.decimal(key);
                soft.assertThat(value).as("%s in %s%n%s", key, p, run.describe()).isBetween(BigDecimal.ZERO, END);
                soft.assertThat(value).as("%s went back in %s%n%s", key, p, run.describe())
                        .isGreaterThanOrEqualTo(previous);
                previous = value;
            }
        }
        soft.assertAll();
    }

    /** The case: --at 2262-04-11T23:47:14Z, and 3 s later every clock read stands at the end. */
    @Test
    void atTheEndOfTheRangeRealtimeStopsAndEveryPathAgrees() {
        String probe = clockprobe();
        TimensRunner.Result run = runner.withEnv("TZ", "UTC").timens(List.of("--at", "2262-04-11T23:47:14Z"),
                "sh", "-c", probe + "; sleep 3; " + probe + "; date; date +%s.%N").assertExit(0);

        List<Probe> probes = run.tagged("PROBE");
        assertThat(probes).as(run.describe()).hasSize(2);
        assertNeverWrapsNorGoesBack(run, probes);
        Probe end = probes.get(1);
        SoftAssertions soft = new SoftAssertions();
        for (String key : List.of("realtime", "realtime_coarse", "tai", "raw_realtime")) {
            soft.assertThat(end.decimal(key)).as("%s%n%s", key, run.describe()).isEqualByComparingTo(END);
        }
        soft.assertThat(end.decimal("gettimeofday")).as(run.describe()).isEqualByComparingTo("9223372036.854775");
        soft.assertThat(end.decimal("raw_gettimeofday")).as(run.describe()).isEqualByComparingTo("9223372036.854775");
        soft.assertThat(end.longValue("time")).as(run.describe()).isEqualTo(9223372036L);
        soft.assertThat(end.longValue("raw_time")).as(run.describe()).isEqualTo(9223372036L);
        soft.assertThat(run.stdout()).as(run.describe()).contains("Fri Apr 11 23:47:16 UTC 2262\n9223372036.854775807\n");
        soft.assertAll();
    }

    /** Python's datetime, which raised OverflowError on the wrapped raw value, prints the last microsecond. */
    @Test
    void pythonSeesTheLastMicrosecond() {
        assumeTrue(Toolchains.onPath("python3").isPresent() || Toolchains.ci(), "python3 not found");
        TimensRunner.Result run = runner.withEnv("TZ", "UTC").timens(List.of("--at", "2262-04-11T23:47:16.8Z"),
                "sh", "-c", "sleep 0.2; python3 -c 'import datetime; print(datetime.datetime.now())'").assertExit(0);
        assertThat(run.stdout()).as(run.describe()).isEqualTo("2262-04-11 23:47:16.854775\n");
    }

    /**
     * --rate 2147483647: the clocks reach the end within seconds and stop there,
     * they went negative within a second before. The loop reads them until
     * MONOTONIC stands at the end, keeping the CPU busy in between (sleeps would
     * be scaled to nothing).
     */
    @Test
    void aFastRateStopsAtTheEnd() {
        String probe = clockprobe();
        String readloop = Toolchains.program("readloop").toString();
        String script = "n=0; while [ $n -lt 200 ]; do p=$(" + probe + ") || exit 1; echo \"$p\"; n=$((n+1));"
                + " case \"$p\" in *'raw_monotonic=" + END + " '*) break;; esac; " + readloop + " 3000000 vdso >/dev/null;"
                + " done; " + probe;
        TimensRunner.Result run = runner.timens(List.of("--rate", "2147483647"), "sh", "-c", script).assertExit(0);

        List<Probe> probes = run.tagged("PROBE");
        assertNeverWrapsNorGoesBack(run, probes);
        Probe last = probes.getLast();
        for (String key : VDSO_AND_RAW) {
            assertThat(last.decimal(key)).as("%s in the last line%n%s", key, run.describe()).isEqualByComparingTo(END);
        }
    }

    /**
     * The case under --warp: coreutils sleeps 9999999999 s in 24-day
     * pieces; the clocks jumped piece after piece and wrapped (a date in 1759).
     * The piece that would take MONOTONIC past the end never ends, as natively:
     * nothing is printed until timens is killed.
     */
    @Test
    void underWarpASleepPastTheEndNeverEnds() {
        TimensRunner.Result run = runner.withTimeout(Duration.ofSeconds(60))
                .wrappedIn(List.of("timeout", "-s", "KILL", "8"))
                .timens(List.of("--warp"), "sh", "-c", "sleep 9999999999; date");
        assertThat(run.exitCode()).as("killed by timeout%n%s", run.describe()).isEqualTo(128 + 9);
        assertThat(run.stdout()).as(run.describe()).isEmpty();
    }

    /**
     * Under --warp, sleeps of ten years: the clocks jump up to the end, REALTIME
     * stops there (on the vDSO and the raw syscall alike), MONOTONIC never goes
     * back, and the sleep that would pass the end blocks.
     */
    @Test
    void underWarpTheClocksJumpUpToTheEndAndNoFurther() {
        String probe = clockprobe();
        TimensRunner.Result run = runner.withTimeout(Duration.ofSeconds(60))
                .wrappedIn(List.of("timeout", "-s", "KILL", "10"))
                .timens(List.of("--warp"), "sh", "-c",
                        probe + "; n=0; while [ $n -lt 40 ]; do sleep 315360000; " + probe + "; n=$((n+1)); done");
        assertThat(run.exitCode()).as("killed by timeout%n%s", run.describe()).isEqualTo(128 + 9);

        List<Probe> probes = run.tagged("PROBE");
        // 292 years of MONOTONIC from the boot: 29 sleeps of 10 years at most, then one that never ends.
        assertThat(probes).as(run.describe()).hasSizeBetween(2, 31);
        assertNeverWrapsNorGoesBack(run, probes);
        Probe last = probes.getLast();
        assertThat(last.decimal("realtime")).as(run.describe()).isEqualByComparingTo(END);
        assertThat(last.decimal("raw_realtime")).as(run.describe()).isEqualByComparingTo(END);
        assertThat(END.subtract(last.decimal("monotonic"))).as("MONOTONIC less than 10 years from the end%n%s",
                run.describe()).isLessThan(BigDecimal.valueOf(315360000L));
    }

    /** The last nanosecond the parser accepts starts (it was refused at start with another message). */
    @Test
    void theLastDateTheParserAcceptsStarts() {
        TimensRunner.Result run = runner.withEnv("TZ", "UTC").timens(List.of("--at", "2262-04-11T23:47:16.854775806Z"),
                "date", "+%s.%N").assertExit(0);
        assertThat(run.stdout()).as(run.describe()).isEqualTo("9223372036.854775807\n");
    }

    static Stream<Arguments> outOfRange() {
        return Stream.of(
                Arguments.of(List.of("--at", "2262-04-11T23:47:16.854775807Z"), "2262-04-11"),
                Arguments.of(List.of("--at", "@9223372037"), "2262-04-11"),
                Arguments.of(List.of("--rate", "1e-10"), "0.000001"),
                Arguments.of(List.of("--rate", "1e300"), "'1e300'"),
                Arguments.of(List.of("--rate", "2147483648"), "2147483648"),
                Arguments.of(List.of("--faketime", "+0 x0.0000000001"), "1E-10"));
    }

    /** Out of range: exit 2, one short line that says why, nothing started. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("outOfRange")
    void outOfRangeIsAUsageError(List<String> options, String mentions) {
        Path marker = temp.resolve("started");
        TimensRunner.Result run = runner.timens(options, "sh", "-c", "touch '" + marker + "'").assertExit(2);
        assertThat(run.stderrLines()).as(run.describe()).singleElement().asString()
                .startsWith("timens: ").contains(mentions, "range").hasSizeLessThan(200);
        assertThat(marker).as(run.describe()).doesNotExist();
    }

    /** The slowest rate accepted runs (slowly), it is not frozen. */
    @Test
    void theSlowestRateRuns() {
        TimensRunner.Result run = runner.timens(List.of("--rate", "0.000001"), clockprobe()).assertExit(0);
        assertThat(run.single("PROBE").decimal("realtime")).as(run.describe()).isPositive();
    }

    /**
     * Under TZ=right/UTC, time_t counts leap seconds: a date given to --at
     * reads back as that date inside (it was 27 s early), and as the same
     * time_t that date -d gives natively.
     */
    @Test
    void atIsExactUnderAZoneThatCountsLeapSeconds() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/usr/share/zoneinfo/right/UTC")), "tzdata has no right/UTC");
        TimensRunner nativeRight = runner.withEnv("TZ", "right/UTC");
        String expected = nativeRight.nativeRun("date", "-d", "2030-01-01 00:00", "+%s").assertExit(0).stdout().strip();
        assertThat(expected).isEqualTo("1893456027");

        TimensRunner.Result run = nativeRight.timens(List.of("--at", "2030-01-01 00:00"),
                "date", "+%s %Y-%m-%dT%H:%M:%S").assertExit(0);
        String[] shown = run.stdout().strip().split(" ");
        assertThat(Long.parseLong(shown[0]) - Long.parseLong(expected)).as(run.describe()).isBetween(0L, 2L);
        assertThat(shown[1]).as(run.describe()).startsWith("2030-01-01T00:00:0");
    }
}
