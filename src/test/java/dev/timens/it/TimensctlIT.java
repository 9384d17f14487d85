package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Live namespaces (issue 13): {@code timens --name}, the control socket every
 * running timens serves, {@code timensctl list} and {@code timensctl set}, end to
 * end with bin/timens and bin/timensctl. Each test has a control directory of its
 * own ({@code XDG_RUNTIME_DIR} in a temporary directory), so that it sees only
 * its own namespaces. The host clock is never stepped ({@link HostClock}).
 */
@Tag("e2e")
class TimensctlIT {
    /** 2040-01-01T00:00:00Z. */
    private static final long Y2040 = 2_208_988_800L;
    /** Generous: a JVM start, a trace, a wake-up on a busy two-core machine. */
    private static final long WAIT_MILLIS = 30_000;

    @TempDir
    Path runtime;

    private HostClock host;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void snapshotHostClock() throws IOException {
        host = HostClock.snapshot();
        // Reachable by nobody: the permission test links a socket into nobody's own directory here.
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void endNamespacesAndCheckHostClock() throws InterruptedException {
        for (Process p : started) {
            p.destroy(); // SIGTERM: timens forwards it to its command
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        host.assertNotStepped();
    }

    @ParameterizedTest(name = "engine {0}")
    @ValueSource(strings = {"v1", "v2"})
    void setAtMovesTheRunningClockAsAStep(String engine) throws Exception {
        String name = "loop-" + engine;
        Namespace ns = start("--engine", engine, "--name", name, "--at", "2030-01-01T00:00:00Z", "--",
                "sh", "-c", Toolchains.program("timerprobe") + " abs-nanosleep REALTIME 3600 & "
                        + "while :; do echo now=$(date +%s); sleep 0.2; done");
        ns.awaitOutput(line -> line.startsWith("now=1893"));
        String listed = awaitListed(name);
        assertThat(listed.split("\\s+")[0]).isEqualTo(name);
        assertThat(listed).contains(" 2030-01-01T").contains(" sh -c ");

        Result set = timensctl("set", name, "--at", "2040-01-01T00:00:00Z");
        assertThat(set.status()).as(set.err()).isZero();
        assertThat(set.err()).isEmpty();
        // The loop's time jumps; the sleep on an absolute deadline an hour ahead of
        // 2030 is long past in 2040, and ends as on a real clock step.
        ns.awaitOutput(line -> line.startsWith("now=") && Long.parseLong(line.substring(4)) >= Y2040);
        String timer = ns.awaitOutput(line -> line.startsWith("TIMER "));
        assertThat(timer).contains("mode=abs-nanosleep", "clock=REALTIME", "result=OK");
        assertThat(awaitListed(name)).contains(" 2040-01-01T");
    }

    /**
     * A namespace started with {@code --name} and {@code --rate} (1 here) takes
     * any other rate while it runs, and the sleeps, timeouts and timers already
     * running are scaled anew: each still ends when its own clock has advanced
     * by what it asked, never earlier. Left as they were armed, these 60-second
     * waits of rate 1 would take 60 host seconds (past {@link #WAIT_MILLIS}),
     * with the clocks, at 20 then 4, far past their end; scaled for 20 and not
     * again for 4, they would end early.
     */
    @ParameterizedTest(name = "engine {0}")
    @ValueSource(strings = {"v1", "v2"})
    void aRateChangeScalesTheWaitsAndTimersAlreadyRunning(String engine) throws Exception {
        String probe = Toolchains.program("timerprobe").toString();
        Map<String, String> modes = new java.util.LinkedHashMap<>();
        modes.put("rel-nanosleep MONOTONIC", "OK");
        modes.put("poll-timeout", "ETIMEDOUT");
        modes.put("select-timeout", "ETIMEDOUT");
        modes.put("epoll-timeout", "ETIMEDOUT");
        modes.put("rel-timerfd BOOTTIME", "OK");
        modes.put("abs-timerfd MONOTONIC", "OK");
        modes.put("rel-timer REALTIME", "OK");
        modes.put("itimer", "OK");
        modes.put("cond-monotonic", "ETIMEDOUT");
        StringBuilder script = new StringBuilder();
        for (String mode : modes.keySet()) script.append(probe).append(' ').append(mode).append(" 60 & ");
        String name = "rates-" + engine;
        Namespace ns = start("--engine", engine, "--name", name, "--rate", "1", "--", "sh", "-c",
                script + "echo started; wait; echo ended");
        ns.awaitOutput(line -> line.equals("started"));
        awaitListed(name);
        Thread.sleep(500); // most waits armed: one armed after a change is scaled for the new rate as it starts
        Result faster = timensctl("set", name, "--rate", "20");
        assertThat(faster.status()).as(faster.err()).isZero();
        Thread.sleep(1000);
        Result slower = timensctl("set", name, "--rate", "4");
        assertThat(slower.status()).as(slower.err()).isZero();
        assertThat(awaitListed(name).split("\\s+")[7]).isEqualTo("4");
        for (Map.Entry<String, String> mode : modes.entrySet()) {
            String kind = mode.getKey().split(" ")[0];
            String line = ns.awaitOutput(l -> l.startsWith("TIMER mode=" + kind + " "));
            assertThat(line).contains("result=" + mode.getValue());
            Matcher elapsed = Pattern.compile("elapsed=([0-9.]+)").matcher(line);
            assertThat(elapsed.find()).as(line).isTrue();
            // At 4, a quarter of a second late is one second of the namespace's.
            assertThat(Double.parseDouble(elapsed.group(1))).as(line).isBetween(60.0, 80.0);
        }
        ns.awaitOutput(line -> line.equals("ended"));
    }

    /**
     * A wait stopped and continued (SIGSTOP, SIGCONT) goes on in restart_syscall
     * towards the host deadline the kernel saved; a rate change reaches it there
     * too. Left there, these 60-second waits would end 60 host seconds after
     * they began, past {@link #WAIT_MILLIS}.
     */
    @Test
    void aRateChangeReachesWaitsTheKernelContinuesAfterAStop() throws Exception {
        String probe = Toolchains.program("timerprobe").toString();
        Namespace ns = start("--name", "stopped", "--rate", "1", "--", "sh", "-c",
                probe + " rel-nanosleep MONOTONIC 60 & a=$!; " + probe + " poll-timeout 60 & b=$!; "
                        + "sleep 1; kill -STOP $a $b; sleep 0.5; kill -CONT $a $b; echo continued; wait");
        ns.awaitOutput(line -> line.equals("continued"));
        awaitListed("stopped");
        Result faster = timensctl("set", "stopped", "--rate", "30");
        assertThat(faster.status()).as(faster.err()).isZero();
        for (String mode : List.of("rel-nanosleep", "poll-timeout")) {
            String line = ns.awaitOutput(l -> l.startsWith("TIMER mode=" + mode + " "));
            Matcher elapsed = Pattern.compile("elapsed=([0-9.]+)").matcher(line);
            assertThat(elapsed.find()).as(line).isTrue();
            assertThat(Double.parseDouble(elapsed.group(1))).as(line).isBetween(60.0, 90.0);
        }
    }

    /** The same for Go's time.Sleep (futex or epoll_pwait timeouts) and Java's Thread.sleep (absolute futex waits). */
    @Test
    void aRateChangeScalesGoAndJavaSleepsAlreadyRunning() throws Exception {
        String go = Toolchains.program("timerprobe-go").toString();
        String java = Toolchains.java() + " -cp " + Toolchains.javaClasses("TimerProbe") + " TimerProbe";
        Namespace ns = start("--name", "langs", "--rate", "1", "--", "sh", "-c",
                go + " sleep 30 & " + java + " sleep 30 & echo started; wait");
        ns.awaitOutput(line -> line.equals("started"));
        awaitListed("langs");
        Thread.sleep(3000); // the JVM started and sleeping
        Result faster = timensctl("set", "langs", "--rate", "10");
        assertThat(faster.status()).as(faster.err()).isZero();
        for (String lang : List.of("go", "java")) {
            String line = ns.awaitOutput(l -> l.startsWith("TIMER ") && l.contains(" lang=" + lang));
            Matcher elapsed = Pattern.compile("elapsed=([0-9.]+)").matcher(line);
            assertThat(elapsed.find()).as(line).isTrue();
            assertThat(Double.parseDouble(elapsed.group(1))).as(line).isBetween(30.0, 45.0);
            assertThat(line).contains("result=OK");
        }
    }

    /** Without --rate at the start, sleeps are not scaled: only 1 and frozen, and the refusal says how. */
    @Test
    void aNamespaceStartedWithoutRateRefusesOtherRatesAndSaysHow() throws Exception {
        start("--name", "plain", "--", "sleep", "60");
        awaitListed("plain");
        Result rate = timensctl("set", "plain", "--rate", "60");
        assertThat(rate.status()).isEqualTo(5);
        assertThat(rate.err().strip()).startsWith("timensctl: the rate of this namespace can only go from 1 to"
                + " frozen and back (it runs at 1)").contains("--name and --rate").doesNotContain("\n");
        assertThat(awaitListed("plain").split("\\s+")[7]).isEqualTo("1");
    }

    @Test
    void monotonicMovesForwardOnlyAndSetFindsTheNamespaceByAnyPid() throws Exception {
        Namespace ns = start("--name", "mono", "--", "sh", "-c",
                Toolchains.program("timerprobe") + " abs-nanosleep MONOTONIC 3600 & echo child=$!; wait $!; sleep 60");
        String child = ns.awaitOutput(line -> line.startsWith("child=")).substring("child=".length());
        awaitListed("mono");
        double before = clock(awaitListed("mono"), 5) - System.nanoTime() / 1e9;
        assertThat(before).as("MONOTONIC starts as the host's").isBetween(-5.0, 5.0);

        Result back = timensctl("set", child, "--monotonic", "-1h");
        assertThat(back.status()).isEqualTo(5);
        assertThat(back.err().strip()).startsWith("timensctl: CLOCK_MONOTONIC only moves forward").doesNotContain("\n");
        assertThat(clock(awaitListed("mono"), 5) - System.nanoTime() / 1e9).as("nothing changed").isBetween(-5.0, 5.0);

        // By the pid of the command's child, not the name: the same namespace.
        Result forward = timensctl("set", child, "--monotonic", "+2h");
        assertThat(forward.status()).as(forward.err()).isZero();
        String timer = ns.awaitOutput(line -> line.startsWith("TIMER "));
        assertThat(timer).contains("mode=abs-nanosleep", "clock=MONOTONIC", "result=OK");
        String listed = awaitListed("mono");
        assertThat(clock(listed, 5) - System.nanoTime() / 1e9).isBetween(7200.0 - 5, 7200.0 + 60);
        assertThat(clock(listed, 6) - uptime()).as("BOOTTIME did not move").isBetween(-5.0, 5.0);
        assertThat(timensctl("set", "999999999", "--at", "2040-01-01").status()).as("no such pid").isEqualTo(3);
    }

    @Test
    void absoluteTimersFollowMovesAndKeepTheClocksFromTickingAgainWhileFrozen() throws Exception {
        String probe = Toolchains.program("timerprobe").toString();
        Namespace ns = start("--name", "timers", "--", "sh", "-c", probe + " abs-timerfd MONOTONIC 3600 & "
                + probe + " abs-timer BOOTTIME 3600 & echo started; wait; sleep 60");
        ns.awaitOutput(line -> line.equals("started"));
        awaitListed("timers");
        Thread.sleep(500); // both armed (a timer armed after a move would wait its hour: the test fails, it cannot pass wrongly)

        assertThat(timensctl("set", "timers", "--freeze").status()).isZero();
        Result unfreeze = timensctl("set", "timers", "--unfreeze");
        assertThat(unfreeze.status()).isEqualTo(5);
        assertThat(unfreeze.err().strip()).contains("timer is armed on an absolute deadline").doesNotContain("\n");
        assertThat(awaitListed("timers").split("\\s+")[7]).isEqualTo("frozen");

        // Frozen or not, a move forward brings each absolute timer on that clock nearer by as much.
        assertThat(timensctl("set", "timers", "--monotonic", "+2h").status()).isZero();
        assertThat(ns.awaitOutput(line -> line.startsWith("TIMER mode=abs-timerfd"))).contains("clock=MONOTONIC", "result=OK");
        assertThat(timensctl("set", "timers", "--boottime", "+2h").status()).isZero();
        assertThat(ns.awaitOutput(line -> line.startsWith("TIMER mode=abs-timer "))).contains("clock=BOOTTIME", "result=OK");

        Result again = timensctl("set", "timers", "--unfreeze");
        assertThat(again.status()).as(again.err()).isZero();
        assertThat(awaitListed("timers").split("\\s+")[7]).isEqualTo("1");
    }

    @Test
    void freezeStopsTheClocksAndUnfreezeGoesOnWithoutAJump() throws Exception {
        Namespace ns = start("--name", "fz", "--", "sh", "-c", "while :; do echo now=$(date +%s.%N); sleep 0.2; done");
        ns.awaitOutput(line -> line.startsWith("now="));
        awaitListed("fz");
        assertThat(timensctl("set", "fz", "--freeze").status()).isZero();
        Thread.sleep(500); // a date started before the freeze may still print
        int frozenFrom = ns.lines().size();
        Thread.sleep(6000);
        List<String> frozen = ns.lines().subList(frozenFrom, ns.lines().size());
        assertThat(frozen).hasSizeGreaterThan(3);
        assertThat(new java.util.HashSet<>(frozen)).as("the clocks stand still").hasSize(1);
        double stoppedAt = Double.parseDouble(frozen.getFirst().substring(4));

        Result rate = timensctl("set", "fz", "--rate", "60");
        assertThat(rate.status()).isEqualTo(5);
        assertThat(rate.err().strip()).startsWith("timensctl: the rate of this namespace can only go from 1 to"
                + " frozen and back (it is frozen)").doesNotContain("\n");

        assertThat(timensctl("set", "fz", "--unfreeze").status()).isZero();
        int unfrozenFrom = ns.lines().size();
        String next = ns.awaitOutput(unfrozenFrom, line -> !line.equals(frozen.getFirst()));
        // Six seconds stood still: going on from there, not from the host's time.
        assertThat(Double.parseDouble(next.substring(4)) - stoppedAt).isBetween(0.0, 5.0);

        assertThat(timensctl("set", "fz", "--offset", "+1d").status()).isZero();
        double host = System.currentTimeMillis() / 1000.0;
        String shifted = ns.awaitOutput(unfrozenFrom, line -> Double.parseDouble(line.substring(4)) > host + 86400 - 60);
        assertThat(Double.parseDouble(shifted.substring(4)) - host).isBetween(86400.0 - 60, 86400.0 + 60);
    }

    @Test
    void aNameIsCheckedAndHeldByOneNamespace() throws Exception {
        Result invalid = timens("--name", "a/b", "--", "true");
        assertThat(invalid.status()).isEqualTo(2);
        assertThat(invalid.err().strip()).startsWith("timens: invalid --name 'a/b'").doesNotContain("\n");

        start("--name", "taken", "--", "sleep", "60");
        awaitListed("taken");
        Path marker = runtime.resolve("marker");
        Result second = timens("--name", "taken", "--", "touch", marker.toString());
        assertThat(second.status()).isEqualTo(123);
        assertThat(second.err().strip()).startsWith("timens: the name 'taken' is in use").doesNotContain("\n");
        assertThat(marker).as("nothing was started").doesNotExist();
        assertThat(timensctl("set", "nosuch", "--freeze").status()).isEqualTo(3);
    }

    @Test
    void aKilledTimensLeavesAStaleSocketThatIsRemovedAndNeverTrusted() throws Exception {
        Namespace ns = start("--name", "doomed", "--", "sleep", "60");
        awaitListed("doomed");
        Path dir = runtime.resolve("timens");
        Path socket = dir.resolve(ns.process.pid() + ".sock");
        assertThat(socket).exists();
        ns.process.destroyForcibly().waitFor(); // SIGKILL: no clean-up
        assertThat(socket).exists();
        assertThat(dir.resolve("doomed.name")).isSymbolicLink();
        // And one whose file was bound but nobody listens on any more.
        Path ghost = dir.resolve("999999999.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(ghost));
        }
        Files.createSymbolicLink(dir.resolve("ghost.name"), ghost.getFileName());

        Result list = timensctl("list");
        assertThat(list.status()).isZero();
        assertThat(list.out().lines().skip(1)).isEmpty();
        assertThat(socket).doesNotExist();
        assertThat(ghost).doesNotExist();
        assertThat(dir.resolve("doomed.name")).doesNotExist();
        assertThat(dir.resolve("ghost.name")).doesNotExist();
        // The name is free again.
        start("--name", "doomed", "--", "sleep", "60");
        awaitListed("doomed");
    }

    @Test
    void anotherUserIsRefused() throws Exception {
        List<String> nobody = ClockSafety.asNobody();
        if (nobody.isEmpty()) {
            Toolchains.unavailable("the other-user test runs as root (it runs timensctl as nobody)");
        }
        Namespace ns = start("--name", "mine", "--", "sleep", "60");
        awaitListed("mine");
        // nobody's own control directory, holding a link to this namespace's socket:
        // nobody can reach the socket, so only the namespace's SO_PEERCRED check stops it.
        Path theirs = runtime.resolve("nobody");
        Files.createDirectories(theirs.resolve("timens"));
        Path socket = runtime.resolve("timens").resolve(ns.process.pid() + ".sock");
        Path link = theirs.resolve("timens").resolve(ns.process.pid() + ".sock");
        Files.createLink(link, socket);
        Files.setPosixFilePermissions(link, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(theirs.resolve("timens"), PosixFilePermissions.fromString("rwx------"));
        for (Path p : List.of(theirs, theirs.resolve("timens"))) {
            Files.setAttribute(p, "unix:uid", 65534, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }
        List<String> argv = new ArrayList<>(nobody);
        argv.addAll(List.of("env", "XDG_RUNTIME_DIR=" + theirs, Toolchains.basedir().resolve("bin/timensctl").toString()));
        Result set = run(argv, "set", ns.process.pid() + "", "--at", "2040-01-01");
        assertThat(set.status()).as(set.err()).isEqualTo(4);
        assertThat(set.err().strip()).startsWith("timensctl: ").contains("refused this user").doesNotContain("\n");
        Result list = run(argv, "list");
        assertThat(list.status()).isEqualTo(4);
        Result exec = run(argv, "exec", ns.process.pid() + "", "true");
        assertThat(exec.status()).as(exec.err()).isEqualTo(4);
        assertThat(awaitListed("mine")).doesNotContain("2040");
    }

    @Test
    void anUnsafeControlDirectoryIsRefused() throws Exception {
        Path dir = runtime.resolve("timens");
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
        Path marker = runtime.resolve("marker");
        Result timens = timens("--", "touch", marker.toString());
        assertThat(timens.status()).isEqualTo(122);
        assertThat(timens.err().strip()).startsWith("timens: refusing to use the control directory " + dir)
                .contains("mode 0750").doesNotContain("\n");
        assertThat(marker).doesNotExist();
        Result list = timensctl("list");
        assertThat(list.status()).isEqualTo(4);
        assertThat(list.err().strip()).startsWith("timensctl: refusing to use the control directory");
    }

    // ---- helpers ------------------------------------------------------------------------------

    /**
     * {@code list --spec} prints options that give the namespace's CLOCK_REALTIME
     * anywhere: a namespace at rate 60 gives a date, an anchor and the rate; the
     * named namespace's clock (read through {@code list --json}) and a new timens
     * run with those options both follow that one function of host time.
     */
    @Test
    void listSpecGivesTheSameClockToAnotherTimens() throws Exception {
        start("--name", "fleet", "--at", "2030-01-01T00:00:00Z", "--rate", "60", "--", "sleep", "60000");
        awaitListed("fleet");
        Result spec = timensctl("list", "--spec");
        assertThat(spec.status()).as(spec.err()).isZero();
        String line = spec.out().lines().filter(l -> l.startsWith("fleet ")).findFirst().orElseThrow();
        Matcher m = Pattern.compile("--at @1893456000\\.000000000 --anchor @([0-9]+)\\.([0-9]{9}) --rate 60$").matcher(line);
        assertThat(m.find()).as(line).isTrue();
        long anchor = Long.parseLong(m.group(1)) * 1_000_000_000L + Long.parseLong(m.group(2));
        // The clock: 2030-01-01 at the anchor, then 60 s per host second.
        java.util.function.LongUnaryOperator clock = host -> 1_893_456_000_000_000_000L + 60 * (host - anchor);

        long before = hostNanos();
        Result listed = timensctl("list", "--json");
        long after = hostNanos();
        Matcher r = Pattern.compile("\"name\":\"fleet\".*?\"realtime_ns\":([0-9]+)").matcher(listed.out());
        assertThat(r.find()).as(listed.out()).isTrue();
        assertThat(Long.parseLong(r.group(1))).isBetween(clock.applyAsLong(before), clock.applyAsLong(after));
        assertThat(listed.out()).contains("\"spec\":\"" + line.substring(line.indexOf("--at")) + "\"");

        List<String> options = Arrays.asList(line.substring(line.indexOf("--at")).split(" "));
        List<String> args = new ArrayList<>(options);
        args.addAll(List.of("--", "date", "+%s%N"));
        before = hostNanos();
        Result elsewhere = timens(args.toArray(String[]::new));
        after = hostNanos();
        assertThat(elsewhere.status()).as(elsewhere.err()).isZero();
        assertThat(Long.parseLong(elsewhere.out().trim())).isBetween(clock.applyAsLong(before), clock.applyAsLong(after));
    }

    /** At rate 1 the spec is an offset, exact to the nanosecond; frozen, the date alone. */
    @Test
    void listSpecOfAnOffsetAndOfFrozenClocks() throws Exception {
        start("--name", "behind", "--offset", "-2d", "--", "sleep", "600");
        start("--name", "still", "--at", "@1700000000.5", "--freeze", "--", "sleep", "600");
        awaitListed("behind");
        awaitListed("still");
        Result spec = timensctl("list", "--spec");
        assertThat(spec.out().lines().toList()).as(spec.err())
                .anySatisfy(l -> assertThat(l).startsWith("behind ").endsWith(" --offset -172800.000000000"))
                .anySatisfy(l -> assertThat(l).startsWith("still ").endsWith(" --at @1700000000.500000000 --freeze"));
        Result both = timensctl("list", "--spec", "--json");
        assertThat(both.status()).isEqualTo(2);
        assertThat(both.err().lines().toList()).singleElement().asString().contains("exclude each other");
    }

    /**
     * {@code --anchor}: the date holds at that host instant, not at timens's
     * start; bad combinations are one line, status 2, and start nothing.
     */
    @Test
    void anchorPutsTheDateAtAHostInstant() {
        long anchor = (hostNanos() / 1_000_000_000L - 3600) * 1_000_000_000L; // an hour ago, whole seconds
        long before = hostNanos();
        Result run = timens("--at", "2030-01-01T00:00:00Z", "--anchor", "@" + anchor / 1_000_000_000L, "--rate", "2",
                "--", "date", "+%s%N");
        long after = hostNanos();
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(Long.parseLong(run.out().trim()))
                .isBetween(1_893_456_000_000_000_000L + 2 * (before - anchor), 1_893_456_000_000_000_000L + 2 * (after - anchor));
        for (List<String> bad : List.of(List.of("--offset", "1d", "--anchor", "@0"),
                List.of("--anchor", "@0"),
                List.of("--at", "2030-01-01", "--freeze", "--anchor", "@0"),
                List.of("--at", "2030-01-01", "--rate", "100", "--anchor", "1990-01-01"),
                List.of("--at", "2030-01-01", "--anchor", "yesterday"))) {
            List<String> args = new ArrayList<>(bad);
            args.addAll(List.of("--", "touch", runtime.resolve("started").toString()));
            Result refused = timens(args.toArray(String[]::new));
            assertThat(refused.status()).as(bad + ": " + refused.err()).isEqualTo(2);
            assertThat(refused.err().lines().toList()).as(bad.toString()).singleElement().asString()
                    .startsWith("timens: ");
            assertThat(runtime.resolve("started")).doesNotExist();
        }
    }

    /**
     * A --realtime-only namespace takes any rate while it runs, since nothing
     * relative is scaled there: CLOCK_REALTIME runs ten times as fast, then
     * stands still, then runs at half speed, while a one-second sleep inside
     * keeps taking a real second.
     */
    @Test
    void aRealtimeOnlyNamespaceTakesAnyRate() throws Exception {
        Namespace ns = start("--name", "rt", "--realtime-only", "--at", "2030-01-01T00:00:00Z", "--", "sh", "-c",
                "while :; do s=$(cut -d' ' -f1 /proc/uptime); sleep 1; echo slept $s $(cut -d' ' -f1 /proc/uptime); done");
        awaitListed("rt");
        for (String[] step : new String[][] {{"--rate", "10", "10"}, {"--freeze", null, "0"}, {"--rate", "0.5", "0.5"}}) {
            Result set = step[1] == null ? timensctl("set", "rt", step[0]) : timensctl("set", "rt", step[0], step[1]);
            assertThat(set.status()).as(step[0] + ": " + set.err()).isZero();
            double rate = Double.parseDouble(step[2]);
            // Each reading is made somewhere between the host times around it.
            long t0 = hostNanos();
            long before = realtimeOf("rt");
            long t1 = hostNanos();
            Thread.sleep(1000);
            long t2 = hostNanos();
            long after = realtimeOf("rt");
            long t3 = hostNanos();
            assertThat((double) (after - before)).as("after " + step[0])
                    .isBetween(rate * (t2 - t1) * 0.98, rate * (t3 - t0) * 1.02);
        }
        int from = ns.lines().size();
        String slept = ns.awaitOutput(from, line -> line.startsWith("slept "));
        String[] uptimes = slept.split(" ");
        assertThat(Double.parseDouble(uptimes[2]) - Double.parseDouble(uptimes[1])).as(slept).isBetween(0.9, 3.0);
    }

    /** CLOCK_REALTIME of namespace {@code name} now, from {@code timensctl list --json}. */
    private long realtimeOf(String name) {
        Result listed = timensctl("list", "--json");
        Matcher r = Pattern.compile("\"name\":\"" + name + "\".*?\"realtime_ns\":([0-9]+)").matcher(listed.out());
        assertThat(r.find()).as(listed.out()).isTrue();
        return Long.parseLong(r.group(1));
    }

    /** The host's CLOCK_REALTIME in nanoseconds. */
    /** Each language's clocks in a process that {@code timensctl exec} started in a running namespace. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.timens.it.ClockProgramsIT#subjects")
    void execRunsAProgramOnTheNamespacesClocks(ClockProgramsIT.Subject subject) throws Exception {
        List<String> command = subject.command().get(); // skips (fails on CI) without the toolchain
        double hostStart = System.currentTimeMillis() / 1000.0;
        start("--name", "joined", "--at", "2038-01-19T03:14:00Z", "--", "sleep", "120");
        awaitListed("joined");
        HostClock.Reading before = HostClock.read();
        List<String> args = new ArrayList<>(List.of("exec", "joined"));
        args.addAll(command);
        Result r = timensctl(args.toArray(String[]::new));
        HostClock.Reading after = HostClock.read();
        assertThat(r.status()).as(r.err()).isZero();
        Probe probe = subject.parser().apply(new TimensRunner.Result(command, r.status(), r.out(), r.err(),
                java.time.Duration.ZERO, before, after));
        double ceiling = ClockProgramsIT.Y2038 + 1 + (System.currentTimeMillis() / 1000.0 - hostStart);
        for (String key : subject.keys().get(HostClock.ClockGroup.REALTIME)) {
            assertThat(probe.decimal(key).doubleValue()).as(key + " in " + probe.line())
                    .isBetween((double) ClockProgramsIT.Y2038, ceiling);
        }
    }

    @Test
    void execPassesStandardInputWorkingDirectoryEnvironmentAndExitStatus() throws Exception {
        start("--name", "io", "--", "sleep", "120");
        awaitListed("io");
        Path input = Files.writeString(runtime.resolve("input.txt"), "through stdin\n");
        Path dir = Files.createDirectories(runtime.resolve("work dir"));
        ProcessBuilder b = new ProcessBuilder(Toolchains.basedir().resolve("bin/timensctl").toString(), "exec", "io",
                "sh", "-c", "cat; pwd; echo \"var=$JOINED_VAR\"; echo to-stderr >&2; exit 7")
                .directory(dir.toFile()).redirectInput(input.toFile());
        b.environment().put("XDG_RUNTIME_DIR", runtime.toString());
        b.environment().put("JOINED_VAR", "x y");
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(err).isEqualTo(7);
        assertThat(out).isEqualTo("through stdin\n" + dir.toRealPath() + "\nvar=x y\n");
        assertThat(err).isEqualTo("to-stderr\n");

        Result delimited = timensctl("exec", "io", "--", "sh", "-c", "exit 4");
        assertThat(delimited.status()).as(delimited.err()).isEqualTo(4);
        Result killed = timensctl("exec", "io", "sh", "-c", "kill -TERM $$");
        assertThat(killed.status()).as("128 + SIGTERM").isEqualTo(143);
        // kill 0: the joined command's own process group, not the namespace's door.
        Result group = timensctl("exec", "io", "sh", "-c", "sleep 30 & kill 0; wait");
        assertThat(group.status()).as(group.err()).isEqualTo(143);
        Result after = timensctl("exec", "io", "sh", "-c", "exit 9");
        assertThat(after.status()).as("the door still opens: " + after.err()).isEqualTo(9);
        Result missing = timensctl("exec", "io", "no-such-command-here");
        assertThat(missing.status()).isEqualTo(127);
        assertThat(missing.err().strip()).startsWith("timensctl: ").contains("no-such-command-here")
                .doesNotContain("\n");
        Path notExecutable = Files.writeString(runtime.resolve("plain.txt"), "x");
        assertThat(timensctl("exec", "io", notExecutable.toString()).status()).isEqualTo(126);
        Result noNamespace = timensctl("exec", "nothing-by-this-name", "true");
        assertThat(noNamespace.status()).isEqualTo(3);
        assertThat(noNamespace.err().strip()).startsWith("timensctl: ").doesNotContain("\n");
        assertThat(timensctl("exec", "io").status()).as("no command").isEqualTo(2);
    }

    /** An ordinary user runs a namespace and joins it (its control directory is then /tmp/timens-65534). */
    @Test
    void execWorksForAnOrdinaryUser() throws Exception {
        List<String> nobody = ClockSafety.asNobody();
        if (nobody.isEmpty()) Toolchains.unavailable("the nobody test runs as root (it drops to nobody with setpriv)");
        String name = "nobody-" + ProcessHandle.current().pid();
        List<String> argv = new ArrayList<>(nobody);
        argv.addAll(List.of(Toolchains.timens().toString(), "--name", name, "--at", "2030-01-01T00:00:00Z", "--",
                "sleep", "120"));
        Path output = Files.createTempFile(runtime, "nobody", ".txt");
        ProcessBuilder b = new ProcessBuilder(argv).redirectOutput(output.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        b.environment().put("XDG_RUNTIME_DIR", runtime.toString()); // root's: nobody falls back to /tmp
        started.add(b.start());
        List<String> ctl = new ArrayList<>(nobody);
        ctl.add(Toolchains.basedir().resolve("bin/timensctl").toString());
        long end = System.currentTimeMillis() + WAIT_MILLIS;
        Result r;
        do {
            r = run(ctl, "exec", name, "sh", "-c", "id -u; date +%Y");
            if (r.status() != 3) break; // 3: not listening yet
            Thread.sleep(100);
        } while (System.currentTimeMillis() < end);
        assertThat(r.status()).as(r.err() + Files.readString(output)).isZero();
        assertThat(r.out()).isEqualTo("65534\n2030\n");
    }

    @Test
    void execPassesSignalsOnAndAHangUpWhenTimensctlDies() throws Exception {
        start("--name", "sig", "--", "sleep", "120");
        awaitListed("sig");
        Path marks = runtime.resolve("marks.txt");
        Namespace interrupted = execInBackground("sig", "trap 'echo int >> " + marks + "; exit 3' INT; echo ready;"
                + " while :; do sleep 0.1; done");
        interrupted.awaitOutput(line -> line.equals("ready"));
        new ProcessBuilder("kill", "-INT", Long.toString(interrupted.process.pid())).start().waitFor();
        assertThat(interrupted.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(interrupted.process.exitValue()).isEqualTo(3);
        assertThat(Files.readString(marks)).isEqualTo("int\n");

        Namespace orphaned = execInBackground("sig", "trap 'echo hup >> " + marks + "; exit 0' HUP; echo ready;"
                + " while :; do sleep 0.1; done");
        orphaned.awaitOutput(line -> line.equals("ready"));
        orphaned.process.destroyForcibly().waitFor();
        long end = System.currentTimeMillis() + WAIT_MILLIS;
        while (!Files.readString(marks).contains("hup") && System.currentTimeMillis() < end) Thread.sleep(50);
        assertThat(Files.readString(marks)).isEqualTo("int\nhup\n");
    }

    @Test
    void aJoinedProcessFollowsSetAndItsClockChangesStayInTheNamespace() throws Exception {
        start("--name", "follow", "--at", "2030-01-01T00:00:00Z", "--", "sleep", "120");
        awaitListed("follow");
        Namespace loop = execInBackground("follow", "while :; do echo now=$(date +%s); sleep 0.2; done");
        loop.awaitOutput(line -> line.startsWith("now=1893"));
        Result set = timensctl("set", "follow", "--at", "2040-01-01T00:00:00Z");
        assertThat(set.status()).as(set.err()).isZero();
        loop.awaitOutput(line -> line.startsWith("now=") && Long.parseLong(line.substring(4)) >= Y2040);

        // A joined process setting the clock moves the namespace's (its user is
        // root or not); the host clock does not move (checked after each test).
        Result date = timensctl("exec", "follow", Toolchains.program("setclock").toString(), "settimeofday=2050000000");
        assertThat(date.status()).as(date.out() + date.err()).isZero();
        assertThat(awaitListed("follow")).contains(" 2034-12-17T");
    }

    @Test
    void aNamespaceWhoseCommandHasEndedTakesNoNewProcesses() throws Exception {
        Namespace ns = start("--name", "ending", "--", "sh", "-c", "setsid sleep 20 & echo started; exit 0");
        ns.awaitOutput(line -> line.equals("started"));
        long end = System.currentTimeMillis() + WAIT_MILLIS;
        Result r;
        do {
            r = timensctl("exec", "ending", "true");
            if (r.status() != 0) break;
            Thread.sleep(100);
        } while (System.currentTimeMillis() < end);
        assertThat(r.status()).as(r.err()).isEqualTo(5);
        assertThat(r.err().strip()).startsWith("timensctl: ").contains("takes no new processes").doesNotContain("\n");
    }

    /** {@code timensctl exec NAME sh -c SCRIPT}, running in the background, its output in a file. */
    private Namespace execInBackground(String name, String script) throws IOException {
        Path output = Files.createTempFile(runtime, "exec", ".txt");
        ProcessBuilder b = new ProcessBuilder(Toolchains.basedir().resolve("bin/timensctl").toString(), "exec", name,
                "sh", "-c", script).redirectOutput(output.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        b.environment().put("XDG_RUNTIME_DIR", runtime.toString());
        Process p = b.start();
        started.add(p);
        return new Namespace(p, output);
    }

    private static long hostNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private record Result(int status, String out, String err) {}

    /** A timens running in the background, its output in a file. */
    private final class Namespace {
        final Process process;
        final Path output;

        Namespace(Process process, Path output) {
            this.process = process;
            this.output = output;
        }

        /** Every complete line of output so far. */
        List<String> lines() throws IOException {
            String text = Files.readString(output);
            List<String> all = text.lines().toList();
            return text.endsWith("\n") || all.isEmpty() ? all : all.subList(0, all.size() - 1);
        }

        /** The first line of output that {@code wanted} accepts, waiting for it. */
        String awaitOutput(Predicate<String> wanted) throws Exception {
            return awaitOutput(0, wanted);
        }

        /** The first line from line {@code from} on that {@code wanted} accepts, waiting for it. */
        String awaitOutput(int from, Predicate<String> wanted) throws Exception {
            long end = System.currentTimeMillis() + WAIT_MILLIS;
            while (System.currentTimeMillis() < end) {
                List<String> all = lines();
                Optional<String> line = all.subList(Math.min(from, all.size()), all.size()).stream().filter(wanted).findFirst();
                if (line.isPresent()) return line.get();
                if (!process.isAlive()) break;
                Thread.sleep(50);
            }
            return fail("no such line from timens (" + (process.isAlive() ? "running" : "exit " + process.exitValue())
                    + "):\n" + Files.readString(output));
        }
    }

    private Namespace start(String... args) throws IOException {
        Path output = Files.createTempFile(runtime, "out", ".txt");
        List<String> argv = new ArrayList<>(List.of(Toolchains.timens().toString()));
        argv.addAll(Arrays.asList(args));
        ProcessBuilder b = new ProcessBuilder(argv).redirectOutput(output.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        b.environment().put("XDG_RUNTIME_DIR", runtime.toString());
        Process p = b.start();
        started.add(p);
        return new Namespace(p, output);
    }

    private Result timens(String... args) {
        return run(List.of(Toolchains.timens().toString()), args);
    }

    private Result timensctl(String... args) {
        return run(List.of(Toolchains.basedir().resolve("bin/timensctl").toString()), args);
    }

    private Result run(List<String> command, String... args) {
        try {
            Path out = Files.createTempFile(runtime, "ctl", ".out");
            Path err = Files.createTempFile(runtime, "ctl", ".err");
            List<String> argv = new ArrayList<>(command);
            argv.addAll(Arrays.asList(args));
            ProcessBuilder b = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            b.environment().put("XDG_RUNTIME_DIR", runtime.toString());
            Process p = b.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                fail(argv + " did not finish within 60 s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The line of {@code timensctl list} for namespace {@code name}, once it is listed. */
    private String awaitListed(String name) throws InterruptedException {
        long end = System.currentTimeMillis() + WAIT_MILLIS;
        Result last = null;
        while (System.currentTimeMillis() < end) {
            last = timensctl("list");
            assertThat(last.status()).as(last.err()).isZero();
            for (String line : last.out().lines().toList()) {
                if (line.startsWith(name + " ")) return line;
            }
            Thread.sleep(100);
        }
        return fail("namespace " + name + " never listed: " + last);
    }

    /** Column {@code index} of a list line (0: name) as seconds. */
    private static double clock(String line, int index) {
        return Double.parseDouble(line.split("\\s+")[index]);
    }

    /** The host's CLOCK_BOOTTIME in seconds (/proc/uptime). */
    private static double uptime() {
        try {
            Matcher m = Pattern.compile("^([0-9.]+)").matcher(Files.readString(Path.of("/proc/uptime")));
            if (!m.find()) throw new AssertionError("unreadable /proc/uptime");
            return Double.parseDouble(m.group(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
