package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * libfaketime's own documented examples (its README and {@code faketime --help}, 0.9.10)
 * run under libfaketime's {@code faketime} and under timens ({@code --faketime} and
 * {@code timens-faketime}): both must print the same time, give or take
 * {@link #SLACK} for the moments the programs start and read it. Local dates are read
 * in Europe/Berlin by all of them.
 */
@Tag("e2e")
class FaketimeIT {
    /** How far apart the two times may be: start-up, the time between runs, a rate of 10 on both. */
    private static final BigDecimal SLACK = new BigDecimal("2");
    private static final String ZONE = "Europe/Berlin";

    private final TimensRunner runner = new TimensRunner().withEnv("TZ", ZONE).withEnv("LC_ALL", "C");

    @TempDir
    Path temp;

    private Path faketime;

    @BeforeEach
    void needFaketime() {
        faketime = Toolchains.requireOnPath("faketime", "apt-get install faketime");
        if (!Files.isRegularFile(Path.of("/usr/share/zoneinfo", ZONE))) {
            Toolchains.unavailable("/usr/share/zoneinfo/" + ZONE + " is missing (apt-get install tzdata)");
        }
    }

    /** Whether the time printed follows the host's (an offset) or stands on its own (a date). */
    enum Kind { OFFSET, DATE }

    static Stream<Arguments> documentedFaketimeStrings() {
        return Stream.of(
                // README 4a, 4d: offsets
                Arguments.of("-15d", Kind.OFFSET),
                Arguments.of("-120", Kind.OFFSET),
                Arguments.of("-10m", Kind.OFFSET),
                Arguments.of("+14d", Kind.OFFSET),
                // README 4e: fractions, in the C locale, and speeds
                Arguments.of("+1,5h", Kind.OFFSET),
                Arguments.of("+90m", Kind.OFFSET),
                Arguments.of("+1.5h", Kind.OFFSET),
                Arguments.of("+1y x2", Kind.OFFSET),
                Arguments.of("+1y x0,5", Kind.OFFSET),
                Arguments.of("+0 x2", Kind.OFFSET),
                Arguments.of("+1,5y x10,0", Kind.OFFSET),
                // faketime --help
                Arguments.of("+2,5y x10,0", Kind.OFFSET),
                Arguments.of("+2,5y x0,50", Kind.OFFSET),
                // issue 14: one string, one meaning
                Arguments.of("-3d12h", Kind.OFFSET),
                // README 4b, 4c: absolute and start-at dates
                Arguments.of("2020-12-24 20:30:00", Kind.DATE),
                Arguments.of("@2020-12-24 20:30:00", Kind.DATE),
                Arguments.of("@2000-01-01 11:12:13", Kind.DATE),
                Arguments.of("2008-12-24 08:15:42", Kind.DATE));
    }

    @ParameterizedTest(name = "''{0}''")
    @MethodSource("documentedFaketimeStrings")
    void aFaketimeStringGivesLibfaketimesTime(String spec, Kind kind) {
        Reading reference = reading(runner.nativeRun(faketime.toString(), "-f", spec, "date", "+%s.%N"));
        Reading timens = reading(runner.timens(List.of("--faketime", spec), "date", "+%s.%N"));
        Reading dropIn = reading(runner.timensFaketimeArgs(List.of("-f", spec, "date", "+%s.%N")));
        assertSameTime(spec, kind, reference, timens);
        assertSameTime(spec, kind, reference, dropIn);
    }

    /** faketime without -f hands the timestamp to date -d; so does timens-faketime. */
    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"last friday 5 pm", "last Friday 5 pm", "2008-12-24 08:15:42", "2018-12-24 08:15:42"})
    void aTimestampForDateGivesFaketimesTime(String timestamp) {
        Reading reference = reading(runner.nativeRun(faketime.toString(), timestamp, "date", "+%s.%N"));
        Reading dropIn = reading(runner.timensFaketimeArgs(List.of(timestamp, "date", "+%s.%N")));
        assertSameTime(timestamp, Kind.DATE, reference, dropIn);
    }

    /** README 4d: FAKETIME_FMT=%s FAKETIME="`date +%s -d'1 year ago'`" date, and the same with '@'. */
    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"", "@"})
    void epochSecondsUnderFormatSGiveLibfaketimesTime(String prefix) {
        String yearAgo = runner.nativeRun("date", "+%s", "-d", "1 year ago").assertExit(0).stdout().strip();
        String spec = prefix + yearAgo;
        TimensRunner withFormat = runner.withEnv("FAKETIME_FMT", "%s");
        Reading reference = reading(withFormat.nativeRun(faketime.toString(), "-f", spec, "date", "+%s.%N"));
        Reading dropIn = reading(withFormat.timensFaketimeArgs(List.of("-f", spec, "date", "+%s.%N")));
        assertSameTime(spec, Kind.DATE, reference, dropIn);
    }

    /** README 4e: the per-read increment has no meaning in a namespace; refused, nothing started. */
    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"+1y i2,0", "+2,5y i2,0"})
    void theIncrementIsRefusedWithOneLine(String spec) throws Exception {
        Path marker = temp.resolve("started");
        List<TimensRunner.Result> runs = List.of(
                runner.timens(List.of("--faketime", spec), "touch", marker.toString()),
                runner.timensFaketimeArgs(List.of("-f", spec, "touch", marker.toString())));
        for (TimensRunner.Result run : runs) {
            run.assertExit(2);
            assertThat(run.stderrLines()).as(run.describe()).hasSize(1);
            assertThat(run.stderr()).as(run.describe()).contains("per-read increment");
            assertThat(marker).as(run.describe()).doesNotExist();
        }
    }

    /**
     * FAKETIME_DONT_FAKE_MONOTONIC=1 (and --exclude-monotonic) with a speed:
     * CLOCK_REALTIME runs ten times as fast, CLOCK_MONOTONIC and a one-second
     * sleep take real time (timens --realtime-only). libfaketime reads
     * FAKETIME_DONT_FAKE_MONOTONIC first, and only "1" means "do not fake": with
     * "0" the sleep is scaled with the rest.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"FAKETIME_DONT_FAKE_MONOTONIC=1", "--exclude-monotonic", "DONT_FAKE_MONOTONIC=1 but FAKETIME_DONT_FAKE_MONOTONIC=0"})
    void aSpeedWithoutMonotonicMovesRealtimeAlone(String how) {
        TimensRunner r = runner;
        List<String> args = new ArrayList<>();
        switch (how) {
            case "FAKETIME_DONT_FAKE_MONOTONIC=1" -> r = r.withEnv("FAKETIME_DONT_FAKE_MONOTONIC", "1");
            case "--exclude-monotonic" -> args.add("--exclude-monotonic");
            default -> r = r.withEnv("DONT_FAKE_MONOTONIC", "1").withEnv("FAKETIME_DONT_FAKE_MONOTONIC", "0");
        }
        boolean realtimeOnly = !how.startsWith("DONT_");
        args.addAll(List.of("-f", "+0 x10", "python3", "-c", "import time\n"
                + "r, m = time.time(), time.monotonic()\n"
                + "time.sleep(1)\n"
                + "print(time.time() - r, time.monotonic() - m)"));
        TimensRunner.Result run = r.timensFaketimeArgs(args).assertExit(0);
        String[] spans = run.lastLine().split(" ");
        double realtime = Double.parseDouble(spans[0]);
        double monotonic = Double.parseDouble(spans[1]);
        if (realtimeOnly) {
            // A real second went by: ten on CLOCK_REALTIME, one on CLOCK_MONOTONIC.
            assertThat(monotonic).as(run.describe()).isBetween(1.0, 3.0);
            assertThat(realtime).as(run.describe()).isBetween(9.5, 30.0);
            assertThat(run.elapsed()).isGreaterThanOrEqualTo(java.time.Duration.ofMillis(950));
        } else {
            // Everything at ten times: the sleep is a tenth of a second.
            assertThat(monotonic).as(run.describe()).isBetween(1.0, 3.0);
            assertThat(realtime).as(run.describe()).isBetween(1.0, 3.0);
        }
    }

    /**
     * libfaketime shifts what stat reports unless NO_FAKE_STAT is set:
     * timens-faketime does the same (timens --file-times), and leaves file
     * times to the host with it.
     */
    @Test
    void fileTimesFollowTheFakedClockUnlessNoFakeStat(@TempDir Path dir) throws Exception {
        Path file = Files.createFile(dir.resolve("f"));
        Files.setLastModifiedTime(file, FileTime.from(java.time.Instant.ofEpochSecond(1_500_000_000L)));
        TimensRunner.Result faked = runner.timensFaketimeArgs(List.of("-f", "+100d", "stat", "-c", "%Y",
                file.toString())).assertExit(0);
        assertThat(faked.stdout().trim()).as(faked.describe()).isEqualTo(Long.toString(1_500_000_000L + 100 * 86_400L));
        TimensRunner.Result host = runner.withEnv("NO_FAKE_STAT", "1").timensFaketimeArgs(List.of("-f", "+100d",
                "stat", "-c", "%Y", file.toString())).assertExit(0);
        assertThat(host.stdout().trim()).as(host.describe()).isEqualTo("1500000000");
    }

    /** README "Setting FAKETIME by means of a file timestamp": '%' starts at the file's time. */
    @Test
    void percentStartsAtTheFollowedFilesTime() throws Exception {
        Path file = Files.createFile(temp.resolve("my-demo-file.tmp"));
        // touch -t 0912241234.56, in the zone of the runs
        Files.setLastModifiedTime(file, FileTime.from(
                LocalDateTime.of(2009, 12, 24, 12, 34, 56).atZone(ZoneId.of(ZONE)).toInstant()));
        TimensRunner following = runner.withEnv("FAKETIME_FOLLOW_FILE", file.toString());
        Reading reference = reading(following.nativeRun(faketime.toString(), "-f", "%", "date", "+%s.%N"));
        Reading timens = reading(following.timens(List.of("--faketime", "%"), "date", "+%s.%N"));
        Reading dropIn = reading(following.withEnv("FAKETIME", "%").timensFaketimeArgs(List.of("--", "date", "+%s.%N")));
        assertSameTime("%", Kind.DATE, reference, timens);
        assertSameTime("%", Kind.DATE, reference, dropIn);
        assertThat(timens.printed()).isBetween(new BigDecimal("1261654496"), new BigDecimal("1261654496").add(SLACK));
    }

    /**
     * README "Changing the 'x' modifier during run-time": a FAKETIME_TIMESTAMP_FILE rewritten
     * while the program runs changes its time, under libfaketime (each date reads the file
     * anew) and under timens-faketime (the running namespace's clock moves), with either engine.
     */
    @Test
    void aRewrittenTimestampFileMovesTheClock() throws Exception {
        Path library = libfaketime();
        String script = "date +%s; touch ready; i=0; while [ $i -lt 300 ]; do t=$(date +%s);"
                + " if [ \"$t\" -lt 1700000000 ]; then echo \"$t\"; exit 0; fi; sleep 0.1; i=$((i+1)); done;"
                + " echo never; exit 1";
        List<Long> seen = new ArrayList<>();
        for (String engine : List.of("libfaketime", "v1", "v2")) {
            boolean underTimens = !engine.equals("libfaketime");
            Path dir = Files.createDirectories(temp.resolve(engine));
            Path rc = Files.writeString(dir.resolve("my-faketime.rc"), "+0\n");
            TimensRunner inDir = runner.in(dir).withEnv("FAKETIME_TIMESTAMP_FILE", rc.toString())
                    .withEnv("FAKETIME_NO_CACHE", "1").withEnv("TIMENS_ENGINE", underTimens ? engine : "");
            CompletableFuture<Void> rewrite = CompletableFuture.runAsync(() -> rewriteWhenReady(dir, rc,
                    "@2020-12-24 20:30:00\n"));
            TimensRunner.Result run = underTimens
                    ? inDir.timensFaketimeArgs(List.of("--", "sh", "-c", script))
                    : inDir.withEnv("LD_PRELOAD", library.toString()).nativeRun("sh", "-c", script);
            rewrite.get(10, TimeUnit.SECONDS);
            run.assertExit(0);
            List<String> lines = run.stdout().lines().toList();
            assertThat(Long.parseLong(lines.get(0))).as(run.describe())
                    .isBetween(run.before().realtime().longValue() - 2, run.after().realtime().longValue() + 2);
            seen.add(Long.parseLong(lines.get(lines.size() - 1)));
        }
        // 2020-12-24T20:30:00+01:00, a little later.
        assertThat(seen).allSatisfy(t -> assertThat(t).isBetween(1_608_838_200L, 1_608_838_200L + 5));
    }

    /** README: "now, while the above is running, change the file's timestamp": the clock follows it. */
    @Test
    void aTouchedFollowFileMovesTheClock() throws Exception {
        Path library = libfaketime();
        // touch -t 2002290123.45 after the start; before it, 0912241234.56
        FileTime first = FileTime.from(LocalDateTime.of(2009, 12, 24, 12, 34, 56).atZone(ZoneId.of(ZONE)).toInstant());
        FileTime second = FileTime.from(LocalDateTime.of(2020, 2, 29, 1, 23, 45).atZone(ZoneId.of(ZONE)).toInstant());
        String script = "date +%s; touch ready; i=0; while [ $i -lt 300 ]; do t=$(date +%s);"
                + " if [ \"$t\" -gt 1500000000 ]; then echo \"$t\"; exit 0; fi; sleep 0.1; i=$((i+1)); done;"
                + " echo never; exit 1";
        List<Long> seen = new ArrayList<>();
        for (boolean underTimens : new boolean[] {false, true}) {
            Path dir = Files.createDirectories(temp.resolve(underTimens ? "timens" : "libfaketime"));
            Path followed = Files.createFile(dir.resolve("my-demo-file.tmp"));
            Files.setLastModifiedTime(followed, first);
            TimensRunner inDir = runner.in(dir).withEnv("FAKETIME_FOLLOW_FILE", followed.toString())
                    .withEnv("FAKETIME_DONT_RESET", "1");
            CompletableFuture<Void> touch = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < 300 && !Files.exists(dir.resolve("ready")); i++) Thread.sleep(50);
                    Files.setLastModifiedTime(followed, second);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            TimensRunner.Result run = underTimens
                    ? inDir.timens(List.of("--faketime", "%"), "sh", "-c", script)
                    : inDir.withEnv("LD_PRELOAD", library.toString()).withEnv("FAKETIME", "%")
                            .nativeRun("sh", "-c", script);
            touch.get(10, TimeUnit.SECONDS);
            run.assertExit(0);
            List<String> lines = run.stdout().lines().toList();
            assertThat(Long.parseLong(lines.get(0))).as(run.describe()).isBetween(1_261_654_496L, 1_261_654_496L + 5);
            seen.add(Long.parseLong(lines.get(lines.size() - 1)));
        }
        // 2020-02-29T01:23:45+01:00 plus the seconds since the start (FAKETIME_DONT_RESET).
        assertThat(seen).allSatisfy(t -> assertThat(t).isBetween(1_582_935_825L, 1_582_935_825L + 10));
    }

    /**
     * A new speed in the file is followed by the running namespace, every clock
     * at once: two host seconds after the change are about twenty on its clock,
     * and a sleep there takes its time on that clock.
     */
    @Test
    void aNewSpeedInTheFileIsFollowed() throws Exception {
        Path rc = Files.writeString(temp.resolve("my-faketime.rc"), "+0 x1\n");
        String script = "touch ready; i=0; while [ ! -e changed ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done;"
                + " echo changed $(date +%s.%N); touch seen;"
                + " i=0; while [ ! -e later ] && [ $i -lt 3000 ]; do sleep 0.1; i=$((i+1)); done;"
                + " echo later $(date +%s.%N); sleep 3; echo slept $(date +%s.%N)";
        CompletableFuture<Void> rewrite = CompletableFuture.runAsync(() -> {
            rewriteWhenReady(temp, rc, "+0 x10\n");
            try {
                for (int i = 0; i < 300 && !Files.exists(temp.resolve("seen")); i++) Thread.sleep(50);
                Thread.sleep(2000);
                Files.createFile(temp.resolve("later"));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        TimensRunner.Result run = runner.in(temp).withEnv("FAKETIME_TIMESTAMP_FILE", rc.toString())
                .timensFaketimeArgs(List.of("--", "sh", "-c", script));
        rewrite.get(20, TimeUnit.SECONDS);
        run.assertExit(0);
        assertThat(run.stderr()).as(run.describe()).isEmpty();
        Map<String, Double> at = new java.util.HashMap<>();
        for (String line : run.stdout().lines().toList()) at.put(line.split(" ")[0], Double.parseDouble(line.split(" ")[1]));
        assertThat(at).as(run.describe()).containsKeys("changed", "later", "slept");
        // Two host seconds at 10 (at least: the file is seen within 100 ms of its creation).
        assertThat(at.get("later") - at.get("changed")).as(run.describe()).isGreaterThan(15.0);
        assertThat(at.get("slept") - at.get("later")).as(run.describe()).isBetween(3.0, 13.0);
    }

    /**
     * With FAKETIME_DONT_FAKE_MONOTONIC=1 (--realtime-only) a new speed in the file is
     * followed: the clock goes where libfaketime puts it (the time since the start, at
     * the new speed), and a real 3-second sleep later it is far ahead of the host.
     */
    @Test
    void underDontFakeMonotonicANewSpeedInTheFileIsFollowed() throws Exception {
        TimensRunner.Result run = speedRewrittenToTen(runner.withEnv("FAKETIME_DONT_FAKE_MONOTONIC", "1"));
        assertThat(run.stderr()).as(run.describe()).isEmpty();
        BigDecimal before = run.before().realtime();
        BigDecimal after = run.after().realtime();
        // The host's start plus ten times the seconds since: at least 3 s of real sleep
        // after the change, at most the whole run (date prints whole seconds).
        BigDecimal ten = BigDecimal.TEN;
        assertThat(new BigDecimal(run.lastLine())).as(run.describe()).isBetween(
                before.add(ten.multiply(BigDecimal.valueOf(3))).subtract(SLACK),
                before.add(ten.multiply(after.subtract(before))).add(SLACK));
    }

    /**
     * timens-faketime under {@code r} with a timestamp file of "+0 x1", rewritten to
     * "+0 x10" once the command runs; the command then sleeps 3 s and prints the date.
     */
    private TimensRunner.Result speedRewrittenToTen(TimensRunner r) throws Exception {
        Path rc = Files.writeString(temp.resolve("my-faketime.rc"), "+0 x1\n");
        String script = "touch ready; i=0; while [ ! -e changed ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done;"
                + " sleep 3; date +%s";
        CompletableFuture<Void> rewrite = CompletableFuture.runAsync(() -> rewriteWhenReady(temp, rc, "+0 x10\n"));
        TimensRunner.Result run = r.in(temp).withEnv("FAKETIME_TIMESTAMP_FILE", rc.toString())
                .timensFaketimeArgs(List.of("--", "sh", "-c", script));
        rewrite.get(10, TimeUnit.SECONDS);
        return run.assertExit(0);
    }

    private static void rewriteWhenReady(Path dir, Path rc, String content) {
        try {
            for (int i = 0; i < 300 && !Files.exists(dir.resolve("ready")); i++) {
                Thread.sleep(50);
            }
            Files.writeString(rc.resolveSibling(rc.getFileName() + ".new"), content);
            Files.move(rc.resolveSibling(rc.getFileName() + ".new"), rc, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Files.createFile(dir.resolve("changed"));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** libfaketime.so.1 where Debian and `make install` put it. */
    private static Path libfaketime() {
        Optional<Path> found = Stream.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                        "/usr/local/lib/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1")
                .map(Path::of).filter(Files::isRegularFile).findFirst();
        if (found.isEmpty()) Toolchains.unavailable("libfaketime.so.1 not found (apt-get install libfaketime)");
        return found.orElseThrow();
    }

    /** The time one run printed, with the host's time around it. */
    private record Reading(BigDecimal printed, TimensRunner.Result run) {
        /** Printed minus the host's time: between these two values. */
        BigDecimal offsetLow() {
            return printed.subtract(run.after().realtime());
        }

        BigDecimal offsetHigh() {
            return printed.subtract(run.before().realtime());
        }
    }

    private static Reading reading(TimensRunner.Result run) {
        run.assertExit(0);
        assertThat(run.lastLine()).as(run.describe()).matches("[0-9]+\\.[0-9]{9}");
        return new Reading(new BigDecimal(run.lastLine()), run);
    }

    private static void assertSameTime(String spec, Kind kind, Reading reference, Reading timens) {
        String both = "'" + spec + "' under faketime:\n" + reference.run().describe() + "\nand under timens:\n"
                + timens.run().describe();
        if (kind == Kind.DATE) {
            assertThat(timens.printed()).as(both)
                    .isBetween(reference.printed().subtract(SLACK), reference.printed().add(SLACK));
        } else {
            // The offsets from the host's time overlap, give or take the slack. At a
            // speed, the namespace's clock runs fast from timens's start and
            // libfaketime's from the program's: the offset grows by (speed - 1) times
            // the time between the two, at most the whole run (a second under load).
            BigDecimal elapsed = new BigDecimal(timens.run().elapsed().toNanos()).movePointLeft(9);
            BigDecimal slack = SLACK.add(speed(spec).subtract(BigDecimal.ONE).abs().multiply(elapsed));
            assertThat(timens.offsetHigh()).as(both).isGreaterThanOrEqualTo(reference.offsetLow().subtract(slack));
            assertThat(timens.offsetLow()).as(both).isLessThanOrEqualTo(reference.offsetHigh().add(slack));
        }
    }

    /** The speed of a FAKETIME string, as libfaketime reads it in the C locale (the comma ends it: x0,5 is 0), else 1. */
    private static BigDecimal speed(String spec) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("x([0-9]+(?:\\.[0-9]+)?)").matcher(spec);
        return m.find() ? new BigDecimal(m.group(1)) : BigDecimal.ONE;
    }
}
