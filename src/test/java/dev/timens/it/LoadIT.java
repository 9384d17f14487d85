package dev.timens.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Load, and real work. Thousands of threads in one namespace reading the clocks while some
 * set CLOCK_REALTIME. Every read must be sane (loadprobe checks each one: a
 * torn read of the clock page would fall outside the range, or go back), and
 * nothing may deadlock. The supervisor's peak memory and CPU are printed by
 * {@code --stats} and shown in the test's output.
 */
@Tag("e2e")
class LoadIT {
    private static final String AT = "2038-01-19T00:00:00Z";

    /** Runs loadprobe under timens; its own checks decide, the figures go to the test log. */
    private static Probe load(TimensRunner runner, String procs, String threads, String setters, String sets,
                              String seconds) {
        ClockSafety.requireSettingIsVirtualized();
        HostClock host = HostClock.snapshot();
        TimensRunner.Result run = runner.withEnv("TIMENS_TEST_ALLOW_SET", "1").wrappedIn(ClockSafety.withoutCapabilities())
                .timens(List.of("--at", AT, "--stats"), Toolchains.program("loadprobe").toString(), procs, threads,
                        setters, sets, seconds);
        host.assertNotStepped();
        run.assertExit(0);
        System.out.println("LoadIT " + procs + " processes x " + threads + " threads: "
                + run.single("LOAD").string("reads") + " reads; " + run.stderr().trim().replace('\n', ';'));
        return run.single("LOAD");
    }

    /** 1,000 processes and 10,000 threads at once, each reading the clocks, 20 processes setting them. */
    @Test
    void tenThousandThreadsReadWhileSomeSet() {
        Probe load = load(new TimensRunner(), "1000", "10", "20", "5", "2");
        assertThat(load.longValue("threads")).isEqualTo(10_000);
        assertThat(load.longValue("sets")).isEqualTo(100);
        assertThat(load.longValue("backwards")).isZero();
        assertThat(load.longValue("out_of_range")).isZero();
    }

    /** 200 settimeofday calls from 50 processes while 50 others read: never a value out of range or going back. */
    @Test
    void twoHundredSetsAgainstFiftyReaders() {
        Probe load = load(new TimensRunner(), "100", "1", "50", "4", "2");
        assertThat(load.longValue("sets")).isEqualTo(200);
        assertThat(load.longValue("regressed")).isZero();
    }

    /**
     * A real build, {@code make -j2} of C programs (gcc, static and dynamic), gives
     * byte-for-byte the same outputs under timens, a day ahead, as natively.
     */
    @Test
    void aRealBuildGivesTheSameOutputs() throws IOException {
        Toolchains.requireOnPath("make", "apt-get install make");
        Toolchains.requireOnPath("gcc", "apt-get install gcc");
        List<String> targets = List.of("clockprobe-dyn", "clockprobe-static", "treeprobe", "setclock", "timerprobe");
        Path nativeOut = Files.createTempDirectory("timens-build-native");
        Path timensOut = Files.createTempDirectory("timens-build-timens");
        TimensRunner runner = new TimensRunner();
        try {
            runner.nativeRun(make(nativeOut, targets)).assertExit(0);
            runner.timens(List.of("--offset", "+1d"), make(timensOut, targets)).assertExit(0);
            for (String target : targets) {
                assertThat(Files.mismatch(nativeOut.resolve(target), timensOut.resolve(target)))
                        .as("first differing byte of %s built under timens", target).isEqualTo(-1L);
            }
        } finally {
            for (Path dir : List.of(nativeOut, timensOut)) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) Files.deleteIfExists(f);
                }
                Files.deleteIfExists(dir);
            }
        }
    }

    private static List<String> make(Path out, List<String> targets) {
        List<String> command = new ArrayList<>(List.of("make", "-s", "-j2", "-C",
                Toolchains.basedir().resolve("src/test/programs").toString(), "OUT=" + out));
        for (String t : targets) command.add(out.resolve(t).toString());
        return command;
    }
}
