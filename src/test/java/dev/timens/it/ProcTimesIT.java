package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --proc}: /proc/uptime, /proc/stat's btime and the start times of
 * /proc/PID/stat follow the namespace, as in a kernel time namespace, so that
 * {@code ps -o lstart} and Java's {@code ProcessHandle.Info.startInstant()}
 * agree with {@code date}; without it they are the host's.
 */
@Tag("e2e")
class ProcTimesIT {
    /** 2030-01-01T00:00:00Z. */
    private static final long Y2030 = 1_893_456_000L;
    private static final long TEN_DAYS = 10L * 86_400;
    /** /proc's start times are whole clock ticks after a whole-second btime: up to a second early. */
    private static final long TRUNCATION = 2;

    private final TimensRunner runner = new TimensRunner().withEnv("TZ", "UTC");

    @TempDir
    Path tmp;

    @Test
    void uptimeAndBootTimeFollowTheNamespace() {
        check(runner);
    }

    @Test
    void uptimeAndBootTimeFollowTheNamespaceAsNobody() {
        List<String> nobody = ClockSafety.asNobody();
        if (nobody.isEmpty()) Toolchains.unavailable("the nobody run needs root (it drops to nobody with setpriv)");
        check(runner.wrappedIn(nobody));
    }

    private static void check(TimensRunner runner) {
        TimensRunner.Result run = runner.timens(List.of("--proc", "--at", "2030-01-01T00:00:00Z", "--boottime", "+10d"),
                "sh", "-c", "echo UPTIME $(cat /proc/uptime); echo BTIME $(grep '^btime' /proc/stat);"
                        + " cd /proc && echo RELATIVE $(cat uptime)").assertExit(0);
        String[] uptime = line(run, "UPTIME").split(" ");
        BigDecimal shifted = new BigDecimal(uptime[1]).subtract(BigDecimal.valueOf(TEN_DAYS));
        assertThat(shifted).as(run.describe()).isBetween(run.before().boottime().subtract(BigDecimal.ONE),
                run.after().boottime().add(BigDecimal.ONE));
        long btime = Long.parseLong(line(run, "BTIME").split(" ")[2]);
        // btime + uptime is the namespace's REALTIME, which started at 2030-01-01.
        double realtime = btime + Double.parseDouble(uptime[1]);
        assertThat(realtime).as(run.describe()).isBetween(Y2030 - 1.0, Y2030 + run.elapsed().toSeconds() + 2.0);
        double relative = Double.parseDouble(line(run, "RELATIVE").split(" ")[1]);
        assertThat(relative).as("opened relative to /proc").isBetween(Double.parseDouble(uptime[1]),
                Double.parseDouble(uptime[1]) + run.elapsed().toSeconds() + 1.0);
    }

    @Test
    void processStartTimesAreOnTheNamespacesClock() {
        Toolchains.requireOnPath("ps", "apt-get install procps");
        TimensRunner.Result run = runner.timens(List.of("--proc", "--at", "2030-01-01T00:00:00Z"),
                "sh", "-c", "echo START $(date -d \"$(ps -o lstart= -p $$)\" +%s); echo NOW $(date +%s)").assertExit(0);
        long start = Long.parseLong(line(run, "START").split(" ")[1]);
        long now = Long.parseLong(line(run, "NOW").split(" ")[1]);
        assertThat(start).as(run.describe()).isBetween(Y2030 - TRUNCATION, now);
    }

    @Test
    void javaSeesItsOwnStartOnTheNamespacesClock() throws Exception {
        Path source = Files.writeString(tmp.resolve("Started.java"), """
                public class Started {
                    public static void main(String[] args) {
                        System.out.println("START " + ProcessHandle.current().info().startInstant().orElseThrow());
                        System.out.println("NOW " + java.time.Instant.now());
                    }
                }
                """);
        TimensRunner.Result run = runner.timens(List.of("--proc", "--at", "2030-01-01T00:00:00Z"),
                Toolchains.java().toString(), source.toString()).assertExit(0);
        Instant start = Instant.parse(line(run, "START").split(" ")[1]);
        Instant now = Instant.parse(line(run, "NOW").split(" ")[1]);
        assertThat(start).as(run.describe()).isBetween(Instant.ofEpochSecond(Y2030 - TRUNCATION), now);
    }

    @Test
    void withoutTheOptionProcShowsHostTimesAndOtherFilesAreUntouched() {
        TimensRunner.Result plain = runner.timens(List.of("--at", "2030-01-01T00:00:00Z", "--boottime", "+10d"),
                "sh", "-c", "echo UPTIME $(cat /proc/uptime)").assertExit(0);
        BigDecimal uptime = new BigDecimal(line(plain, "UPTIME").split(" ")[1]);
        assertThat(uptime).as(plain.describe()).isBetween(plain.before().boottime().subtract(BigDecimal.ONE),
                plain.after().boottime().add(BigDecimal.ONE));

        // Other opens, good and bad, of /proc and elsewhere, for reading and writing: as natively.
        String script = "cat /proc/self/comm; cat /proc/version > /dev/null && echo version; cat /nonexistent/stat;"
                + " echo x > /proc/uptime; echo end";
        TimensRunner.Result files = runner.timens(List.of("--proc", "--at", "2030-01-01T00:00:00Z"), "sh", "-c", script);
        TimensRunner.Result natively = runner.nativeRun("sh", "-c", script);
        assertThat(files.stdout()).isEqualTo("cat\nversion\nend\n").isEqualTo(natively.stdout());
        assertThat(files.stderr()).contains("/nonexistent/stat: No such file or directory").isEqualTo(natively.stderr());
        assertThat(files.exitCode()).isEqualTo(natively.exitCode());
    }

    private static String line(TimensRunner.Result run, String tag) {
        return run.stdout().lines().filter(l -> l.startsWith(tag + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no " + tag + " line:\n" + run.describe()));
    }
}
