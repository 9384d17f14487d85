package dev.timens.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What tracing costs, counted rather than timed: clock reads through the vDSO
 * never stop the process, a raw clock syscall is answered from the seccomp
 * listener (a stop only under --rate), and syscalls the namespace does not
 * handle never stop it.
 */
@Tag("e2e")
class StopCountIT {
    private static final Pattern SYSCALL_STOPS = Pattern.compile("timens: stops: syscalls=(\\d+) execs=(\\d+)");
    private static final long Y2038 = 2_147_483_640L;
    private static final int READS = 100_000;

    private final TimensRunner runner = new TimensRunner();

    private static long[] stops(TimensRunner.Result run) {
        for (String line : run.stderrLines()) {
            Matcher m = SYSCALL_STOPS.matcher(line);
            if (m.find()) return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
        }
        throw new AssertionError("no stop counts on stderr:\n" + run.describe());
    }

    @Test
    void vdsoReadsNeverStop() {
        String readloop = Toolchains.program("readloop").toString();
        TimensRunner.Result run = runner.timens(java.util.List.of("--stats", "--at", "@" + Y2038),
                readloop, Integer.toString(READS), "vdso").assertExit(0);
        assertThat(run.single("READLOOP").decimal("realtime").longValue()).isBetween(Y2038, Y2038 + 60);
        long[] stops = stops(run);
        assertThat(stops[0]).as("syscall stops for %d vDSO reads", READS).isLessThan(10);
        // The helper's own exec may be seen too: posix_spawn returns once the
        // child's exec has released its memory, which is before the exec ends.
        assertThat(stops[1]).as("execs").isBetween(1L, 2L);
    }

    /** Raw clock reads are answered from the seccomp listener: the right time, and no stop at all. */
    @Test
    void aRawReadMakesNoStop() {
        String readloop = Toolchains.program("readloop").toString();
        TimensRunner.Result run = runner.timens(java.util.List.of("--stats", "--at", "@" + Y2038),
                readloop, "1000", "raw").assertExit(0);
        assertThat(run.single("READLOOP").decimal("realtime").longValue()).isBetween(Y2038, Y2038 + 60);
        assertThat(stops(run)[0]).as("syscall stops%n%s", run.describe()).isLessThan(10);
        assertThat(answeredWithoutStop(run)).as("calls answered from the listener%n%s", run.describe())
                .isBetween(1000L, 1010L);
    }

    /**
     * Under --rate engine v1 follows every thread's stops: there a raw read
     * stops once. Engine v2 answers it from the listener, as at rate 1.
     */
    @Test
    void aRawReadStopsOnceUnderARate() {
        String readloop = Toolchains.program("readloop").toString();
        TimensRunner.Result run = runner.timens(java.util.List.of("--stats", "--at", "@" + Y2038, "--rate", "2"),
                readloop, "1000", "raw").assertExit(0);
        assertThat(run.single("READLOOP").decimal("realtime").longValue()).isBetween(Y2038, Y2038 + 120);
        if (Toolchains.engineV2()) {
            assertThat(answeredWithoutStop(run)).as(run.describe()).isBetween(1000L, 1010L);
        } else {
            assertThat(stops(run)[0]).isBetween(1000L, 1010L);
        }
    }

    private static long answeredWithoutStop(TimensRunner.Result run) {
        Matcher m = Pattern.compile("answered without a stop: (\\d+)").matcher(run.stderr());
        if (!m.find()) throw new AssertionError("no count of calls answered without a stop:\n" + run.describe());
        return Long.parseLong(m.group(1));
    }

    @Test
    void untracedSyscallsAndCpuClocksNeverStop() {
        TimensRunner.Result run = runner.timens(java.util.List.of("--stats", "--offset", "+1d"),
                "sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do cat /proc/self/stat > /dev/null; done; "
                        + "python3 -c 'import time\nfor i in range(10000): time.process_time(); time.thread_time()'")
                .assertExit(0);
        assertThat(stops(run)[0]).as("syscall stops").isLessThan(10);
    }
}
