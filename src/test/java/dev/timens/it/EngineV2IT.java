package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --engine v2}, which attaches to a process only when it must: what it
 * exists for (a debugger, strace and user-mode Linux inside, each program
 * still on the namespace's clock), and the clock work it must keep doing
 * (deadlines translated, clock steps moving waits and timers, failed execs).
 */
@Tag("e2e")
class EngineV2IT {
    /** 2038-01-19T03:14:00Z. */
    private static final long Y2038 = 2_147_483_640L;
    private static final List<String> AT_2038 = List.of("--engine", "v2", "--at", "@" + Y2038);

    private final TimensRunner runner = new TimensRunner().withTimeout(Duration.ofSeconds(60));

    @Test
    void programsOfEveryKindReadTheNamespacesClock() {
        for (String program : List.of("clockprobe-dyn", "clockprobe-static", "clockprobe-musl", "clockprobe-go")) {
            TimensRunner.Result run = runner.timens(AT_2038, Toolchains.program(program).toString()).assertExit(0);
            Probe probe = run.single("PROBE");
            assertThat(probe.decimal("realtime").longValue()).as("%s%n%s", program, run.describe())
                    .isBetween(Y2038, Y2038 + 60);
        }
    }

    /** A shell's execs, failed ones included (a PATH miss, a missing file), and raw clock reads. */
    @Test
    void execsThatFailLeaveNothingBehind() {
        TimensRunner.Result run = runner.timens(AT_2038, "sh", "-c",
                "no-such-command-here 2>/dev/null; /no/such/file 2>/dev/null; date -u +%Y; date -u +%Y").assertExit(0);
        assertThat(run.stdout().lines().toList()).as(run.describe()).containsExactly("2038", "2038");
    }

    /**
     * When the code timens starts at a new program's entry cannot finish (no
     * free descriptor under {@code ulimit -n 3}; a filter of the program's own
     * that refuses /proc/self/mem), timens, no longer attached, is called back
     * and finishes the job: the program runs, in 2038.
     */
    @Test
    void programsWhoseEntryCodeFailsStillRunIn2038() {
        String probe = Toolchains.program("clockprobe-static").toString();
        TimensRunner.Result noDescriptor = runner.timens(AT_2038, "sh", "-c", "ulimit -n 3; \"$1\"", "sh", probe)
                .assertExit(0);
        assertThat(noDescriptor.single("PROBE").decimal("realtime").longValue()).as(noDescriptor.describe())
                .isBetween(Y2038, Y2038 + 60);
        TimensRunner.Result ownFilter = runner.timens(AT_2038, Toolchains.program("treeprobe").toString(),
                "deny-rdwr", Toolchains.program("clockprobe-dyn").toString()).assertExit(0);
        assertThat(ownFilter.single("PROBE").decimal("realtime").longValue()).as(ownFilter.describe())
                .isBetween(Y2038, Y2038 + 60);
    }

    @Test
    void absoluteDeadlinesAndClockStepsStillWork() {
        String timerprobe = Toolchains.program("timerprobe").toString();
        TimensRunner inside = runner.withEnv("TIMENS_TEST_ALLOW_SET", "1");
        List<String> shifted = List.of("--engine", "v2", "--offset", "+1d", "--monotonic", "+1d");
        for (List<String> mode : List.of(List.of("abs-nanosleep", "REALTIME", "0.3"),
                List.of("abs-nanosleep", "MONOTONIC", "0.3"), List.of("abs-timer", "REALTIME", "0.3"),
                List.of("cond-timedwait", "0.3"))) {
            TimensRunner.Result run = inside.timens(shifted, concat(timerprobe, mode)).assertExit(0);
            assertThat(run.single("TIMER").decimal("elapsed").doubleValue()).as(run.describe()).isBetween(0.25, 5.0);
        }
        // A forward step of an hour wakes an absolute REALTIME sleep, timerfd and timer at once.
        for (String mode : List.of("step-while-blocked", "step-timerfd", "step-timer")) {
            TimensRunner.Result run = inside.timens(List.of("--engine", "v2", "--offset", "+1d"), timerprobe, mode,
                    "1", "3600").assertExit(0);
            assertThat(run.single("TIMER").decimal("elapsed").doubleValue()).as(run.describe()).isLessThan(0.9);
        }
    }

    @Test
    void settingTheClockInsideMovesOnlyTheNamespace() {
        HostClock host = HostClock.snapshot();
        TimensRunner.Result run = runner.timens(List.of("--engine", "v2"), "sh", "-c",
                "date -s @2000000000 >/dev/null && date +%s").assertExit(0);
        assertThat(Long.parseLong(run.lastLine().trim())).as(run.describe()).isBetween(2_000_000_000L, 2_000_000_060L);
        host.assertNotStepped();
    }

    /** gdb --args CMD + run: gdb traces the program from before its exec; the program still sees 2038. */
    @Test
    void gdbRunsAProgramThatSeesTheNamespacesTime() {
        String gdb = Toolchains.requireOnPath("gdb", "Debian: gdb").toString();
        TimensRunner.Result run = runner.timens(AT_2038, gdb, "-q", "-nx", "-batch", "-ex", "run", "--args",
                "date", "-u", "+YEAR=%Y").assertExit(0);
        assertThat(run.stdout()).as(run.describe()).contains("YEAR=2038").contains("exited normally");
    }

    /**
     * A debugged program's absolute waits: its registers are its debugger's to
     * change, so timens translates the deadline in place, in the program's own
     * struct, and puts it back once the kernel has read it. The wait takes its
     * 0.2 s or 0.3 s (not a day: the clock is a day ahead), the struct holds
     * what the program put there, and glibc's condition variable times out as
     * natively.
     */
    @Test
    void aDebuggedProgramsAbsoluteWaitsAreTranslatedInPlace() {
        String gdb = Toolchains.requireOnPath("gdb", "Debian: gdb").toString();
        List<String> dayAhead = List.of("--engine", "v2", "--offset", "+1d");
        TimensRunner.Result kept = runner.timens(dayAhead, gdb, "-q", "-nx", "-batch", "-ex", "run", "--args",
                Toolchains.program("keepdeadline").toString()).assertExit(0);
        Probe keep = kept.single("KEEP");
        assertThat(keep.string("result")).as(kept.describe()).isEqualTo("0");
        assertThat(keep.string("same")).as(kept.describe()).isEqualTo("yes");
        assertThat(keep.decimal("elapsed_ms").longValue()).as(kept.describe()).isBetween(150L, 5_000L);
        TimensRunner.Result cond = runner.timens(dayAhead, gdb, "-q", "-nx", "-batch", "-ex", "run", "--args",
                Toolchains.program("timerprobe").toString(), "cond-timedwait", "0.3").assertExit(0);
        Probe timer = cond.single("TIMER");
        assertThat(timer.string("result")).as(cond.describe()).isEqualTo("ETIMEDOUT");
        assertThat(timer.decimal("elapsed").doubleValue()).as(cond.describe()).isBetween(0.25, 5.0);
    }

    /**
     * gdb -p: attaches to a running process, whose time(0) is the namespace's.
     * Where gdb cannot call a function in a process even natively (gdb 13 on
     * some kernels and CPUs: its write of the registers' extended state fails,
     * "Couldn't write extended state status: Bad address"), what is checked is
     * the rest: gdb attaches and detaches, and the process, a shell loop, goes
     * on reading the namespace's time, in the programs it starts after too.
     */
    @Test
    void gdbAttachesToARunningProcess() {
        String gdb = Toolchains.requireOnPath("gdb", "Debian: gdb").toString();
        String call = " -q -nx -p $p -batch -ex 'print (long)time(0)' 2>&1; kill $p";
        TimensRunner.Result natively = runner.nativeRun("sh", "-c", "sleep 30 & p=$!; " + gdb + call);
        if (natively.stdout().lines().noneMatch(l -> l.startsWith("$1 = "))) {
            System.out.println("EngineV2IT: gdb cannot call a function in a process on this machine, natively"
                    + " either (" + natively.stdout().lines().filter(l -> l.startsWith("Couldn't")).findFirst()
                    .orElse("no value printed") + "): checking that it attaches and detaches");
            TimensRunner.Result run = runner.timens(AT_2038, "sh", "-c",
                    "sh -c 'while :; do date -u +%Y; sleep 0.1; done' & p=$!; sleep 0.5; " + gdb
                            + " -q -nx -p $p -batch -ex 'info inferiors' 2>&1; sleep 0.5; kill $p").assertExit(0);
            List<String> lines = run.stdout().lines().toList();
            int detached = lines.indexOf(lines.stream().filter(l -> l.contains("detached]")).findFirst()
                    .orElseThrow(() -> new AssertionError("gdb did not detach\n" + run.describe())));
            assertThat(lines.subList(detached + 1, lines.size())).as(run.describe()).contains("2038");
            assertThat(lines).as(run.describe()).filteredOn(l -> l.matches("[0-9]{4}")).containsOnly("2038");
            return;
        }
        TimensRunner.Result run = runner.timens(AT_2038, "sh", "-c",
                "sleep 30 & p=$!; " + gdb + " -q -nx -p $p -batch -ex 'print (long)time(0)' 2>&1; kill $p")
                .assertExit(0);
        String printed = run.stdout().lines().filter(l -> l.startsWith("$1 = ")).findFirst().orElseThrow(
                () -> new AssertionError("gdb printed no value\n" + run.describe()));
        assertThat(Long.parseLong(printed.substring(5).trim())).as(run.describe()).isBetween(Y2038, Y2038 + 60);
    }

    /**
     * strace -p on a program blocked in a wait whose deadline timens translated
     * (pthread_cond_timedwait, CLOCK_REALTIME a day ahead): the program waits
     * untraced, so strace attaches at once rather than when the wait ends, and
     * the wait still ends on the namespace's clock. Before, timens stayed
     * attached for the whole wait, and strace's attach waited 8 s for it.
     */
    @Test
    void aProgramWaitingOnATranslatedDeadlineCanBeAttachedAtOnce(@TempDir Path dir) throws Exception {
        String strace = Toolchains.requireOnPath("strace", "Debian: strace").toString();
        Path attach = dir.resolve("attach.log");
        TimensRunner.Result run = runner.timens(List.of("--engine", "v2", "--offset", "+1d"), "sh", "-c",
                Toolchains.program("timerprobe") + " cond-timedwait 8 & p=$!; sleep 0.5; "
                        + strace + " -p $p -e trace=none -o /dev/null 2>" + attach + " & sleep 2; "
                        + "echo ATTACHED lines=$(grep -c attached " + attach + "); wait $p").assertExit(0);
        assertThat(run.single("ATTACHED").decimal("lines").intValue()).as(run.describe()).isEqualTo(1);
        Probe timer = run.single("TIMER");
        assertThat(timer.string("result")).as(run.describe()).isEqualTo("ETIMEDOUT");
        assertThat(timer.decimal("elapsed").doubleValue()).as(run.describe()).isBetween(7.9, 30.0);
    }

    /** strace -f: strace traces the whole build-like tree, and every program in it sees 2038. */
    @Test
    void straceFollowsATreeThatSeesTheNamespacesTime(@TempDir Path dir) throws Exception {
        String strace = Toolchains.requireOnPath("strace", "Debian: strace").toString();
        Path log = dir.resolve("trace.log");
        TimensRunner.Result run = runner.timens(AT_2038, strace, "-f", "-o", log.toString(), "sh", "-c",
                "date -u +%Y; sh -c 'date -u +%Y'").assertExit(0);
        assertThat(run.stdout().lines().toList()).as(run.describe()).containsExactly("2038", "2038");
        assertThat(Files.readString(log)).contains("execve(\"/usr/bin/date\"");
    }

    /** Debian's user-mode Linux guest boots inside, and its date is the namespace's. */
    @Test
    void aUserModeLinuxGuestReadsTheNamespacesClock(@TempDir Path dir) throws Exception {
        String uml = Toolchains.requireOnPath("linux.uml", "Debian: user-mode-linux").toString();
        Path init = dir.resolve("init.sh");
        Files.writeString(init, "#!/bin/sh\necho \"UMLDATE $(date -u +%Y-%m-%d)\"\n"
                + "echo o > /proc/sysrq-trigger\nhalt -f\n");
        init.toFile().setExecutable(true);
        List<String> guest = List.of(uml, "mem=256M", "root=/dev/root", "rootfstype=hostfs", "hostfs=/", "rw",
                "init=" + init, "con=null", "con0=fd:0,fd:1");
        TimensRunner.Result run = runner.withTimeout(Duration.ofSeconds(120)).timens(AT_2038,
                guest.toArray(String[]::new));
        if (!run.stdout().contains("UMLDATE")) {
            // Where the guest cannot start its init natively either (Linux 6.18 on some
            // CPUs refuses UML's PTRACE_SETREGSET of the FPU state: "ptrace set fp regs
            // failed, errno = 14"), it must get as far under timens as natively.
            TimensRunner.Result natively = runner.withTimeout(Duration.ofSeconds(120)).nativeRun(guest);
            String failure = natively.stdout().lines().filter(l -> l.startsWith("userspace - "))
                    .findFirst().orElse(null);
            if (failure != null && !natively.stdout().contains("UMLDATE")) {
                System.out.println("EngineV2IT: the user-mode Linux guest does not start natively either ("
                        + failure + "): checking that it gets as far under timens");
                assertThat(run.stdout()).as(run.describe()).contains("Run " + init + " as init process")
                        .contains(failure);
                return;
            }
        }
        assertThat(run.stdout()).as(run.describe()).contains("UMLDATE 2038-01-19");
    }

    /**
     * An exec through the i386 ({@code int $0x80}) or x32 table, which the
     * filter cannot hand to the listener, is refused: natively it runs the
     * program, which here would start unprepared, on host time.
     */
    @Test
    void execsThroughTheOtherSyscallTablesAreRefused() {
        TimensRunner.Result run = runner.timens(AT_2038, Toolchains.program("compatprobe").toString(), "exec",
                Toolchains.program("clockprobe-static").toString()).assertExit(0);
        assertThat(run.stdout()).as(run.describe()).doesNotContain("PROBE");
        Probe refused = run.single("COMPATEXEC");
        // A kernel without IA32 emulation faults on int $0x80 before any table (told by a read).
        String i386 = runner.nativeRun(Toolchains.program("compatprobe").toString()).assertExit(0)
                .single("COMPAT").string("i386_time");
        assertThat(refused.string("i386_execve")).isEqualTo(CompatSyscallsIT.refused(i386));
        assertThat(refused.string("x32_execve")).isEqualTo("error-ENOSYS");
    }

    /**
     * timens killed with SIGKILL takes its namespace with it under engine v2
     * too, which traces nothing that the kernel would end with it: the
     * watchdog kills every process that maps the namespace's clock image.
     */
    @Test
    void killingTimensEndsEveryProcessOfTheNamespace() throws InterruptedException {
        TimensRunner.Result run = runner.timens(List.of("--engine", "v2"), "sh", "-c",
                "sleep 300 & echo $!; sleep 0.2; kill -KILL $PPID; sleep 300");
        assertThat(run.exitCode()).as(run.describe()).isEqualTo(128 + 9);
        Processes.assertEnds(Long.parseLong(run.stdout().trim()), "the command's background sleep");
    }

    /**
     * --rate: relative waits and timers are scaled (each such call a visit),
     * so 3 virtual seconds pass in 0.3 real ones at rate 10, and 0.2 take 2 at
     * rate 0.1 (a timerfd, a sleep, a poll).
     */
    @Test
    void ratesScaleWaits() {
        String timerprobe = Toolchains.program("timerprobe").toString();
        for (List<String> mode : List.of(List.of("rel-nanosleep", "MONOTONIC"), List.of("rel-timerfd", "MONOTONIC"),
                List.of("timerfd-poll", "BOOTTIME"))) {
            TimensRunner.Result fast = runner.timens(List.of("--engine", "v2", "--rate", "10"),
                    concat(timerprobe, List.of(mode.get(0), mode.get(1), "3"))).assertExit(0);
            assertThat(fast.single("TIMER").decimal("elapsed").doubleValue()).as(fast.describe()).isBetween(3.0, 5.0);
            assertThat(fast.elapsed()).as(fast.describe()).isLessThan(Duration.ofMillis(2_500));
        }
        TimensRunner.Result slow = runner.timens(List.of("--engine", "v2", "--rate", "0.1"), timerprobe,
                "rel-timerfd", "MONOTONIC", "0.2").assertExit(0);
        assertThat(slow.single("TIMER").decimal("elapsed").doubleValue()).as(slow.describe()).isBetween(0.2, 0.4);
        assertThat(slow.elapsed()).as(slow.describe()).isGreaterThanOrEqualTo(Duration.ofMillis(1_900));
    }

    /** --freeze: the clocks stand still, and a sleep still takes its real time. */
    @Test
    void frozenClocksStandStill() {
        String probe = Toolchains.program("clockprobe-dyn").toString();
        TimensRunner.Result run = runner.timens(List.of("--engine", "v2", "--freeze", "--at", "@" + Y2038), "sh", "-c",
                probe + "; sleep 0.5; " + probe).assertExit(0);
        List<Probe> probes = run.tagged("PROBE");
        assertThat(probes).as(run.describe()).hasSize(2);
        assertThat(probes.get(0).decimal("realtime")).isEqualByComparingTo(probes.get(1).decimal("realtime"));
        assertThat(probes.get(0).decimal("realtime").longValue()).isBetween(Y2038, Y2038 + 1);
        assertThat(run.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(500));
    }

    /**
     * --warp: an idle namespace's clocks jump to its next deadline (a hundred
     * seconds of sleep in a moment), a wait interrupted to move a periodic
     * timer keeps its deadline and every tick is counted, and a guarding alarm
     * never overtakes a child's nearer sleeps, though the child's sleeps are
     * notifications the supervisor answers a moment later.
     */
    @Test
    void warpJumpsToTheNextDeadline() {
        String timerprobe = Toolchains.program("timerprobe").toString();
        List<String> warp = List.of("--engine", "v2", "--warp");
        TimensRunner.Result sleep = runner.timens(warp, timerprobe, "rel-nanosleep", "MONOTONIC", "100").assertExit(0);
        assertThat(sleep.single("TIMER").decimal("elapsed").doubleValue()).as(sleep.describe()).isBetween(100.0, 101.0);
        assertThat(sleep.elapsed()).as(sleep.describe()).isLessThan(Duration.ofSeconds(10));
        TimensRunner.Result ticks = runner.timens(warp, timerprobe, "itimer-epoll", "30").assertExit(0);
        assertThat(ticks.single("TIMER").string("result")).as(ticks.describe()).isEqualTo("ETIMEDOUT");
        assertThat(ticks.single("TIMER").longValue("steps")).as(ticks.describe()).isBetween(29L, 30L);
        for (int i = 0; i < 3; i++) {
            TimensRunner.Result guarded = runner.timens(warp, timerprobe, "alarm-guard", "30");
            assertThat(guarded.exitCode()).as("142: the alarm fired%n%s", guarded.describe()).isZero();
            assertThat(guarded.single("TIMER").longValue("steps")).as(guarded.describe()).isEqualTo(200L);
        }
    }

    /** A settimeofday inside cancels a cancel-on-set timerfd, read directly or polled first: ECANCELED at once. */
    @Test
    void settingTheClockCancelsCancelOnSetTimerfds() {
        String timerprobe = Toolchains.program("timerprobe").toString();
        TimensRunner inside = runner.withEnv("TIMENS_TEST_ALLOW_SET", "1");
        for (String mode : List.of("cancel-on-set", "cancel-on-set-poll")) {
            TimensRunner.Result run = inside.timens(List.of("--engine", "v2", "--offset", "+1d"), timerprobe, mode,
                    "5", "3600").assertExit(0);
            assertThat(run.single("TIMER").string("result")).as(run.describe()).isEqualTo("ECANCELED");
            assertThat(run.single("TIMER").decimal("elapsed").doubleValue()).as(run.describe()).isLessThan(2.0);
        }
    }

    /**
     * timens as the init of a PID namespace (a container's entrypoint) needs no
     * watchdog (the kernel ends the namespace's processes with their init), and
     * must not wait for one: it ends when the command and what the command left
     * behind have ended, as elsewhere.
     */
    @Test
    void asThePidNamespacesInitTimensEndsWithItsCommand() {
        TimensRunner inPidNamespace = runner.wrappedIn(Toolchains.pidNamespaceWrapper())
                .withTimeout(Duration.ofSeconds(20));
        TimensRunner.Result run = inPidNamespace.timens(AT_2038, "sh", "-c", "sleep 0.5 & date +%s");
        if (run.exitCode() != 0 && run.stderr().contains("unshare")) {
            Toolchains.unavailable("cannot make a PID namespace here: " + run.stderr().trim());
        }
        run.assertExit(0);
        assertThat(Long.parseLong(run.lastLine().trim())).as(run.describe()).isBetween(Y2038, Y2038 + 60);
        assertThat(run.elapsed()).as(run.describe()).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void unknownEnginesAreRefusedClearly() {
        TimensRunner.Result run = runner.timens(List.of("--engine", "v3"), "true");
        assertThat(run.exitCode()).as(run.describe()).isEqualTo(2);
        assertThat(run.stderr().lines().count()).as(run.describe()).isEqualTo(1);
    }

    /**
     * TIMENS_ENGINE chooses the engine when --engine is not given (strace runs
     * inside under v2 only); --engine wins; a bad value is a usage error.
     */
    @Test
    void theEnvironmentChoosesTheEngine() {
        String strace = Toolchains.requireOnPath("strace", "Debian: strace").toString();
        List<String> traced = List.of(strace, "-o", "/dev/null", "true");
        TimensRunner.Result v2 = runner.withEnv("TIMENS_ENGINE", "v2").timens(List.of(), traced);
        assertThat(v2.exitCode()).as(v2.describe()).isZero();
        TimensRunner.Result chosen = runner.withEnv("TIMENS_ENGINE", "v2").timens(List.of("--engine", "v1"), traced);
        assertThat(chosen.exitCode()).as("--engine wins over the environment: strace cannot trace under v1%n%s",
                chosen.describe()).isNotZero();
        TimensRunner.Result bad = runner.withEnv("TIMENS_ENGINE", "v9").timens(List.of(), "true");
        assertThat(bad.exitCode()).as(bad.describe()).isEqualTo(2);
        assertThat(bad.stderr().lines().count()).as(bad.describe()).isEqualTo(1);
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new java.util.ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }
}
