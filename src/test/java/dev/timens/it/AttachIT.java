package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code timensctl attach} and {@code detach} (issue 13), end to end with
 * bin/timensctl: programs started natively, each language's, go a year ahead
 * while they run when attached, back to host time when detached, and run on to
 * exit 0. Each test has a control directory of its own ({@code XDG_RUNTIME_DIR}
 * in a temporary directory). The host clock is never stepped ({@link HostClock}).
 */
@Tag("e2e")
class AttachIT {
    private static final long YEAR = 365L * 86400;
    /** Generous: a JVM start, a trace, a wake-up on a busy two-core machine. */
    private static final long WAIT_MILLIS = 30_000;
    private static final Pattern SECONDS = Pattern.compile("=(\\d{10,})\\b");

    @TempDir
    Path runtime;

    private HostClock host;
    private final List<Running> started = new ArrayList<>();

    @BeforeEach
    void snapshotHostClock() throws IOException {
        host = HostClock.snapshot();
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
    }

    @AfterEach
    void endProgramsAndCheckHostClock() throws InterruptedException {
        for (Running r : started) r.kill();
        host.assertNotStepped();
    }

    /** The issue's own test: a loop printing {@code date} changes year when attached, back when detached, never stops. */
    @Test
    void aDateLoopChangesYearWhenAttachedAndBackWhenDetached() throws Exception {
        int year = Instant.now().atZone(ZoneOffset.UTC).getYear();
        Running loop = run(List.of("sh", "-c", "while :; do date -u +%Y; sleep 0.1; done"));
        loop.await(line -> line.equals(Integer.toString(year)), "the host's year first");

        Result attach = timensctl("attach", Long.toString(loop.pid()), "--offset", "+366d", "--name", "loop");
        assertThat(attach.status()).as(attach.err()).isZero();
        assertThat(attach.err()).as("attach says nothing when it worked").isEmpty();
        loop.await(line -> line.equals(Integer.toString(year + 1)), "next year once attached");

        String listed = listed("loop");
        assertThat(listed.split("\\s+")[2]).as("the leader is the loop: %s", listed).isEqualTo(Long.toString(loop.pid()));
        assertThat(listed).contains("sh -c while :; do date -u +%Y");
        Result set = timensctl("set", "loop", "--offset", "+731d");
        assertThat(set.status()).as(set.err()).isZero();
        loop.await(line -> line.equals(Integer.toString(year + 2)), "two years ahead once set");

        Result detach = timensctl("detach", Long.toString(loop.pid()));
        assertThat(detach.status()).as(detach.err()).isZero();
        int back = loop.mark();
        loop.awaitFrom(back, line -> line.equals(Integer.toString(year)), "the host's year once detached");
        // It never stops, and never goes ahead again.
        loop.awaitLines(back, lines -> lines.size() >= 10, "ten more rounds");
        assertThat(loop.linesFrom(back)).as("after detach").allMatch(line -> line.equals(Integer.toString(year)));
        assertThat(loop.process.isAlive()).isTrue();
        assertThat(timensctl("list").out().lines().count()).as("the namespace ended").isEqualTo(1);
        try (var left = Files.list(runtime.resolve("timens"))) {
            List<Path> files = left.toList();
            StringBuilder said = new StringBuilder();
            for (Path f : files) if (f.toString().endsWith(".log")) said.append(Files.readString(f));
            assertThat(files).as("its socket, name and log are gone (the log says: %s)", said).isEmpty();
        }
    }

    /**
     * A program of each kind, with two threads (goroutines) reading the clock
     * each its own way, goes a year ahead and back, and exits 0 when its input ends.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"c-dynamic", "c-static", "go", "python", "java"})
    void aRunningProgramGoesAheadAndBackAndRunsOn(String kind, @TempDir Path dir) throws Exception {
        Running program = run(loopProgram(kind, dir));
        long now = Instant.now().getEpochSecond();
        program.await(line -> allNear(line, now), "a first reading on host time");

        Result attach = timensctl("attach", Long.toString(program.pid()), "--offset", "+365d");
        assertThat(attach.status()).as(attach.err()).isZero();
        int ahead = program.mark();
        for (String who : program.threads()) {
            program.awaitFrom(ahead, line -> line.contains("who=" + who + " ") && allNear(line, now + YEAR),
                    who + " a year ahead");
        }
        Result detach = timensctl("detach", Long.toString(program.pid()));
        assertThat(detach.status()).as(detach.err()).isZero();
        int back = program.mark();
        for (String who : program.threads()) {
            program.awaitFrom(back, line -> line.contains("who=" + who + " ") && allNear(line, now), who + " back");
        }
        program.endInput();
        assertThat(program.process.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS)).as("ends: %s", program.describe())
                .isTrue();
        assertThat(program.process.exitValue()).as(program.describe()).isZero();
        List<String> after = program.linesFrom(back + 4);
        assertThat(after).as("nothing reads ahead after the detach: %s", program.describe())
                .allMatch(line -> !line.startsWith("LOOP") || allNear(line, now));
    }

    /**
     * A program exec'd after the attach gets the namespace's clock code; once
     * detached it reads host time from it too, and sleeps and waits work.
     */
    @Test
    void aProgramExecdAfterTheAttachGoesBackToo() throws Exception {
        Running shell = run(List.of("sh", "-c", "echo ready; read line; exec " + Toolchains.program("timeloop")));
        shell.await(line -> line.equals("ready"), "the shell");
        long now = Instant.now().getEpochSecond();
        Result attach = timensctl("attach", Long.toString(shell.pid()), "--offset", "+365d");
        assertThat(attach.status()).as(attach.err()).isZero();
        shell.say("go");
        shell.await(line -> line.startsWith("LOOP who=thread") && allNear(line, now + YEAR), "exec'd, a year ahead");
        assertThat(timensctl("detach", Long.toString(shell.pid())).status()).isZero();
        int back = shell.mark();
        shell.awaitFrom(back, line -> line.startsWith("LOOP who=main") && allNear(line, now), "main back");
        shell.awaitFrom(back, line -> line.startsWith("LOOP who=thread") && allNear(line, now), "thread back");
        // Its clock code is the first namespace's: it cannot be pointed at a second one.
        assertRefused(timensctl("attach", Long.toString(shell.pid()), "--offset", "+365d"), 5,
                "runs a program exec'd while it was attached before");
        shell.endInput();
        assertThat(shell.process.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(shell.process.exitValue()).as(shell.describe()).isZero();
    }

    /**
     * Waits and timers on absolute REALTIME deadlines that were armed before
     * the attach (a sleep, a condition variable, a semaphore, a timerfd) end as
     * on a clock step: a day ahead, their deadline 30 s away has passed.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"abs-nanosleep REALTIME", "cond-timedwait", "sem-timedwait", "abs-timerfd REALTIME"})
    void waitsArmedBeforeTheAttachEndAsOnAClockStep(String mode) throws Exception {
        List<String> command = new ArrayList<>(List.of(Toolchains.program("timerprobe").toString()));
        command.addAll(Arrays.asList(mode.split(" ")));
        command.add("30");
        Running probe = run(command);
        Thread.sleep(500); // waiting (if not yet, it waits on the day-ahead clock, and ends at once all the same)
        long before = System.nanoTime();
        Result attach = timensctl("attach", Long.toString(probe.pid()), "--offset", "+1d");
        assertThat(attach.status()).as(attach.err()).isZero();
        String timer = probe.await(line -> line.startsWith("TIMER "), "the wait's end");
        assertThat((System.nanoTime() - before) / 1e9).as("ended long before its 30 s: %s", timer).isLessThan(20);
        assertThat(timer).contains("mode=" + mode.split(" ")[0]);
        assertThat(probe.process.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(probe.process.exitValue()).as(probe.describe()).isZero();
    }

    /**
     * A JVM attaches itself, busy with timed waits, and detaches itself, three
     * times: from the second on, the supervisor it starts runs under the filter
     * it serves (a child inherits it), and must not wait for itself.
     */
    @Test
    void aJvmAttachesAndDetachesItselfAgainAndAgain(@TempDir Path dir) throws Exception {
        Path source = dir.resolve("Self.java");
        Files.writeString(source, """
                import java.time.Duration;
                import java.time.Instant;
                public class Self {
                    public static void main(String[] args) throws Exception {
                        String pid = Long.toString(ProcessHandle.current().pid());
                        for (int i = 0; i < 4; i++) {
                            Thread t = new Thread(() -> { while (true) { try { Thread.sleep(3); } catch (InterruptedException e) { return; } } });
                            t.setDaemon(true);
                            t.start();
                        }
                        for (int round = 1; round <= 3; round++) {
                            Instant host = Instant.now();
                            run(args[0], "attach", pid, "--offset", "+3650d");
                            Duration ahead = Duration.between(host, Instant.now());
                            run(args[0], "detach", pid);
                            Duration back = Duration.between(host, Instant.now());
                            System.out.println("ROUND " + round + " ahead=" + ahead.toDays() + " back=" + back.toDays());
                        }
                    }
                    static void run(String... command) throws Exception {
                        Process p = new ProcessBuilder(command).inheritIO().start();
                        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", command) + ": " + p.exitValue());
                    }
                }
                """);
        Running self = run(List.of(Toolchains.java().toString(), source.toString(),
                Toolchains.basedir().resolve("bin/timensctl").toString()));
        assertThat(self.process.waitFor(90, TimeUnit.SECONDS)).as("ends: %s", self.describe()).isTrue();
        assertThat(self.process.exitValue()).as(self.describe()).isZero();
        assertThat(self.lines()).as(self.describe()).filteredOn(line -> line.startsWith("ROUND "))
                .containsExactly("ROUND 1 ahead=3650 back=0", "ROUND 2 ahead=3650 back=0", "ROUND 3 ahead=3650 back=0");
        // Its last helper has the filter itself (its supervisor did): it must still end with the JVM.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (helpersFor(self.pid()) > 0 && System.nanoTime() < deadline) Thread.sleep(100);
        assertThat(helpersFor(self.pid())).as("timens-exec continue left for the JVM").isZero();
    }

    /** How many timens-exec continue processes answer the filter of process {@code pid}. */
    private static long helpersFor(long pid) throws IOException {
        try (var processes = Files.list(Path.of("/proc"))) {
            return processes.filter(p -> p.getFileName().toString().matches("[0-9]+")).filter(p -> {
                try {
                    String[] argv = Files.readString(p.resolve("cmdline")).split("\0");
                    return argv.length >= 4 && argv[1].equals("continue") && argv[3].equals(Long.toString(pid));
                } catch (IOException | RuntimeException e) {
                    return false;
                }
            }).count();
        }
    }

    /** A relative timerfd armed before the attach keeps the real time it had left, as on a clock step. */
    @Test
    void aRelativeTimerArmedBeforeTheAttachKeepsItsTime() throws Exception {
        Running probe = run(List.of(Toolchains.program("timerprobe").toString(), "rel-timerfd", "REALTIME", "3"));
        Thread.sleep(300);
        long before = System.nanoTime();
        assertThat(timensctl("attach", Long.toString(probe.pid()), "--offset", "+1d").status()).isZero();
        String timer = probe.await(line -> line.startsWith("TIMER "), "the timer");
        assertThat((System.nanoTime() - before) / 1e9).as("its 3 s, less what had passed: %s", timer)
                .isGreaterThan(1.5);
        assertThat(timer).contains("result=OK");
    }

    /**
     * Attached with --name and --rate 1, a process takes another rate later:
     * a sleep it starts after the attach is scaled anew at the change. Left at
     * rate 1, its 60 s would outlast the wait for its line.
     */
    @Test
    void attachedWithARateTheProcessTakesAnotherLater() throws Exception {
        Running loop = run(List.of("sh", "-c", "read line || :; " + Toolchains.program("timerprobe")
                + " rel-nanosleep MONOTONIC 60"));
        String pid = Long.toString(loop.pid());
        Result attached = timensctl("attach", pid, "--name", "changing", "--rate", "1");
        assertThat(attached.status()).as(attached.err()).isZero();
        loop.endInput(); // the probe starts, and sleeps, in the namespace
        Thread.sleep(1000);
        Result faster = timensctl("set", "changing", "--rate", "30");
        assertThat(faster.status()).as(faster.err()).isZero();
        String timer = loop.await(line -> line.startsWith("TIMER "), "the sleep's end");
        Matcher elapsed = Pattern.compile("elapsed=([0-9.]+)").matcher(timer);
        assertThat(elapsed.find()).as(timer).isTrue();
        assertThat(Double.parseDouble(elapsed.group(1))).as(timer).isBetween(60.0, 90.0);
    }

    @Test
    void badRequestsAreRefusedInOneLineAndStartNothing() throws Exception {
        Running loop = run(List.of(Toolchains.program("timeloop").toString()));
        String pid = Long.toString(loop.pid());
        loop.await(line -> line.startsWith("LOOP"), "a first reading");

        assertRefused(timensctl("attach", "abc"), 2, "invalid PID 'abc'");
        assertRefused(timensctl("attach", pid, "--monotonic", "-1h"), 2, "only moves forward");
        assertRefused(timensctl("attach", pid, "--at", "2030-01-01", "--offset", "+1d"), 2, "exclude each other");
        assertRefused(timensctl("attach", pid, "--name", "no/slash"), 2, "invalid --name");
        assertRefused(timensctl("attach", Integer.toString(unusedPid())), 3, "no process");
        assertRefused(timensctl("detach", pid), 3, "no running namespace of this user has process " + pid);
        try (var left = Files.list(runtime.resolve("timens"))) {
            assertThat(left.toList()).as("nothing was started").isEmpty();
        } catch (java.nio.file.NoSuchFileException e) {
            // not even the directory
        }

        assertThat(timensctl("attach", pid, "--offset", "+365d").status()).isZero();
        long now = Instant.now().getEpochSecond();
        assertRefused(timensctl("attach", pid, "--offset", "+2y"), 5, "has a seccomp listener already");
        int mark = loop.mark();
        loop.awaitFrom(mark, line -> allNear(line, now + YEAR), "still a year ahead, served");
        assertThat(timensctl("detach", pid).status()).isZero();
        assertRefused(timensctl("attach", pid, "--offset", "+1d", "--name", "other"), 5,
                "was attached before with clock options of another kind");
        mark = loop.mark();
        loop.awaitLines(mark, lines -> lines.size() >= 5, "five more rounds");
        assertThat(loop.linesFrom(mark)).as("on host time").allMatch(line -> allNear(line, now));
    }

    /**
     * Detached, a process can be attached again, with another offset, and what
     * it forked meanwhile (sharing its filter) comes with it; detached again, all
     * of it reads host time.
     */
    @Test
    void aDetachedProcessIsAttachedAgainWithWhatItForked() throws Exception {
        String python = Toolchains.requireOnPath("python3", "Debian: python3").toString();
        Running forking = run(List.of(python, "-c", """
                import os, sys, time
                print("ready", flush=True)
                sys.stdin.readline()
                who = "child" if os.fork() == 0 else "parent"
                while True:
                    print("LOOP who=%s time=%d clock=%d" % (who, int(time.time()),
                          int(time.clock_gettime(time.CLOCK_REALTIME))), flush=True)
                    time.sleep(0.1)
                """));
        forking.await(line -> line.equals("ready"), "python");
        String pid = Long.toString(forking.pid());
        long now = Instant.now().getEpochSecond();
        assertThat(timensctl("attach", pid, "--offset", "+365d").status()).isZero();
        forking.say("fork");
        for (String who : List.of("parent", "child")) {
            forking.await(line -> line.contains("who=" + who + " ") && allNear(line, now + YEAR), who + " ahead");
        }
        assertThat(timensctl("detach", pid).status()).isZero();
        for (String who : List.of("parent", "child")) {
            forking.awaitFrom(forking.mark(), line -> line.contains("who=" + who + " ") && allNear(line, now),
                    who + " back");
        }
        Result again = timensctl("attach", pid, "--offset", "+730d");
        assertThat(again.status()).as(again.err()).isZero();
        for (String who : List.of("parent", "child")) {
            forking.awaitFrom(forking.mark(), line -> line.contains("who=" + who + " ")
                    && allNear(line, now + 2 * YEAR), who + " two years ahead, attached again");
        }
        assertThat(timensctl("detach", pid).status()).isZero();
        int back = forking.mark();
        for (String who : List.of("parent", "child")) {
            forking.awaitFrom(back, line -> line.contains("who=" + who + " ") && allNear(line, now), who + " back again");
        }
    }

    /**
     * A process stopped (Ctrl-Z), traced by strace, or in a namespace of
     * engine v1 (which traces it) is refused in one line, and runs on as it was.
     */
    @Test
    void aProcessStoppedOrTracedIsRefusedAndRunsOn() throws Exception {
        long now = Instant.now().getEpochSecond();
        Running loop = run(List.of(Toolchains.program("timeloop").toString()));
        String pid = Long.toString(loop.pid());
        loop.await(line -> line.startsWith("LOOP"), "a first reading");
        new ProcessBuilder("kill", "-STOP", pid).start().waitFor();
        assertRefused(timensctl("attach", pid, "--offset", "+1d"), 5, "is stopped");
        new ProcessBuilder("kill", "-CONT", pid).start().waitFor();
        loop.awaitLines(loop.mark(), lines -> lines.size() >= 4, "rounds once continued");

        String strace = Toolchains.requireOnPath("strace", "apt-get install strace").toString();
        Process tracer = new ProcessBuilder(strace, "-p", pid, "-o", "/dev/null").redirectErrorStream(true).start();
        try {
            long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000;
            while (!Files.readString(Path.of("/proc/" + pid + "/status")).contains("TracerPid:\t" + tracer.pid())
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertRefused(timensctl("attach", pid, "--offset", "+1d"), 4, "already traced by pid " + tracer.pid());
        } finally {
            tracer.destroy();
            tracer.waitFor(10, TimeUnit.SECONDS);
        }
        int mark = loop.mark();
        loop.awaitLines(mark, lines -> lines.size() >= 4, "rounds once strace let go");
        assertThat(loop.linesFrom(mark)).as("on host time, untouched").allMatch(line -> allNear(line, now));

        Running v1 = run(List.of(Toolchains.timens().toString(), "--engine", "v1", "--offset", "+365d", "--",
                Toolchains.program("timeloop").toString()));
        v1.await(line -> line.startsWith("LOOP") && allNear(line, now + YEAR), "the v1 namespace's command");
        String leader = listed("-").split("\\s+")[2];
        assertRefused(timensctl("attach", leader, "--offset", "+1d"), 4, "in the namespace of timens pid");
        mark = v1.mark();
        v1.awaitFrom(mark, line -> line.startsWith("LOOP") && allNear(line, now + YEAR), "still a year ahead");
    }

    /** A process timens started is not detached: it was never attached; the namespace goes on. */
    @Test
    void aProcessTimensStartedIsNotDetached() throws Exception {
        Running ns = run(List.of(Toolchains.timens().toString(), "--engine", "v2", "--offset", "+365d", "--",
                Toolchains.program("timeloop").toString()));
        long now = Instant.now().getEpochSecond();
        ns.await(line -> line.startsWith("LOOP") && allNear(line, now + YEAR), "the namespace's command");
        String leader = listed("-").split("\\s+")[2];
        assertRefused(timensctl("detach", leader), 5, "was started in the namespace, not attached");
        int mark = ns.mark();
        ns.awaitFrom(mark, line -> line.startsWith("LOOP") && allNear(line, now + YEAR), "still ahead");
        ns.endInput();
        assertThat(ns.process.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(ns.process.exitValue()).as(ns.describe()).isZero();
    }

    /**
     * SIGTERM to the supervisor lets the process go, as detach does; SIGKILL
     * leaves nobody to serve it, and the watchdog ends it rather than letting
     * it run on, half on host time.
     */
    @Test
    void sigtermToTheSupervisorLetsGoAndSigkillEndsTheProcess() throws Exception {
        long now = Instant.now().getEpochSecond();
        Running first = run(List.of(Toolchains.program("timeloop").toString()));
        first.await(line -> line.startsWith("LOOP"), "a first reading");
        assertThat(timensctl("attach", Long.toString(first.pid()), "--offset", "+365d", "--name", "term").status())
                .isZero();
        first.awaitFrom(first.mark(), line -> allNear(line, now + YEAR), "ahead");
        ProcessHandle.of(Long.parseLong(listed("term").split("\\s+")[1])).orElseThrow().destroy();
        first.awaitFrom(first.mark(), line -> line.contains("who=thread") && allNear(line, now), "back, by SIGTERM");
        assertThat(first.process.isAlive()).isTrue();

        Running second = run(List.of(Toolchains.program("timeloop").toString()));
        second.await(line -> line.startsWith("LOOP"), "a first reading");
        assertThat(timensctl("attach", Long.toString(second.pid()), "--offset", "+365d", "--name", "kill").status())
                .isZero();
        second.awaitFrom(second.mark(), line -> allNear(line, now + YEAR), "ahead");
        ProcessHandle.of(Long.parseLong(listed("kill").split("\\s+")[1])).orElseThrow().destroyForcibly();
        assertThat(second.process.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS)).as("the watchdog ends it").isTrue();
        assertThat(second.process.exitValue()).as("killed: %s", second.describe()).isEqualTo(128 + 9);
        assertThat(second.lines()).as("never back on host time").filteredOn(line -> line.startsWith("LOOP"))
                .last().matches(line -> allNear(line, now + YEAR));
    }

    /**
     * As an ordinary user (nobody, when the tests are root): attach and detach
     * work on one's own process; another user's is refused with status 4.
     */
    @Test
    void anOrdinaryUserAttachesOwnProcessesOnly() throws Exception {
        List<String> nobody = ClockSafety.asNobody();
        if (nobody.isEmpty()) {
            System.out.println("AttachIT: not root: the tests run as an ordinary user already; another user's"
                    + " process is not at hand");
            return;
        }
        Path ownDirectory = Files.createTempDirectory(Path.of("/tmp"), "attach-nobody");
        Files.setPosixFilePermissions(ownDirectory, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path nobodyRuntime = ownDirectory.resolve("runtime");
        List<String> asNobody = new ArrayList<>(nobody);
        asNobody.addAll(List.of("env", "XDG_RUNTIME_DIR=" + nobodyRuntime));
        List<String> command = new ArrayList<>(asNobody);
        command.addAll(List.of("sh", "-c", "mkdir -m 700 " + nobodyRuntime + " && exec " + Toolchains.program("timeloop")));
        Running own = run(command);
        own.await(line -> line.startsWith("LOOP"), "a first reading");
        // The timeloop itself, not sh: sh exec'd it.
        String pid = Long.toString(own.pid());
        long now = Instant.now().getEpochSecond();
        Result attach = run(asNobody, "attach", pid, "--offset", "+365d");
        assertThat(attach.status()).as(attach.err()).isZero();
        own.awaitFrom(own.mark(), line -> allNear(line, now + YEAR), "ahead, attached by nobody");
        Result detach = run(asNobody, "detach", pid);
        assertThat(detach.status()).as(detach.err()).isZero();
        own.awaitFrom(own.mark(), line -> line.contains("who=thread") && allNear(line, now), "back");

        Running roots = run(List.of(Toolchains.program("timeloop").toString()));
        roots.await(line -> line.startsWith("LOOP"), "a first reading");
        assertRefused(run(asNobody, "attach", Long.toString(roots.pid()), "--offset", "+1d"), 4,
                "only that user or root may attach it");
    }

    /**
     * {@code --file-times} and {@code --proc}: a shell loop, attached, prints
     * a file's mtime ({@code stat}), the uptime ({@code /proc/uptime}) and the
     * date, each moved by the namespace, and the host's again once detached.
     */
    @Test
    void fileTimesAndProcFollowAnAttachedProcess(@TempDir Path dir) throws Exception {
        Path file = Files.createFile(dir.resolve("f"));
        long mtime = Files.getLastModifiedTime(file).toInstant().getEpochSecond();
        Running loop = run(List.of("sh", "-c", "while :; do echo \"M=$(stat -c %Y " + file
                + ") U=$(cut -d. -f1 /proc/uptime)\"; sleep 0.1; done"));
        String first = loop.await(line -> line.startsWith("M="), "a first round");
        long uptime = Long.parseLong(first.replaceAll(".*U=", ""));
        Result attach = timensctl("attach", Long.toString(loop.pid()), "--offset", "+365d", "--boottime", "+1d",
                "--file-times", "--proc");
        assertThat(attach.status()).as(attach.err()).isZero();
        loop.awaitFrom(loop.mark(), line -> line.equals("M=" + (mtime + YEAR) + " U=" + line.replaceAll(".*U=", ""))
                && Long.parseLong(line.replaceAll(".*U=", "")) > uptime + 86_000, "the mtime a year and uptime a day on");
        assertThat(timensctl("detach", Long.toString(loop.pid())).status()).isZero();
        loop.awaitFrom(loop.mark(), line -> line.startsWith("M=" + mtime + " ")
                && Long.parseLong(line.replaceAll(".*U=", "")) < uptime + 600, "host times again");
    }

    /**
     * {@code attach --name} of a running namespace (engine v2): a program of
     * each kind, started natively, takes the namespace's clock while it runs,
     * follows {@code set} with the namespace's own command, is listed among its
     * processes, and goes back to host time on {@code detach} while the
     * namespace runs on; then it exits 0.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"c-dynamic", "c-static", "go", "python", "java"})
    void aRunningProgramJoinsANamedNamespaceAndLeavesIt(String kind, @TempDir Path dir) throws Exception {
        long now = Instant.now().getEpochSecond();
        Running ns = namespace("svc", Toolchains.program("timeloop").toString());
        Running program = run(loopProgram(kind, dir));
        program.await(line -> allNear(line, now), "a first reading on host time");

        Result attach = timensctl("attach", Long.toString(program.pid()), "--name", "svc");
        assertThat(attach.status()).as(attach.err()).isZero();
        assertThat(attach.err()).isEmpty();
        for (String who : program.threads()) {
            program.awaitFrom(program.mark(), line -> line.contains("who=" + who + " ") && allNear(line, now + YEAR),
                    who + " a year ahead, in the namespace");
        }
        assertThat(timensctl("list", "--json").out()).as("listed among the namespace's processes")
                .containsPattern("\"pids\":\\[[^]]*\\b" + program.pid() + "\\b");
        assertThat(timensctl("set", "svc", "--offset", "+730d").status()).isZero();
        program.awaitFrom(program.mark(), line -> line.startsWith("LOOP") && allNear(line, now + 2 * YEAR),
                "two years ahead with the namespace");
        ns.awaitFrom(ns.mark(), line -> line.startsWith("LOOP") && allNear(line, now + 2 * YEAR),
                "the namespace's own command too");

        Result detach = timensctl("detach", Long.toString(program.pid()));
        assertThat(detach.status()).as(detach.err()).isZero();
        int back = program.mark();
        for (String who : program.threads()) {
            program.awaitFrom(back, line -> line.contains("who=" + who + " ") && allNear(line, now), who + " back");
        }
        int still = ns.mark();
        ns.awaitFrom(still, line -> line.startsWith("LOOP") && allNear(line, now + 2 * YEAR), "the namespace runs on");
        assertThat(timensctl("list", "--json").out()).doesNotContainPattern("\\b" + program.pid() + "\\b");
        program.endInput();
        assertThat(program.process.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS)).as(program.describe()).isTrue();
        assertThat(program.process.exitValue()).as(program.describe()).isZero();
        assertThat(program.linesFrom(back + 4)).as("nothing ahead after the detach")
                .allMatch(line -> !line.startsWith("LOOP") || allNear(line, now));
    }

    /**
     * A process let go of a namespace that runs on keeps host time for good:
     * its raw clock calls still work once that namespace's timens is killed
     * (a helper answers its filter), and the watchdog, which kills what maps
     * the namespace's clock image, spares it. Attached again, it joins again.
     */
    @Test
    void aLeftProcessOutlivesItsNamespaceAndJoinsAgain() throws Exception {
        long now = Instant.now().getEpochSecond();
        Running ns = namespace("svc", "sleep", "600");
        Running loop = run(List.of(Toolchains.program("timeloop").toString()));
        loop.await(line -> line.startsWith("LOOP"), "a first reading");
        String pid = Long.toString(loop.pid());
        assertThat(timensctl("attach", pid, "--name", "svc").status()).isZero();
        loop.awaitFrom(loop.mark(), line -> allNear(line, now + YEAR), "ahead");
        assertThat(timensctl("detach", pid).status()).isZero();
        loop.awaitFrom(loop.mark(), line -> allNear(line, now), "back");
        Result again = timensctl("attach", pid, "--name", "svc");
        assertThat(again.status()).as(again.err()).isZero();
        loop.awaitFrom(loop.mark(), line -> line.contains("who=thread") && allNear(line, now + YEAR), "ahead again");
        assertThat(timensctl("detach", pid).status()).isZero();
        loop.awaitFrom(loop.mark(), line -> line.contains("who=thread") && allNear(line, now), "back again");

        ProcessHandle.of(Long.parseLong(listed("svc").split("\\s+")[1])).orElseThrow().destroyForcibly();
        assertThat(ns.process.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS)).isTrue();
        int after = loop.mark();
        loop.awaitLines(after, lines -> lines.size() >= 10, "ten rounds after timens was killed");
        assertThat(loop.process.isAlive()).as("spared by the watchdog").isTrue();
        long later = Instant.now().getEpochSecond();
        assertThat(loop.linesFrom(after + 2)).as("raw, libc and time() all read host time")
                .allMatch(line -> allNear(line, later - 3));
    }

    /**
     * {@code --tree}: the children a shell started before the attach come too;
     * one of them is not detached alone (its group goes together); the
     * namespace's end lets every joined process go, and they run on.
     */
    @Test
    void aTreeJoinsAndTheNamespacesEndLetsItGo() throws Exception {
        long now = Instant.now().getEpochSecond();
        Running ns = namespace("svc", "sh", "-c", "read line || :");
        // Through descriptor 3: an asynchronous list's standard input is /dev/null, and the loop would end at once.
        Running shell = run(List.of("sh", "-c", "exec 3<&0; " + Toolchains.program("timeloop-static")
                + " <&3 3<&- & exec " + Toolchains.program("timeloop") + " 3<&-"));
        shell.awaitLines(0, lines -> lines.size() >= 4, "both loops");
        long child = shell.process.children().findFirst().orElseThrow().pid();
        Result attach = timensctl("attach", Long.toString(shell.pid()), "--name", "svc", "--tree");
        assertThat(attach.status()).as(attach.err()).isZero();
        int ahead = shell.mark();
        shell.awaitLines(ahead, lines -> lines.stream().filter(l -> allNear(l, now + YEAR)).count() >= 8,
                "both ahead");
        assertThat(timensctl("list", "--json").out()).contains(Long.toString(child));
        assertRefused(timensctl("detach", Long.toString(child)), 5, "detach " + shell.pid() + " lets them all go");

        ns.endInput(); // its command ends: the namespace ends, the joined processes go back
        assertThat(ns.process.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS)).as(ns.describe()).isTrue();
        assertThat(ns.process.exitValue()).isZero();
        int back = shell.mark();
        shell.awaitLines(back, lines -> lines.size() >= 12, "both run on");
        assertThat(shell.linesFrom(back + 4)).as("host time, both").allMatch(line -> allNear(line, now));
        assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive)).contains(true);

        // Into a namespace of its own, with its tree again: both filters are taken over.
        String pid = Long.toString(shell.pid());
        Result again = timensctl("attach", pid, "--offset", "+730d", "--name", "again", "--tree");
        assertThat(again.status()).as(again.err()).isZero();
        int ahead2 = shell.mark();
        shell.awaitLines(ahead2, lines -> lines.stream().filter(l -> allNear(l, now + 2 * YEAR)).count() >= 8,
                "both two years ahead");
        assertRefused(timensctl("detach", Long.toString(child)), 5, "detach " + pid + " lets them all go");
        assertThat(timensctl("detach", pid).status()).isZero();
        int back2 = shell.mark();
        shell.awaitLines(back2, lines -> lines.size() >= 12, "both run on");
        assertThat(shell.linesFrom(back2 + 4)).as("host time again, both").allMatch(line -> allNear(line, now));
    }

    /**
     * {@code --tree} into a running namespace, whose root then ends: the child
     * taken in with it is detached by its own number and goes back to host
     * time, where before it was refused until the namespace ended (a group
     * leaves with its root). A namespace of its own that attach made ends with
     * its root, and lets the child go with it.
     */
    @Test
    void aTreeWhoseRootEndedIsDetachedByAnotherOfIts(@TempDir Path dir) throws Exception {
        long now = Instant.now().getEpochSecond();
        Running ns = namespace("svc", "sh", "-c", "read line || :");
        for (List<String> into : List.of(List.of("--name", "svc"), List.of("--offset", "+730d", "--name", "own"))) {
            boolean running = into.contains("svc");
            long ahead = running ? now + YEAR : now + 2 * YEAR;
            // The child writes to a file: what the root wrote ends with it.
            Path out = dir.resolve(running ? "svc.out" : "own.out");
            Running shell = run(List.of("sh", "-c", "exec 3<&0; " + Toolchains.program("timeloop-static")
                    + " <&3 3<&- >" + out + " & exec " + Toolchains.program("timeloop") + " 3<&-"));
            shell.awaitLines(0, lines -> lines.size() >= 2, "the root's loop");
            long child = shell.process.children().findFirst().orElseThrow().pid();
            List<String> attach = new ArrayList<>(List.of("attach", Long.toString(shell.pid())));
            attach.addAll(into);
            attach.add("--tree");
            Result attached = timensctl(attach.toArray(String[]::new));
            assertThat(attached.status()).as(attached.err()).isZero();
            awaitFile(out, lines -> lines.stream().filter(l -> allNear(l, ahead)).count() >= 4, "the child ahead");
            shell.process.toHandle().destroyForcibly(); // the root
            shell.process.toHandle().onExit().get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            if (running) {
                Result detached = timensctl("detach", Long.toString(child));
                assertThat(detached.status()).as("%s%s", detached.err(), timensctl("list").out()).isZero();
            }
            int back = Files.readAllLines(out).size();
            List<String> after = awaitFile(out, lines -> lines.size() >= back + 6, "the child runs on");
            assertThat(after.subList(back + 2, after.size())).as("host time").allMatch(line -> allNear(line, now));
            ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly);
        }
        ns.endInput();
        assertThat(ns.process.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS)).as(ns.describe()).isTrue();
    }

    /** The lines of {@code file} once {@code enough} holds for them (within the usual wait). */
    private static List<String> awaitFile(Path file, java.util.function.Predicate<List<String>> enough, String what)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000;
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
            if (enough.test(lines)) return lines;
            Thread.sleep(100);
        }
        throw new AssertionError("waited in vain for " + what + ":\n" + String.join("\n", lines));
    }

    /**
     * Joining is refused in one line, and nothing changes: a namespace of
     * engine v1 (5), clock options for a running one (2), a process in it
     * already (5); a detach while a program the process exec'd in the
     * namespace runs (5), which goes back to host time with the rest when the
     * namespace ends.
     */
    @Test
    void joiningAndLeavingAreRefusedInOneLine() throws Exception {
        long now = Instant.now().getEpochSecond();
        Running v1 = run(List.of(Toolchains.timens().toString(), "--engine", "v1", "--name", "old", "--offset", "+1d",
                "--", "sleep", "600"));
        listed("old");
        Running loop = run(List.of(Toolchains.program("timeloop").toString()));
        loop.await(line -> line.startsWith("LOOP"), "a first reading");
        String pid = Long.toString(loop.pid());
        assertRefused(timensctl("attach", pid, "--name", "old"), 5, "engine v1");
        v1.kill();

        Running ns = namespace("svc", "sh", "-c", "read line || :");
        assertRefused(timensctl("attach", pid, "--name", "svc", "--offset", "+1d"), 2, "a running namespace");
        String leader = listed("svc").split("\\s+")[2];
        assertRefused(timensctl("attach", leader, "--name", "svc"), 5, "in the namespace already");
        long watchdog = ProcessHandle.allProcesses().filter(p -> {
            try {
                return Files.readString(Path.of("/proc/" + p.pid() + "/cmdline")).startsWith("timens-exec\0watch\0");
            } catch (IOException e) {
                return false;
            }
        }).findFirst().orElseThrow().pid();
        assertRefused(timensctl("attach", Long.toString(watchdog), "--name", "svc"), 5, "timens's own helpers");
        assertRefused(timensctl("attach", Long.toString(watchdog), "--offset", "+1d"), 5, "timens's own helpers");
        assertThat(loop.linesFrom(loop.mark())).allMatch(line -> allNear(line, now));

        Running shell = run(List.of("sh", "-c", "echo ready; read line; exec " + Toolchains.program("timeloop")));
        shell.await(line -> line.equals("ready"), "the shell");
        assertThat(timensctl("attach", Long.toString(shell.pid()), "--name", "svc").status()).isZero();
        shell.say("go");
        shell.await(line -> line.startsWith("LOOP who=thread") && allNear(line, now + YEAR), "exec'd, ahead");
        assertRefused(timensctl("detach", Long.toString(shell.pid())), 5, "exec'd in the namespace");
        shell.awaitFrom(shell.mark(), line -> allNear(line, now + YEAR), "still ahead");
        ns.endInput();
        assertThat(ns.process.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS)).as(ns.describe()).isTrue();
        int back = shell.mark();
        shell.awaitLines(back, lines -> lines.size() >= 8, "runs on");
        assertThat(shell.process.isAlive()).as("the watchdog stood down").isTrue();
        assertThat(shell.linesFrom(back + 2)).as("its clock code reads host time now")
                .allMatch(line -> allNear(line, now));
    }

    // ---- helpers ----

    private static void assertRefused(Result r, int status, String says) {
        assertThat(r.status()).as(r.err()).isEqualTo(status);
        assertThat(r.err().strip()).contains(says).doesNotContain("\n");
    }

    /** Whether every number of seconds in {@code line} (a {@code =S} field) is within a minute before {@code seconds}. */
    private static boolean allNear(String line, long seconds) {
        Matcher m = SECONDS.matcher(line);
        int found = 0;
        while (m.find()) {
            long s = Long.parseLong(m.group(1));
            if (s < seconds - 5 || s > seconds + 120) return false;
            found++;
        }
        return found > 0;
    }

    private static int unusedPid() {
        for (int pid = 4_000_000; pid > 1000; pid -= 7919) {
            if (!Files.exists(Path.of("/proc/" + pid))) return pid;
        }
        throw new AssertionError("every pid tried is in use");
    }

    /** The command of a loop program of {@code kind}, which reads the clock until its input ends. */
    private static List<String> loopProgram(String kind, Path dir) throws IOException {
        return switch (kind) {
            case "c-dynamic" -> List.of(Toolchains.program("timeloop").toString());
            case "c-static" -> List.of(Toolchains.program("timeloop-static").toString());
            case "go" -> List.of(Toolchains.program("timeloop-go").toString());
            case "python" -> List.of(Toolchains.requireOnPath("python3", "Debian: python3").toString(), "-c", """
                    import sys, threading, time
                    done = threading.Event()
                    lock = threading.Lock()
                    def loop(who):
                        while not done.is_set():
                            with lock:
                                print("LOOP who=%s time=%d clock=%d" % (who, int(time.time()),
                                      int(time.clock_gettime(time.CLOCK_REALTIME))), flush=True)
                            time.sleep(0.1)
                    thread = threading.Thread(target=loop, args=("thread",))
                    thread.start()
                    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
                    loop("main")
                    thread.join()
                    """);
            case "java" -> {
                Path source = dir.resolve("Loop.java");
                Files.writeString(source, """
                        public class Loop {
                            static volatile boolean done;
                            public static void main(String[] args) throws Exception {
                                Thread input = new Thread(() -> {
                                    try {
                                        System.in.transferTo(java.io.OutputStream.nullOutputStream());
                                    } catch (java.io.IOException e) {
                                        // ends all the same
                                    }
                                    done = true;
                                });
                                input.setDaemon(true);
                                input.start();
                                Thread thread = new Thread(() -> loop("thread"));
                                thread.start();
                                loop("main");
                                thread.join();
                            }
                            static void loop(String who) {
                                while (!done) {
                                    synchronized (Loop.class) {
                                        System.out.println("LOOP who=" + who + " instant=" + java.time.Instant.now()
                                                .getEpochSecond() + " millis=" + System.currentTimeMillis() / 1000);
                                    }
                                    try {
                                        Thread.sleep(100);
                                    } catch (InterruptedException e) {
                                        return;
                                    }
                                }
                            }
                        }
                        """);
                yield List.of(Toolchains.java().toString(), source.toString());
            }
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /**
     * {@code timens --engine v2 --name NAME --offset +365d -- COMMAND}, once
     * {@code timensctl list} shows it.
     */
    private Running namespace(String name, String... command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(Toolchains.timens().toString(), "--engine", "v2", "--name", name,
                "--offset", "+365d", "--"));
        argv.addAll(Arrays.asList(command));
        Running ns = run(argv);
        listed(name);
        return ns;
    }

    private Running run(List<String> command) throws IOException {
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
        b.environment().put("XDG_RUNTIME_DIR", runtime.toString());
        Running r = new Running(b.start());
        started.add(r);
        return r;
    }

    /** The line of {@code timensctl list} whose NAME is {@code name}, once there is one. */
    private String listed(String name) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000;
        String out = "";
        while (System.nanoTime() < deadline) {
            out = timensctl("list").out();
            for (String line : out.lines().toList()) {
                if (line.split("\\s+")[0].equals(name)) return line;
            }
            Thread.sleep(100);
        }
        return fail("no namespace " + name + " listed:\n" + out);
    }

    private Result timensctl(String... args) {
        return run(List.of(), args);
    }

    /** bin/timensctl with {@code args}, run through {@code wrapper} (setpriv, env; empty: none). */
    private Result run(List<String> wrapper, String... args) {
        try {
            Path out = Files.createTempFile(runtime.getParent(), "ctl", ".out");
            Path err = Files.createTempFile(runtime.getParent(), "ctl", ".err");
            out.toFile().setReadable(true, false);
            out.toFile().setWritable(true, false);
            err.toFile().setWritable(true, false);
            List<String> argv = new ArrayList<>(wrapper);
            argv.add(Toolchains.basedir().resolve("bin/timensctl").toString());
            argv.addAll(Arrays.asList(args));
            ProcessBuilder b = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            if (wrapper.isEmpty()) b.environment().put("XDG_RUNTIME_DIR", runtime.toString());
            Process p = b.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                fail(argv + " did not finish within 60 s");
            }
            Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private record Result(int status, String out, String err) {}

    /** A program the test started natively, its output lines collected as they come. */
    private static final class Running {
        final Process process;
        private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

        Running(Process process) {
            this.process = process;
            Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) lines.add(line);
                } catch (IOException e) {
                    lines.add("(read failed: " + e + ")");
                }
            });
        }

        long pid() {
            return process.pid();
        }

        int mark() {
            return lines.size();
        }

        List<String> lines() {
            synchronized (lines) {
                return new ArrayList<>(lines);
            }
        }

        List<String> linesFrom(int from) {
            List<String> all = lines();
            return all.subList(Math.min(from, all.size()), all.size());
        }

        /** The names of the threads the loop programs print (who=...). */
        List<String> threads() {
            return lines().stream().filter(l -> l.startsWith("LOOP who=")).map(l -> l.split("[= ]")[2]).distinct()
                    .toList();
        }

        String await(Predicate<String> wanted, String what) throws InterruptedException {
            return awaitFrom(0, wanted, what);
        }

        String awaitFrom(int from, Predicate<String> wanted, String what) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000;
            while (System.nanoTime() < deadline) {
                for (String line : linesFrom(from)) if (wanted.test(line)) return line;
                Thread.sleep(20);
            }
            return fail("waited in vain for " + what + ":\n" + describe());
        }

        void awaitLines(int from, Predicate<List<String>> wanted, String what)
                throws InterruptedException {
            long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000;
            while (System.nanoTime() < deadline) {
                if (wanted.test(linesFrom(from))) return;
                Thread.sleep(20);
            }
            fail("waited in vain for " + what + ":\n" + describe());
        }

        void say(String line) throws IOException {
            process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        }

        void endInput() throws IOException {
            process.getOutputStream().close();
        }

        String describe() {
            List<String> all = lines();
            return String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size()));
        }

        void kill() throws InterruptedException {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
