package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.timens.it.HostClock.ClockGroup;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every process and thread that a namespaced program starts is in the namespace
 * too, however it was started (treeprobe's modes: fork, vfork, posix_spawn, clone,
 * clone with CLONE_VM, a thread, exec from a thread, a grandchild), from a dynamic
 * or a static parent, into a dynamic or a static child; and a JVM's ProcessBuilder
 * children (jspawnhelper).
 */
@Tag("e2e")
class ProcessTreeIT {
    static final List<String> AT_2038 = List.of("--at", "@" + ClockProgramsIT.Y2038);
    static final List<String> MODES =
            List.of("fork", "vfork", "posix_spawn", "clone", "clone-vm", "thread", "exec-thread", "nested",
                    "seccomp", "deny-rdwr", "vfork-threads", "clone3");
    /** The REALTIME-group keys of a PROBE line (C and Java). */
    static final List<String> REALTIME_KEYS = List.of("realtime", "realtime_coarse", "gettimeofday", "time",
            "raw_realtime", "raw_gettimeofday", "raw_time", "millis");

    private final TimensRunner runner = new TimensRunner();

    static Stream<Arguments> trees() {
        List<Arguments> cases = new ArrayList<>();
        for (String tree : List.of("treeprobe", "treeprobe-static")) {
            for (String mode : MODES) {
                // "thread" runs no program: one case is enough.
                for (String program : mode.equals("thread") ? List.of("clockprobe-dyn")
                        : List.of("clockprobe-dyn", "clockprobe-static")) {
                    cases.add(Arguments.of(tree, mode, program));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("trees")
    void everyProcessOfTheTreeIsIn2038(String tree, String mode, String program) {
        List<String> command = List.of(Toolchains.program(tree).toString(), mode,
                Toolchains.program(program).toString());

        TimensRunner.Result nativeRun = runner.nativeRun(command).assertExit(0);
        checkShape(nativeRun, tree, mode, program);
        TimensRunner.Result run = runner.timens(AT_2038, command).assertExit(0);
        checkShape(run, tree, mode, program);

        SoftAssertions soft = new SoftAssertions();
        for (Probe probe : nativeRun.tagged("PROBE")) {
            inWindow(soft, probe, Expect.offset(0), nativeRun);
        }
        for (Probe probe : run.tagged("PROBE")) {
            inWindow(soft, probe, Expect.startingAt(ClockProgramsIT.Y2038), run);
        }
        soft.assertAll();
    }

    /** A JVM under timens, and the JVM it starts with ProcessBuilder, are both in 2038. */
    @ParameterizedTest(name = "ClockProbe spawn {0}")
    @MethodSource("spawnTargets")
    void javaProcessBuilderChildrenAreIn2038(String target) {
        List<String> command = new ArrayList<>(List.of(Toolchains.java().toString(), "-cp",
                Toolchains.javaProbeClasses().toString(), "ClockProbe", "spawn"));
        if (!target.equals("java")) {
            command.add(Toolchains.program(target).toString());
        }

        TimensRunner.Result nativeRun = runner.nativeRun(command).assertExit(0);
        TimensRunner.Result run = runner.timens(AT_2038, command).assertExit(0);

        SoftAssertions soft = new SoftAssertions();
        inWindow(soft, nativeRun.single("PROBE"), Expect.offset(0), nativeRun);
        inWindow(soft, nativeRun.single("CHILD PROBE"), Expect.offset(0), nativeRun);
        inWindow(soft, run.single("PROBE"), Expect.startingAt(ClockProgramsIT.Y2038), run);
        inWindow(soft, run.single("CHILD PROBE"), Expect.startingAt(ClockProgramsIT.Y2038), run);
        soft.assertAll();
    }

    static Stream<String> spawnTargets() {
        return Stream.of("java", "clockprobe-dyn");
    }

    /** One PROBE line from the right program (one per thread for vfork-threads), and the TREE line (except after exec-thread). */
    private static void checkShape(TimensRunner.Result run, String tree, String mode, String program) {
        List<Probe> probes = run.tagged("PROBE");
        int expected = mode.equals("vfork-threads") ? 8 : 1;
        assertThat(probes).as("PROBE lines in:%n%s", run.describe()).hasSize(expected);
        Probe probe = probes.get(0);
        String lang = mode.equals("thread") ? (tree.endsWith("-static") ? "c-static" : "c-dyn")
                : (program.endsWith("-static") ? "c-static" : "c-dyn");
        assertThat(probe.string("lang")).as("lang of the PROBE line in:%n%s", run.describe()).isEqualTo(lang);
        if (mode.equals("thread")) {
            assertThat(probe.string("ctx")).as("probe from the thread in:%n%s", run.describe()).isEqualTo("thread");
        }
        if (mode.equals("seccomp")) {
            // The program's own filter works under timens's: its getppid fails as it asked.
            assertThat(run.single("FILTER").string("getppid")).as("in:%n%s", run.describe()).isEqualTo("EPERM");
        }
        if (mode.equals("deny-rdwr")) {
            // /proc/self/mem is closed to the program: the code at its entry point
            // cannot finish the exec, and the supervisor finishes it by ptrace.
            assertThat(run.single("FILTER").string("proc_self_mem")).as("in:%n%s", run.describe())
                    .isEqualTo("EACCES");
        }
        List<Probe> trees = run.tagged("TREE");
        if (mode.equals("exec-thread")) {
            // The exec replaced treeprobe: nothing of it is left to print a TREE line.
            assertThat(trees).as("no TREE line after exec from a thread in:%n%s", run.describe()).isEmpty();
        } else {
            assertThat(trees).as("one TREE line in:%n%s", run.describe()).hasSize(1);
            assertThat(trees.get(0).string("mode")).isEqualTo(mode);
            assertThat(trees.get(0).longValue("status")).as("child status in:%n%s", run.describe()).isZero();
        }
    }

    /**
     * clone3 passes its flags in memory, where a seccomp filter cannot see
     * CLONE_UNTRACED: timens refuses it with ENOSYS, as a kernel before 5.3
     * would, and the program falls back to clone/fork as glibc does; its child
     * is in the namespace (everyProcessOfTheTreeIsIn2038 "clone3").
     */
    @Test
    void clone3IsRefusedSoThatProgramsFallBack() {
        List<String> command = List.of(Toolchains.program("treeprobe").toString(), "clone3",
                Toolchains.program("clockprobe-dyn").toString());
        TimensRunner.Result nativeRun = runner.nativeRun(command).assertExit(0);
        if (!nativeRun.single("SPAWN").string("result").equals("0")) {
            Toolchains.unavailable("clone3 does not work here even without timens: " + nativeRun.single("SPAWN"));
        }
        TimensRunner.Result run = runner.timens(AT_2038, command).assertExit(0);
        // Engine v2 follows no fork: clone3 needs no refusal, and runs as natively.
        assertThat(run.single("SPAWN").string("result")).as(run.describe())
                .isEqualTo(Toolchains.engineV2() ? "0" : "error-ENOSYS");
    }

    /**
     * Children that stop themselves and die while stopped (SIGKILL while
     * stopped; SIGTERM sent while stopped and delivered at SIGCONT): their
     * parent sees the same wait statuses as natively, and nothing hangs.
     */
    @ParameterizedTest
    @ValueSource(strings = {"treeprobe", "treeprobe-static"})
    void processesExitingWhileStoppedAreReportedAsNatively(String tree) {
        List<String> command = List.of(Toolchains.program(tree).toString(), "stopped-exit", "/bin/true");
        Probe natively = runner.nativeRun(command).assertExit(0).single("STOPPED");
        assertThat(natively.string("first")).isEqualTo("stopped-19,killed-9");
        assertThat(natively.string("second")).isEqualTo("stopped-19,killed-15");
        Probe inside = runner.timens(AT_2038, command).assertExit(0).single("STOPPED");
        assertThat(inside.line()).isEqualTo(natively.line());
    }

    /**
     * A daemon the command leaves behind (double fork, setsid) stays in the
     * namespace, and timens returns when it has ended too, like strace -f: its
     * output is in 2038, timens's status is the command's, and nothing is left.
     */
    @Test
    void aDaemonLeftBehindIsWaitedForAndStaysVirtual() {
        List<String> command = List.of(Toolchains.program("treeprobe").toString(), "daemon",
                Toolchains.program("clockprobe-dyn").toString());
        TimensRunner.Result run = runner.timens(AT_2038, command).assertExit(0);
        assertThat(run.elapsed()).as("timens waited for the daemon's 1 s sleep").isGreaterThan(Duration.ofMillis(900));
        assertThat(run.stdout().lines().toList()).as(run.describe()).hasSize(2)
                .first().asString().startsWith("TREE mode=daemon status=0");
        SoftAssertions soft = new SoftAssertions();
        inWindow(soft, run.single("PROBE"), Expect.startingAt(ClockProgramsIT.Y2038), run);
        soft.assertAll();
    }

    /**
     * A pid used again by a new process (forced through ns_last_pid in a PID
     * namespace of its own) gets nothing of the old process's state: the
     * reused pid reads the namespace's clocks, and so does the program it runs.
     */
    @Test
    void aReusedPidStartsAfresh() {
        TimensRunner inPidNamespace = new TimensRunner().wrappedIn(Toolchains.pidNamespaceWrapper());
        List<String> command = List.of(Toolchains.program("treeprobe").toString(), "pid-reuse",
                Toolchains.program("clockprobe-dyn").toString());
        TimensRunner.Result nativeRun = inPidNamespace.nativeRun(command);
        if (nativeRun.exitCode() != 0 && nativeRun.stderr().contains("unshare")) {
            Toolchains.unavailable("cannot make a PID namespace here: " + nativeRun.stderr().trim());
        }
        nativeRun.assertExit(0);
        assertThat(nativeRun.single("REUSE").string("same_pid")).as(nativeRun.describe()).isEqualTo("1");

        // The JVM runs in the new PID namespace too: a thread it starts between
        // treeprobe's ns_last_pid write and its fork takes the pid. Rare; retried.
        TimensRunner.Result run = inPidNamespace.timens(AT_2038, command).assertExit(0);
        for (int attempt = 1; attempt < 5 && !run.single("REUSE").string("same_pid").equals("1"); attempt++) {
            run = inPidNamespace.timens(AT_2038, command).assertExit(0);
        }
        assertThat(run.single("REUSE").string("same_pid")).as(run.describe()).isEqualTo("1");
        List<Probe> probes = run.tagged("PROBE");
        assertThat(probes).as(run.describe()).hasSize(3)
                .anySatisfy(p -> assertThat(p.has("ctx") ? p.string("ctx") : "").isEqualTo("reused"));
        SoftAssertions soft = new SoftAssertions();
        for (Probe probe : probes) {
            inWindow(soft, probe, Expect.startingAt(ClockProgramsIT.Y2038), run);
        }
        soft.assertAll();
    }

    private static void inWindow(SoftAssertions soft, Probe probe, Expect expect, TimensRunner.Result run) {
        for (String key : REALTIME_KEYS) {
            if (probe.has(key)) {
                BigDecimal value = probe.decimal(key);
                soft.assertThat(value)
                        .as("%s should be %s in line: %s%n%s", key, expect.describe(), probe, run.describe())
                        .isBetween(expect.low(ClockGroup.REALTIME, run), expect.high(ClockGroup.REALTIME, run));
            }
        }
    }

    /**
     * A program started as another user keeps the namespace's clock: it gets the
     * image as a descriptor from the supervisor (through the seccomp listener),
     * not by opening the supervisor's files, which another user may not.
     */
    @Test
    void aProgramStartedAsAnotherUserKeepsTheNamespacesClock() {
        assumeTrue(Toolchains.root(), "changing to another user before exec needs root");
        String setpriv = Toolchains.requireOnPath("setpriv", "apt-get install util-linux").toString();
        List<String> command = List.of(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                Toolchains.program("clockprobe-dyn").toString());

        runner.nativeRun(command).assertExit(0);
        TimensRunner.Result run = runner.timens(AT_2038, command).assertExit(0);

        SoftAssertions soft = new SoftAssertions();
        inWindow(soft, run.single("PROBE"), Expect.startingAt(ClockProgramsIT.Y2038), run);
        soft.assertAll();
    }

    /**
     * A program that shuts itself in with Landlock may no longer open other
     * processes' files or write its own memory through /proc/self/mem: its next
     * program still gets the image (a descriptor the kernel installs for the
     * supervisor), and the supervisor finishes what the entry code could not.
     */
    @Test
    void aLandlockedProgramsNextExecKeepsTheNamespacesClock() {
        List<String> command = List.of(Toolchains.program("treeprobe").toString(), "landlock",
                Toolchains.program("clockprobe-dyn").toString());

        TimensRunner.Result nativeRun = runner.nativeRun(command).assertExit(0);
        assumeTrue(!nativeRun.single("LANDLOCK").string("proc_self_mem").equals("unsupported"),
                "this kernel has no Landlock");
        assertThat(nativeRun.tagged("PROBE")).hasSize(1);
        TimensRunner.Result run = runner.timens(AT_2038, command).assertExit(0);

        assertThat(run.single("LANDLOCK").string("proc_self_mem")).as(run.describe()).isEqualTo("EACCES");
        SoftAssertions soft = new SoftAssertions();
        inWindow(soft, run.single("PROBE"), Expect.startingAt(ClockProgramsIT.Y2038), run);
        soft.assertAll();
    }

    /**
     * The seize of timens-exec can come before its own execve has finished
     * (posix_spawn returns early in it), and then that exec is reported too:
     * it is not the command's, and must not be prepared like one (it has no
     * filter yet, so the image syscall would fail and the run end with exit
     * 137). Seen in about one run in ten here, most with --warp: thirty runs
     * must all start their command.
     */
    @Test
    void theHelpersOwnExecIsNotTakenForTheCommands() {
        for (int i = 0; i < 30; i++) {
            runner.timens(List.of("--warp"), "true").assertExit(0);
        }
    }

    /**
     * A setuid program runs without its privileges under timens: the seccomp
     * filter needs NO_NEW_PRIVS, under which exec ignores set-user-ID bits and
     * file capabilities. Shown with a set-user-ID-root copy of id(1), run by the
     * user nobody: natively it is root, under timens it stays nobody, and runs.
     */
    @Test
    void aSetuidProgramRunsWithoutItsPrivileges(@TempDir Path dir) throws IOException {
        assumeTrue(Toolchains.root(), "making a set-user-ID-root program needs root");
        List<String> nobody = ClockSafety.asNobody();
        Path id = copyWithMode(dir, "/usr/bin/id", "4755"); // rwsr-xr-x
        List<String> command = new ArrayList<>(nobody);
        command.addAll(List.of(id.toString(), "-u"));
        TimensRunner.Result natively = runner.nativeRun(command).assertExit(0);
        if (!natively.stdout().trim().equals("0")) {
            Toolchains.unavailable("set-user-ID bits have no effect under " + dir + " (mounted nosuid?): "
                    + natively.describe());
        }
        TimensRunner.Result run = runner.wrappedIn(nobody).timens(AT_2038, id.toString(), "-u").assertExit(0);
        assertThat(run.stdout().trim()).as("effective uid under timens:%n%s", run.describe()).isEqualTo("65534");
    }

    /**
     * A program whose file the user may execute but not read (mode --x): exec
     * makes it non-dumpable, and the kernel then closes its memory to tracers
     * without CAP_SYS_PTRACE, so timens cannot give it its clocks. It is killed
     * before its first instruction, with the reason, never run on host time.
     */
    @Test
    void anExecuteOnlyProgramOfAnotherUserIsStoppedWithTheReason(@TempDir Path dir) throws IOException {
        assumeTrue(Toolchains.root(), "making a file that the test user may execute but not read needs root");
        List<String> nobody = ClockSafety.asNobody();
        Path date = copyWithMode(dir, "/bin/date", "711"); // rwx--x--x
        List<String> command = new ArrayList<>(nobody);
        command.addAll(List.of(date.toString(), "+%s"));
        runner.nativeRun(command).assertExit(0);

        TimensRunner.Result run = runner.wrappedIn(nobody).timens(AT_2038, date.toString(), "+%s");
        assertThat(run.exitCode()).as(run.describe()).isEqualTo(128 + 9);
        assertThat(run.stdout()).as("nothing printed on host time").isEmpty();
        assertThat(run.stderr()).contains("(date)").contains("memory is closed to timens")
                .contains("executed but not read");
    }

    /**
     * A copy of the system program {@code source} in {@code dir}, which everyone
     * may enter (the runs as nobody), with chmod's octal {@code mode} (NIO
     * cannot set the set-user-ID bit).
     */
    private Path copyWithMode(Path dir, String source, String mode) throws IOException {
        Path copy = dir.resolve(Path.of(source).getFileName());
        Files.copy(Path.of(source), copy);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        runner.nativeRun(List.of("chmod", mode, copy.toString())).assertExit(0);
        return copy;
    }

    /**
     * strace (and gdb) cannot trace under timens, which already traces every
     * process and a process has one tracer: they fail at once, with timens
     * saying why, and never hang.
     */
    @Test
    void aTracerFailsWithTheReason() {
        String strace = Toolchains.requireOnPath("strace", "apt-get install strace").toString();
        runner.nativeRun(strace, "-o", "/dev/null", "true").assertExit(0);
        TimensRunner.Result run = runner.timens(AT_2038, strace, "-o", "/dev/null", "true");
        if (Toolchains.engineV2()) {
            run.assertExit(0); // what engine v2 is for (EngineV2IT)
            return;
        }
        assertThat(run.exitCode()).as(run.describe()).isNotZero();
        assertThat(run.stderr()).as(run.describe()).contains("(strace) cannot trace: ptrace(")
                .contains("a process has only one tracer");
    }
}
