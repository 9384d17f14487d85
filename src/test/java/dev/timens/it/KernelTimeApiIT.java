package dev.timens.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kernel's own time-namespace interface, inside timens, as an ordinary
 * user: util-linux {@code unshare --time} and a C program driving
 * unshare(CLONE_NEWTIME) and /proc/self/timens_offsets by hand, whose answers
 * are compared with the kernel's own (the same program run natively as root).
 * Under the engine the suite runs with (CI runs it under both). The host
 * clock is never stepped ({@link HostClock}).
 */
@Tag("e2e")
@ExtendWith(HostClock.NeverStepped.class)
class KernelTimeApiIT {
    private static final long DAY = 86_400;
    private static final long HOUR = 3_600;
    /** timens's own namespace: MONOTONIC and BOOTTIME an hour ahead (movable, so nested ones may move them). */
    private static final List<String> OUTER = List.of("--offset", "+1y", "--monotonic", "+1h", "--boottime", "+1h");

    private final TimensRunner runner = new TimensRunner();

    /** The user the commands inside run as: nobody where the tests run as root, else the tests' own. */
    private static List<String> user() {
        return Toolchains.root() ? ClockSafety.asNobody() : List.of();
    }

    private static double seconds(Probe probe, String field) {
        return Double.parseDouble(probe.fields().get(field));
    }

    /** The host's CLOCK_MONOTONIC and CLOCK_BOOTTIME now, in seconds. */
    private double[] hostClocks() {
        Probe host = runner.nativeRun(Toolchains.program("clockprobe-static").toString()).assertExit(0).single("PROBE");
        return new double[] {seconds(host, "monotonic"), seconds(host, "boottime")};
    }

    private List<String> inside(String... command) {
        List<String> c = new ArrayList<>(user());
        c.addAll(List.of(command));
        return c;
    }

    /** Each probe line read MONOTONIC {@code monotonic} s and BOOTTIME {@code boottime} s ahead of the host, by vDSO and raw call. */
    private static void assertAhead(TimensRunner.Result run, double[] host, long monotonic, long boottime, int probes) {
        List<Probe> lines = run.tagged("PROBE");
        assertThat(lines).as(run.describe()).hasSize(probes);
        for (Probe p : lines) {
            for (String field : List.of("monotonic", "raw_monotonic")) {
                assertThat(seconds(p, field)).as("%s of %s%n%s", field, p.line(), run.describe())
                        .isBetween(host[0] + monotonic, host[0] + monotonic + 60);
            }
            for (String field : List.of("boottime", "raw_boottime")) {
                assertThat(seconds(p, field)).as("%s of %s%n%s", field, p.line(), run.describe())
                        .isBetween(host[1] + boottime, host[1] + boottime + 60);
            }
        }
    }

    /**
     * {@code unshare --time --monotonic 86400 --boottime 172800 --fork CMD}, as
     * nobody: CMD (dynamic and static C) reads both clocks moved by those
     * offsets from timens's own.
     */
    @Test
    void utilLinuxUnshareMovesMonotonicAndBoottime() {
        double[] host = hostClocks();
        TimensRunner.Result run = unshareTwice("--time --monotonic 86400 --boottime 172800 --fork "
                + Toolchains.program("clockprobe-dyn"), "--time --monotonic 86400 --boottime 172800 --fork "
                + Toolchains.program("clockprobe-static"));
        assertAhead(run, host, HOUR + DAY, HOUR + 2 * DAY, 2);
    }

    /** Without --fork, unshare's own exec enters the namespace (as with Linux 6.x); so does one with a user namespace. */
    @Test
    void theUnsharingProgramsExecEntersAndAUserNamespaceMayCome() {
        double[] host = hostClocks();
        TimensRunner.Result run = unshareTwice("--time --monotonic 86400 --boottime 86400 "
                + Toolchains.program("clockprobe-static"), "--user --map-root-user --time --monotonic 86400"
                + " --boottime 86400 --fork " + Toolchains.program("clockprobe-static"));
        assertAhead(run, host, HOUR + DAY, HOUR + DAY, 2);
    }

    /** util-linux unshare run inside with {@code first}, then with {@code second}; both must succeed. */
    private TimensRunner.Result unshareTwice(String first, String second) {
        String unshare = Toolchains.requireOnPath("unshare", "apt-get install util-linux").toString();
        return runner.timens(OUTER, inside("sh", "-c", unshare + " " + first + " && " + unshare + " " + second))
                .assertExit(0);
    }

    /**
     * The raw interface, step by step (timensapi), answers as the kernel does:
     * the errors for what does not parse or leaves the range, the bytes of a
     * write that holds three offsets, the file read back, a child entering at
     * its exec, and EACCES once it did. Compared with the kernel's own answers
     * where the tests run as root.
     */
    @Test
    void theRawInterfaceAnswersAsTheKernelDoes() {
        String program = Toolchains.program("timensapi").toString();
        double[] host = hostClocks();
        TimensRunner.Result run = runner.timens(OUTER, inside(program)).assertExit(0);
        Map<String, String> steps = steps(run.stdout());
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("write_before", "EPERM"); // no unshare: timens's own namespace, and no CAP_SYS_TIME
        expected.put("unshare", "0");
        expected.put("open", "ok");
        expected.put("fresh", "monotonic 0 0 boottime 0 0");
        expected.put("other_file", "5 plain"); // a file next to it is written as usual
        for (String step : List.of("garbage", "missing_nanos", "nanos_too_big", "other_clock")) {
            expected.put(step, "EINVAL");
        }
        for (String step : List.of("seconds_too_big", "clock_negative", "past_half_range")) expected.put(step, "ERANGE");
        expected.put("not_at_start", "ESPIPE");
        expected.put("three_lines", "12");
        expected.put("after_three", "monotonic 5 0 boottime 6 0");
        expected.put("numbers", "21");
        expected.put("set", "monotonic 86400 0 boottime 172800 0");
        expected.put("names", "35");
        expected.put("named", "monotonic 86400 0 boottime 172800 0");
        expected.put("child_offsets", "monotonic 86400 0 boottime 172800 0");
        expected.put("child_status", "0");
        expected.put("after_entry", "EACCES");
        expected.put("moved_copy", "EBADF"); // a copy elsewhere is never taken for the kernel's file
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertThat(steps.get(e.getKey())).as("%s%n%s", e.getKey(), run.describe()).isEqualTo(e.getValue());
        }
        String[] clocks = steps.get("CLOCKS").split(" ");
        double monotonic = Double.parseDouble(clocks[0].substring("monotonic=".length()));
        double boottime = Double.parseDouble(clocks[1].substring("boottime=".length()));
        assertThat(monotonic).as(run.describe()).isBetween(host[0] + HOUR + DAY - 1, host[0] + HOUR + DAY + 60);
        assertThat(boottime).as(run.describe()).isBetween(host[1] + HOUR + 2 * DAY - 1, host[1] + HOUR + 2 * DAY + 60);
        if (Toolchains.root()) {
            // The kernel itself, for root (who may write the host's file too: EACCES there).
            Map<String, String> kernel = steps(runner.nativeRun(program).assertExit(0).stdout());
            for (String step : expected.keySet()) {
                if (step.equals("write_before") || step.equals("moved_copy")) continue;
                assertThat(steps.get(step)).as("%s: the kernel said %s%n%s", step, kernel.get(step), run.describe())
                        .isEqualTo(kernel.get(step));
            }
        }
    }

    /**
     * What a process forks after unshare(CLONE_NEWTIME), with no exec, is in
     * the new namespace from its fork, as with the kernel: a child that has not
     * read a clock yet already fixes the offsets (EACCES); it makes a namespace
     * for its own children (MONOTONIC three days on) and is still in its
     * parent's for children itself: its first read, a raw syscall, and its
     * vDSO reads after are that one's; the grandchild it forks reads its own;
     * the process itself stays where it was. Before, such a child entered at
     * its exec only, and read its parent's clocks.
     */
    @Test
    void childrenForkedAfterUnshareEnterTheNewNamespaceAtTheirFork() {
        double[] host = hostClocks();
        TimensRunner.Result run = runner.timens(OUTER, inside(Toolchains.program("timensapi").toString(), "forked"))
                .assertExit(0);
        Map<String, String> steps = steps(run.stdout());
        assertThat(steps.get("unshare")).as(run.describe()).isEqualTo("0");
        assertThat(steps.get("set")).as(run.describe()).isEqualTo("35");
        assertThat(steps.get("after_fork")).as(run.describe()).isEqualTo("EACCES");
        assertThat(steps.get("forked_status")).as(run.describe()).isEqualTo("0");
        assertThat(steps.get("child_unshare")).as(run.describe()).isEqualTo("0");
        assertThat(steps.get("child_set")).as(run.describe()).isEqualTo("18");
        Map<String, Probe> clocks = new java.util.HashMap<>();
        for (Probe p : run.tagged("FORKCLOCKS")) clocks.put(p.string("who"), p);
        for (String who : List.of("before", "parent")) {
            assertThat(seconds(clocks.get(who), "monotonic")).as("%s%n%s", who, run.describe())
                    .isBetween(host[0] + HOUR - 1, host[0] + HOUR + 60);
            assertThat(seconds(clocks.get(who), "boottime")).as("%s%n%s", who, run.describe())
                    .isBetween(host[1] + HOUR - 1, host[1] + HOUR + 60);
        }
        for (String who : List.of("child-raw", "child")) {
            assertThat(seconds(clocks.get(who), "monotonic")).as("%s%n%s", who, run.describe())
                    .isBetween(host[0] + HOUR + DAY - 1, host[0] + HOUR + DAY + 60);
        }
        assertThat(seconds(clocks.get("grandchild"), "monotonic")).as(run.describe())
                .isBetween(host[0] + HOUR + 3 * DAY - 1, host[0] + HOUR + 3 * DAY + 60);
        for (String who : List.of("child", "grandchild")) {
            assertThat(seconds(clocks.get(who), "boottime")).as("%s%n%s", who, run.describe())
                    .isBetween(host[1] + HOUR + 2 * DAY - 1, host[1] + HOUR + 2 * DAY + 60);
        }
        if (Toolchains.root()) {
            Map<String, String> kernel = steps(runner.nativeRun(Toolchains.program("timensapi").toString(), "forked")
                    .assertExit(0).stdout());
            for (String step : List.of("unshare", "set", "after_fork", "child_unshare", "child_set", "forked_status")) {
                assertThat(steps.get(step)).as("%s: the kernel said %s%n%s", step, kernel.get(step), run.describe())
                        .isEqualTo(kernel.get(step));
            }
        }
    }

    /**
     * In a namespace whose MONOTONIC and BOOTTIME timens does not follow (no
     * --monotonic, --boottime or --name), offsets cannot be given: the write
     * fails with EPERM and timens says why, rather than let the program wait
     * on host time.
     */
    @Test
    void whereTheClocksCannotMoveTheWriteIsRefusedWithTheReason() {
        String unshare = Toolchains.requireOnPath("unshare", "apt-get install util-linux").toString();
        TimensRunner.Result run = runner.timens(List.of("--offset", "+1y"),
                inside(unshare, "--time", "--monotonic", "86400", "--fork", "true"));
        assertThat(run.exitCode()).as(run.describe()).isEqualTo(1);
        assertThat(run.stderr()).as(run.describe()).contains("failed to write to /proc/self/timens_offsets")
                .contains("cannot set those time namespace offsets (EPERM)").contains("--name");
    }

    /**
     * setns(pidfd, CLONE_NEWTIME) joins the namespace of the process the pidfd
     * names (one that unshare made here), and the program run after it reads
     * that namespace's clocks; nsenter's /proc/PID/ns/time, which cannot say
     * which namespace it is, is refused with the reason.
     */
    @Test
    void setnsWithAPidfdJoinsAnotherProcesssNamespace() {
        String unshare = Toolchains.requireOnPath("unshare", "apt-get install util-linux").toString();
        String nsenter = Toolchains.requireOnPath("nsenter", "apt-get install util-linux").toString();
        double[] host = hostClocks();
        TimensRunner.Result run = runner.timens(OUTER, inside("sh", "-c", unshare
                + " --time --monotonic 86400 --boottime 86400 --fork sleep 60 & sleep 1; s=$(pgrep -P $! sleep); "
                + Toolchains.program("setnsprobe") + " $s " + Toolchains.program("clockprobe-static") + "; "
                + nsenter + " --time --target $s true; echo NSENTER status=$?; kill $s"));
        assertThat(run.single("SETNS").fields().get("result")).as(run.describe()).isEqualTo("ok");
        assertAhead(run, host, HOUR + DAY, HOUR + DAY, 1);
        assertThat(run.single("NSENTER").fields().get("status")).as(run.describe()).isEqualTo("1");
        assertThat(run.stderr()).as(run.describe()).contains("cannot tell which of its namespaces");
    }

    /** The "STEP result" lines of timensapi, by step. */
    private static Map<String, String> steps(String stdout) {
        Map<String, String> steps = new LinkedHashMap<>();
        for (String line : stdout.split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0) steps.put(line.substring(0, space), line.substring(space + 1).trim());
        }
        return steps;
    }
}
