package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code timens} inside {@code timens}: the inner one asks the outer one for a
 * namespace nested in its own, whose clocks are the outer clocks moved by the
 * inner options, for every kind of program, with the clocks set inside the
 * inner one moving it alone, and the outer one's moves carried in. Under the
 * engine the suite runs with (CI runs it under both). The host clock is never
 * stepped ({@link HostClock}).
 */
@Tag("e2e")
@ExtendWith(HostClock.NeverStepped.class)
class NestingIT {
    private static final long DAY = 86_400;
    /** 2038-01-19T03:14:00Z. */
    private static final long Y2038 = 2_147_483_640L;
    private static final List<String> AT_2038 = List.of("--at", "2038-01-19T03:14:00Z");

    private final TimensRunner runner = new TimensRunner();

    /** The one line tagged {@code tag} says {@code key=expected}. */
    private static void assertField(TimensRunner.Result run, String tag, String key, String expected) {
        assertThat(run.single(tag).fields().get(key)).as("%s %s: %s", tag, key, run.describe()).isEqualTo(expected);
    }

    private static String timens() {
        return Toolchains.timens().toString();
    }

    /** Seconds of a probe's field, as a double. */
    private static double seconds(Probe probe, String field) {
        return Double.parseDouble(probe.fields().get(field));
    }

    /**
     * Nested offsets add up (REALTIME 2038 plus a day, MONOTONIC an hour plus an
     * hour), for the vDSO reads and raw syscalls of C (dynamic, static, musl), Go,
     * Java, Python and date.
     */
    @Test
    void offsetsAddUpForEveryKindOfProgram() {
        List<String> probes = new ArrayList<>(List.of(Toolchains.program("clockprobe-dyn").toString(),
                Toolchains.program("clockprobe-static").toString()));
        probes.add(Toolchains.program("clockprobe-musl").toString());
        probes.add(Toolchains.program("clockprobe-go").toString());
        probes.add(Toolchains.java() + " -cp " + Toolchains.javaProbeClasses() + " ClockProbe");
        probes.add(Toolchains.requireOnPath("python3", "apt-get install python3") + " "
                + Toolchains.program("clockprobe.py"));
        StringBuilder script = new StringBuilder();
        for (String probe : probes) script.append(probe).append("; ");
        script.append("echo DATE realtime=$(date -u +%s)");
        double hostMonotonic = seconds(runner.nativeRun(Toolchains.program("clockprobe-static").toString()).assertExit(0)
                .single("PROBE"), "monotonic");
        // MONOTONIC may move inside only where the outer namespace follows it (moved too here).
        TimensRunner.Result run = runner.timens(List.of("--at", "2038-01-19T03:14:00Z", "--monotonic", "+1h"), timens(),
                "--offset", "+1d", "--monotonic", "+1h", "--", "sh", "-c", script.toString()).assertExit(0);
        List<Probe> lines = run.tagged("PROBE");
        assertThat(lines).as(run.describe()).hasSize(probes.size());
        for (Probe p : lines) {
            for (String field : List.of("realtime", "raw_realtime")) {
                if (!p.fields().containsKey(field)) continue; // Java and Python make no raw calls
                assertThat(seconds(p, field)).as("%s of %s%n%s", field, p.line(), run.describe())
                        .isBetween((double) Y2038 + DAY, Y2038 + DAY + 30.0);
            }
            for (String field : List.of("monotonic", "raw_monotonic")) {
                if (!p.fields().containsKey(field)) continue;
                assertThat(seconds(p, field)).as("%s of %s%n%s", field, p.line(), run.describe())
                        .isBetween(hostMonotonic + 7200, hostMonotonic + 7200 + 60);
            }
        }
        assertThat(seconds(run.single("DATE"), "realtime")).isBetween((double) Y2038 + DAY, Y2038 + DAY + 30.0);
    }

    /** Three levels: each adds its own offset. */
    @Test
    void namespacesNestThreeDeep() {
        TimensRunner.Result run = runner.timens(AT_2038, timens(), "--offset", "-1d", "--", timens(), "--offset", "-1d",
                "--", "date", "-u", "+%s").assertExit(0);
        assertThat(Long.parseLong(run.lastLine())).as(run.describe()).isBetween(Y2038 - 2 * DAY, Y2038 - 2 * DAY + 30);
    }

    /**
     * A clock set inside the nested namespace moves it alone: the outer one
     * reads 2038 after it, and the host never moved.
     */
    @Test
    void aClockSetInsideMovesTheNestedNamespaceAlone() {
        TimensRunner.Result run = runner.timens(AT_2038, "sh", "-c", timens() + " --offset +1h -- sh -c '"
                + Toolchains.program("setclock") + " settimeofday=946684800 >/dev/null && echo INNER year=$(date -u +%Y)';"
                + " echo OUTER year=$(date -u +%Y)").assertExit(0);
        assertField(run, "INNER", "year", "2000");
        assertField(run, "OUTER", "year", "2038");
    }

    /**
     * The outer namespace's clock stepped while the nested one runs: the nested
     * one follows, its offset kept, and a sleeper on an absolute deadline in it
     * wakes as on a step of its own.
     */
    @Test
    void aStepOfTheOuterClockCarriesIntoTheNestedOne() {
        String inner = timens() + " --offset +1d -- sh -c '" + Toolchains.program("timerprobe")
                + " abs-nanosleep REALTIME 3600 >/dev/null; echo INNER now=$(date -u +%s)'";
        TimensRunner.Result run = runner.timens(AT_2038, "sh", "-c", inner + " & sleep 2; "
                + Toolchains.program("setclock") + " settimeofday=" + (Y2038 + 7200) + " >/dev/null; wait; "
                + "echo OUTER now=$(date -u +%s)").assertExit(0);
        long innerNow = Long.parseLong(run.single("INNER").fields().get("now"));
        long outerNow = Long.parseLong(run.single("OUTER").fields().get("now"));
        assertThat(outerNow).as(run.describe()).isBetween(Y2038 + 7200, Y2038 + 7200 + 30);
        assertThat(innerNow - outerNow).as(run.describe()).isBetween(DAY - 30, DAY);
        assertThat(run.elapsed().toSeconds()).as("the hour-long sleep ended with the step").isLessThan(60);
    }

    /**
     * A process of the nested namespace whose parent has ended, re-parented out
     * of the nested tree, still starts its programs in the nested namespace
     * (engine v2 sees no forks: it looks at the process before its exec).
     */
    @Test
    void anOrphanStaysInTheNestedNamespace() {
        TimensRunner.Result run = runner.timens(AT_2038, "sh", "-c", timens() + " --offset +1d -- sh -c "
                + "'(sleep 1; echo ORPHAN now=$(date -u +%s)) & exit 0'; sleep 4").assertExit(0);
        assertThat(Long.parseLong(run.single("ORPHAN").fields().get("now"))).as(run.describe())
                .isBetween(Y2038 + DAY, Y2038 + DAY + 30);
    }

    /** Under an outer --proc, the nested namespace's /proc/uptime is its own BOOTTIME, and its files open. */
    @Test
    void anOuterProcOptionServesTheNestedNamespace() {
        TimensRunner.Result run = runner.timens(List.of("--proc", "--boottime", "+2d"), timens(), "--offset", "+1h",
                "--", "sh", "-c", "read up idle < /proc/uptime; echo UPTIME seconds=${up%.*}; cat /etc/hostname")
                .assertExit(0);
        assertThat(Long.parseLong(run.single("UPTIME").fields().get("seconds"))).as(run.describe())
                .isGreaterThanOrEqualTo(2 * DAY);
    }

    /**
     * {@code timensctl list} shows the tree: each nested namespace under the
     * outer one, indented by depth, with its inner timens, its processes and
     * its clocks; --json has them too.
     */
    @Test
    void timensctlListShowsTheTree() {
        String timensctl = Toolchains.basedir().resolve("bin/timensctl").toString();
        String name = "tree-" + ProcessHandle.current().pid();
        TimensRunner.Result run = runner.timens(List.of("--name", name, "--at", "2038-01-19T03:14:00Z"), "sh", "-c",
                timens() + " --offset +1d -- " + timens() + " --offset +1d -- sleep 8 & sleep 5; " + timensctl
                        + " list; " + timensctl + " list --json; kill $!; wait; exit 0").assertExit(0);
        List<String> rows = run.stdout().lines().toList();
        String outer = rows.stream().filter(r -> r.startsWith(name + " ")).findFirst().orElseThrow(
                () -> new AssertionError(run.describe()));
        assertThat(outer).as(run.describe()).contains(" 2038-01-19T");
        assertThat(rows).as(run.describe()).anySatisfy(r -> assertThat(r).matches("  \\+- 1 +[0-9]+ +[0-9]+ +[0-9]+ "
                + "2038-01-20T.*/timens --offset \\+1d -- sleep 8"));
        assertThat(rows).as(run.describe()).anySatisfy(r -> assertThat(r).matches("    \\+- 2 +[0-9]+ +[0-9]+ +1 "
                + "2038-01-21T.* sleep 8"));
        assertThat(run.stdout()).as(run.describe()).contains("\"nested\":[{\"id\":1,\"parent\":0,")
                .contains("{\"id\":2,\"parent\":1,");
    }

    /**
     * {@code timensctl set} and {@code exec} reach a nested namespace, by NAME/N or
     * by the pid of the timens that made it, and move or join it alone.
     */
    @Test
    void timensctlSetsAndJoinsANestedNamespace() {
        String timensctl = Toolchains.basedir().resolve("bin/timensctl").toString();
        String name = "reach-" + ProcessHandle.current().pid();
        TimensRunner.Result run = runner.timens(List.of("--name", name, "--at", "2038-01-19T03:14:00Z"), "sh", "-c",
                timens() + " --offset +1d -- sleep 30 & inner=$!; sleep 3; "
                        + timensctl + " exec " + name + "/1 -- date -u +'BEFORE date=%F'; "
                        + timensctl + " set " + name + "/1 --offset +10d; echo SET status=$?; "
                        + timensctl + " exec " + name + "/1 -- date -u +'OFFSET date=%F'; "
                        + timensctl + " set $inner --at '2040-02-29 12:00:00Z'; "
                        + timensctl + " exec $inner -- date -u +'AT date=%F'; "
                        + timensctl + " exec " + name + " -- date -u +'OUTER date=%F'; "
                        + "date -u +'SHELL date=%F'; "
                        + timensctl + " set " + name + "/7 --offset +1d 2>/dev/null; echo MISSING status=$?; "
                        + "kill $inner; wait; exit 0").assertExit(0);
        assertField(run, "BEFORE", "date", "2038-01-20");
        assertField(run, "SET", "status", "0");
        assertField(run, "OFFSET", "date", "2038-01-29"); // from the parent's clock, not the host's
        assertField(run, "AT", "date", "2040-02-29");
        assertField(run, "OUTER", "date", "2038-01-19");
        assertField(run, "SHELL", "date", "2038-01-19");
        assertField(run, "MISSING", "status", "3");
    }

    /**
     * A namespace nested many times over one run keeps no image or descriptor
     * for the nested namespaces that ended: 25 in a row leave the supervisor
     * with about the descriptors it had after the first, and a nested
     * namespace still running survives the retirement of the ended ones
     * around it.
     */
    @Test
    void endedNestedNamespacesAreRetired() {
        String timensctl = Toolchains.basedir().resolve("bin/timensctl").toString();
        String name = "retire-" + ProcessHandle.current().pid();
        String fds = "ls /proc/$(" + timensctl + " list --spec | awk '$1 == \"" + name + "\" {print $2}')/fd | wc -l";
        TimensRunner.Result run = runner.timens(List.of("--name", name), "sh", "-c",
                timens() + " --offset +1d -- sleep 30 & keep=$!; "
                        + timens() + " -- true; echo FIRST fds=$(" + fds + "); "
                        + "i=0; while [ $i -lt 25 ]; do " + timens() + " --offset +1h -- true || exit 9; i=$((i+1)); done; "
                        + timens() + " -- true; echo LAST fds=$(" + fds + "); "
                        + timensctl + " exec $keep -- date -u +'KEPT date=%F'; "
                        + "date -u +'OUTER date=%F'; kill $keep; wait; exit 0").assertExit(0);
        long first = run.single("FIRST").longValue("fds");
        long last = run.single("LAST").longValue("fds");
        assertThat(last).as(run.describe()).isLessThan(first + 5);
        assertThat(java.time.LocalDate.parse(run.single("KEPT").fields().get("date")))
                .as("the running nested namespace is kept: " + run.describe())
                .isEqualTo(java.time.LocalDate.parse(run.single("OUTER").fields().get("date")).plusDays(1));
    }

    /**
     * A timer armed on an absolute deadline in a nested namespace keeps the outer
     * one from ticking again once frozen, as one of its own does: where it would
     * fire on the ticking clock is not known.
     */
    @Test
    void aNestedAbsoluteTimerKeepsTheOuterClocksFrozen() {
        String timensctl = Toolchains.basedir().resolve("bin/timensctl").toString();
        String name = "frozen-" + ProcessHandle.current().pid();
        TimensRunner.Result run = runner.timens(List.of("--name", name), "sh", "-c",
                timens() + " -- " + Toolchains.program("timerprobe") + " abs-timerfd MONOTONIC 3600 & sleep 3; "
                        + timensctl + " set " + name + " --freeze; echo FREEZE status=$?; "
                        + timensctl + " set " + name + " --unfreeze 2>/dev/null; echo UNFREEZE status=$?; "
                        + "kill $!; wait; exit 0").assertExit(0);
        assertField(run, "FREEZE", "status", "0");
        assertField(run, "UNFREEZE", "status", "5");
    }

    /**
     * A timens inside may take a --name: timensctl finds the nested namespace by
     * it, the name is refused (status 123) while it is in use, also the outer
     * one's, and free again once the nested namespace ended.
     */
    @Test
    void aNestedNamespaceTakesAName() {
        String timensctl = Toolchains.basedir().resolve("bin/timensctl").toString();
        String outer = "outer-" + ProcessHandle.current().pid();
        String inner = "inner-" + ProcessHandle.current().pid();
        TimensRunner.Result run = runner.timens(List.of("--name", outer, "--at", "2038-01-19T03:14:00Z"), "sh", "-c",
                timens() + " --name " + inner + " --offset +1d -- sleep 30 & keep=$!; sleep 3; "
                        + timensctl + " exec " + inner + " -- date -u +'NAMED date=%F'; "
                        + timensctl + " set " + inner + " --offset +5d; "
                        + timensctl + " exec " + inner + " -- date -u +'MOVED date=%F'; "
                        + "echo LISTED rows=$(" + timensctl + " list | grep -c -- '+- [0-9]* " + inner + " '); "
                        + timens() + " --name " + inner + " -- true 2>/dev/null; echo CLASH status=$?; "
                        + timens() + " --name " + outer + " -- true 2>/dev/null; echo OUTER status=$?; "
                        + "kill $keep; wait $keep; "
                        + timens() + " --name " + inner + " -- date -u +'REUSED date=%F'; "
                        + "exit 0").assertExit(0);
        assertField(run, "NAMED", "date", "2038-01-20");
        assertField(run, "MOVED", "date", "2038-01-24");
        assertField(run, "LISTED", "rows", "1");
        assertField(run, "CLASH", "status", "123");
        assertField(run, "OUTER", "status", "123");
        assertField(run, "REUSED", "date", "2038-01-19");
    }

    /** Two timens inside asking for one --name at the same moment: one gets it, the other is refused. */
    @Test
    void oneOfTwoNestingsAtOnceGetsAName() {
        String name = "twice-" + ProcessHandle.current().pid();
        String one = timens() + " --name " + name + " -- sleep 4 2>/dev/null";
        TimensRunner.Result run = runner.timens(List.of(), "sh", "-c", one + " & p1=$!; " + one + " & p2=$!; "
                + "wait $p1; a=$?; wait $p2; b=$?; echo BOTH statuses=$a,$b; exit 0").assertExit(0);
        assertThat(run.single("BOTH").fields().get("statuses")).as(run.describe()).isIn("0,123", "123,0");
    }

    /**
     * Nested timens started in parallel (a parallel build whose steps each run
     * one) each get their own namespace, while the ones that ended are retired
     * around them: every command sees its own offset.
     */
    @Test
    void parallelNestingsEachSeeTheirOwnClocks() {
        StringBuilder script = new StringBuilder();
        for (int round = 0; round < 3; round++) {
            for (int days = 1; days <= 6; days++) {
                script.append(timens()).append(" --offset +").append(days).append("d -- date -u +'DAYS")
                        .append(" want=").append(days).append(" date=%F' & ");
            }
            script.append("wait; ");
        }
        TimensRunner.Result run = runner.timens(AT_2038, "sh", "-c", script + "exit 0").assertExit(0);
        List<Probe> lines = run.tagged("DAYS");
        assertThat(lines).as(run.describe()).hasSize(18);
        for (Probe line : lines) {
            assertThat(java.time.LocalDate.parse(line.fields().get("date"))).as(run.describe())
                    .isEqualTo(java.time.LocalDate.of(2038, 1, 19).plusDays(Long.parseLong(line.fields().get("want"))));
        }
    }

    /** Exit statuses and signals go through the inner timens as through the outer one. */
    @Test
    void statusesAndSignalsPassThrough() {
        assertThat(runner.timens(List.of(), timens(), "--", "sh", "-c", "exit 7").exitCode()).isEqualTo(7);
        assertThat(runner.timens(List.of(), timens(), "--", "no-such-program-here").exitCode()).isEqualTo(127);
        TimensRunner.Result killed = runner.timens(List.of(), "sh", "-c",
                timens() + " -- sleep 30 & sleep 2; kill -TERM $!; wait $!; echo STATUS code=$?").assertExit(0);
        assertThat(killed.single("STATUS").fields().get("code")).as(killed.describe()).isEqualTo("143");
    }

    /**
     * timens killed with SIGKILL takes the nested namespace's processes along,
     * even one deaf to SIGHUP (engine v1: they are traced; engine v2: the
     * watchdog knows their image).
     */
    @Test
    void killingTheOuterTimensEndsTheNestedProcesses() throws InterruptedException {
        // Deaf to the hang-up the inner timens's end sends it.
        String marker = "sleep 301";
        TimensRunner.Result run = runner.timens(List.of(), "sh", "-c", "trap '' HUP; " + timens() + " -- " + marker
                + " & sleep 3; "
                + "ps -eo pid=,args= | awk '$2 == \"sleep\" && $3 == \"301\" { print $1 }'; kill -KILL $PPID; sleep 300");
        assertThat(run.exitCode()).as(run.describe()).isEqualTo(128 + 9);
        assertThat(run.stdout().strip()).as(run.describe()).matches("[0-9]+");
        Processes.assertEnds(Long.parseLong(run.stdout().strip()), "the nested namespace's " + marker);
    }

    /** What a nested namespace cannot have is refused with one line, and nothing runs. */
    @Test
    void whatCannotNestIsRefusedWithOneLine() {
        for (List<String> options : List.of(List.of("--warp"), List.of("--rate", "2"), List.of("--proc"))) {
            List<String> command = new ArrayList<>(List.of(timens()));
            command.addAll(options);
            command.addAll(List.of("--", "echo", "ran"));
            TimensRunner.Result run = runner.timens(List.of(), command);
            assertThat(run.exitCode()).as(run.describe()).isEqualTo(125);
            assertThat(run.stdout()).as(run.describe()).isEmpty();
            assertThat(run.stderrLines()).as(run.describe()).hasSize(1);
        }
        // Where the outer namespace runs at a rate, a nested one may have one: they multiply.
        TimensRunner.Result scaled = runner.timens(List.of("--rate", "2"), timens(), "--rate", "3", "--",
                Toolchains.program("timerprobe").toString(), "rel-nanosleep", "MONOTONIC", "3").assertExit(0);
        assertThat(scaled.elapsed().toMillis()).as(scaled.describe()).isLessThan(3000);
    }

    /** An ordinary user nests as root does (the control directory is then nobody's own). */
    @Test
    void anOrdinaryUserNests() {
        List<String> nobody = ClockSafety.asNobody();
        if (nobody.isEmpty()) Toolchains.unavailable("the nobody test runs as root (it drops to nobody with setpriv)");
        List<String> command = new ArrayList<>(List.of(timens(), "--offset", "+1d", "--", "date", "-u", "+%s"));
        TimensRunner.Result run = runner.wrappedIn(nobody).timens(AT_2038, command).assertExit(0);
        assertThat(Long.parseLong(run.lastLine())).as(run.describe()).isBetween(Y2038 + DAY, Y2038 + DAY + 30);
    }
}
