package dev.timens.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A control server and its client in this JVM, with a handler of the test's own (no namespace runs). */
class ControlSocketTest {
    @TempDir
    Path tmp;
    private Path dir;

    /** Answers info with fixed clocks, and refuses every change but "at". */
    private static final class Fake implements ControlServer.Handler {
        final List<String> asked = new ArrayList<>();
        final int pid;
        final String name;

        Fake(int pid) {
            this(pid, "n" + pid);
        }

        Fake(int pid, String name) {
            this.pid = pid;
            this.name = name;
        }

        @Override
        public List<String> info() {
            // Nested: 1 made by timens pid+2 (a process of the outermost), with pid+3
            // and pid+4; 2 in 1, made by pid+4, with pid+5.
            return new Protocol.Info(name, pid, pid + 1, List.of(pid + 1, pid + 2), 2_208_988_800_000_000_000L,
                    5_000_000_000L, 6_000_000_000L, BigDecimal.ONE, "--offset +3600.000000000", "sleep 60",
                    List.of(new Protocol.Nested(1, 0, pid + 2, pid + 3, List.of(pid + 3, pid + 4), 1, 2, 3,
                                    BigDecimal.ONE, null, "timens -- sh"),
                            new Protocol.Nested(2, 1, pid + 4, pid + 5, List.of(pid + 5), 1, 2, 3, BigDecimal.ONE,
                                    "inner" + pid, "sleep 9"))).lines();
        }

        @Override
        public synchronized String set(int nested, String what, String argument) {
            asked.add((nested == 0 ? "" : nested + ": ") + what + " " + argument);
            return what.equals("at") ? null : "no " + what + " here";
        }

        /** What the last exec request carried: its descriptors' targets and its payload. */
        volatile List<String> execStdio;
        volatile byte[] execPayload;
        volatile int execNested = -1;

        @Override
        public String exec(int nested, int connection, int[] stdio, byte[] request) {
            execNested = nested;
            List<String> targets = new ArrayList<>();
            for (int fd : stdio) {
                try {
                    targets.add(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString());
                } catch (java.io.IOException e) {
                    targets.add("?");
                }
            }
            execStdio = targets;
            execPayload = request;
            return "no door here";
        }

        /** Takes pid + 1 in; no such process 9, ptrace refused for 8, not done in time 6, refused otherwise. */
        @Override
        public synchronized ControlException join(int process, boolean tree) {
            asked.add("join " + process + (tree ? " tree" : ""));
            return switch (process) {
                case 9 -> new ControlException(ControlException.Kind.NO_SUCH_NAMESPACE, "no process 9");
                case 8 -> new ControlException(ControlException.Kind.PERMISSION_DENIED, "ptrace says no\nat all");
                case 6 -> new ControlException(ControlException.Kind.FAILED, "no answer in time");
                default -> process == pid + 1 ? null
                        : new ControlException(ControlException.Kind.REFUSED, "process " + process + " is busy");
            };
        }

        /** Lets go only process pid + 1, after a while: its answer must wait for it. */
        @Override
        public synchronized String release(int process) {
            asked.add("release " + process);
            if (process != pid + 1) return "process " + process + " was not attached";
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
    }

    @BeforeEach
    void directory() throws Exception {
        int me = (Integer) Files.getAttribute(tmp, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        dir = ControlDirectory.prepare(tmp.resolve("timens"), me);
    }

    @Test
    void listedFoundByNameAndPidAndChanged() throws Exception {
        Fake fake = new Fake(100);
        try (ControlServer server = ControlServer.start(dir, 100, "n100", fake);
             ControlServer unnamed = ControlServer.start(dir, 200, null, new Fake(200))) {
            assertThat(dir.resolve("100.sock")).exists();
            assertThat(Files.readSymbolicLink(dir.resolve("n100.name"))).isEqualTo(Path.of("100.sock"));
            List<ControlClient.Found> all = ControlClient.list(dir);
            assertThat(all).extracting(f -> f.info().timensPid()).containsExactly(100, 200);
            Protocol.Info info = all.getFirst().info();
            assertThat(info.name()).isEqualTo("n100");
            assertThat(info.pids()).containsExactly(101, 102);
            assertThat(info.realtime()).isEqualTo(2_208_988_800_000_000_000L);
            assertThat(info.command()).isEqualTo("sleep 60");

            assertThat(ControlClient.find(dir, "n100").info().timensPid()).isEqualTo(100);
            assertThat(ControlClient.find(dir, "102").info().timensPid()).as("a process in it").isEqualTo(100);
            assertThat(ControlClient.find(dir, "200").info().timensPid()).as("timens itself").isEqualTo(200);
            assertThatThrownBy(() -> ControlClient.find(dir, "n300")).isInstanceOfSatisfying(ControlException.class,
                    e -> assertThat(e.kind()).isEqualTo(ControlException.Kind.NO_SUCH_NAMESPACE));

            ControlClient.set(ControlClient.find(dir, "n100"), "at", "42");
            assertThatThrownBy(() -> ControlClient.set(ControlClient.find(dir, "n100"), "freeze", "-"))
                    .isInstanceOfSatisfying(ControlException.class,
                            e -> assertThat(e.kind()).isEqualTo(ControlException.Kind.REFUSED))
                    .hasMessage("no freeze here");
            assertThat(fake.asked).containsExactly("at 42", "freeze -");
        }
        assertThat(dir).isEmptyDirectory();
    }

    /**
     * A join is answered ok once made; each kind of refusal comes back with its
     * kind (its exit status) and its one line; a namespace that takes no running
     * process refuses.
     */
    @Test
    void aJoinIsAnsweredWithTheKindOfItsRefusal() throws Exception {
        Fake fake = new Fake(100);
        try (ControlServer server = ControlServer.start(dir, 100, "joins", fake)) {
            ControlClient.Found found = ControlClient.find(dir, "100");
            ControlClient.join(found, 101, false);
            ControlClient.join(found, 101, true);
            assertThat(fake.asked).containsExactly("join 101", "join 101 tree");
            assertJoinRefused(found, 9, false, ControlException.Kind.NO_SUCH_NAMESPACE, "no process 9");
            assertJoinRefused(found, 8, false, ControlException.Kind.PERMISSION_DENIED, "ptrace says no at all");
            assertJoinRefused(found, 6, false, ControlException.Kind.FAILED, "no answer in time");
            assertJoinRefused(found, 7, true, ControlException.Kind.REFUSED, "process 7 is busy");
            assertThat(ControlClient.request(found.socket(), "join 7 forest")).containsExactly("error unknown request");
        }
        ControlServer.Handler plain = new ControlServer.Handler() {
            @Override
            public List<String> info() {
                return new Fake(300).info();
            }

            @Override
            public String set(int nested, String what, String argument) {
                return null;
            }

            @Override
            public String exec(int nested, int connection, int[] stdio, byte[] request) {
                return null;
            }
        };
        try (ControlServer server = ControlServer.start(dir, 300, null, plain)) {
            assertThatThrownBy(() -> ControlClient.join(ControlClient.find(dir, "300"), 42, false))
                    .isInstanceOfSatisfying(ControlException.class,
                            e -> assertThat(e.kind()).isEqualTo(ControlException.Kind.REFUSED))
                    .hasMessage("this namespace takes no running process");
        }
    }

    private static void assertJoinRefused(ControlClient.Found found, int pid, boolean tree, ControlException.Kind kind,
                                          String message) {
        assertThatThrownBy(() -> ControlClient.join(found, pid, tree)).isInstanceOfSatisfying(ControlException.class,
                e -> assertThat(e.kind()).isEqualTo(kind)).hasMessage(message);
    }

    /**
     * A release is answered once made, even when the server closes meanwhile
     * (the attach supervisor ends as it lets its process go); a refusal comes
     * back as one; a namespace that never attached anything refuses.
     */
    @Test
    void aReleaseIsAnsweredOnceMadeEvenAsTheServerCloses() throws Exception {
        Fake fake = new Fake(100);
        ControlServer server = ControlServer.start(dir, 100, null, fake);
        Fake other = new Fake(200);
        ControlServer.Handler timensStarted = new ControlServer.Handler() { // the default release
            @Override
            public List<String> info() {
                return other.info();
            }

            @Override
            public String set(int nested, String what, String argument) {
                return other.set(nested, what, argument);
            }

            @Override
            public String exec(int nested, int connection, int[] stdio, byte[] request) {
                return other.exec(nested, connection, stdio, request);
            }
        };
        try (ControlServer plain = ControlServer.start(dir, 200, null, timensStarted)) {
            assertThatThrownBy(() -> ControlClient.release(ControlClient.find(dir, "102"), 102))
                    .isInstanceOfSatisfying(ControlException.class,
                            e -> assertThat(e.kind()).isEqualTo(ControlException.Kind.REFUSED))
                    .hasMessage("process 102 was not attached");
            assertThatThrownBy(() -> ControlClient.release(ControlClient.find(dir, "201"), 201))
                    .isInstanceOfSatisfying(ControlException.class,
                            e -> assertThat(e.kind()).isEqualTo(ControlException.Kind.REFUSED))
                    .hasMessageContaining("only a process timensctl attach took in can be detached");
            ControlClient.Found found = ControlClient.find(dir, "101");
            var released = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    ControlClient.release(found, 101);
                } catch (ControlException e) {
                    throw new IllegalStateException(e);
                }
            });
            while (!fake.asked.contains("release 101")) Thread.sleep(5);
            server.close(); // as the supervisor does once it let go: the answer still comes
            released.get(10, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            server.close();
        }
    }

    @Test
    void anExecRequestCarriesTheClientsStandardDescriptorsAndItsRefusalComesBack() throws Exception {
        Fake fake = new Fake(100);
        byte[] payload = "/bin/true\0/\00:0\01\0true\0A=1\0".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (ControlServer server = ControlServer.start(dir, 100, "n100", fake)) {
            ControlClient.Found found = ControlClient.find(dir, "n100");
            assertThatThrownBy(() -> ControlClient.exec(found, Protocol.EXEC, payload))
                    .isInstanceOfSatisfying(ControlException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ControlException.Kind.REFUSED);
                        assertThat(e.getMessage()).isEqualTo("no door here");
                    });
        }
        assertThat(fake.execPayload).isEqualTo(payload);
        List<String> own = new ArrayList<>();
        for (int fd = 0; fd <= 2; fd++) own.add(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString());
        assertThat(fake.execStdio).isEqualTo(own);
    }

    @Test
    void aNameIsHeldByOneLiveNamespace() throws Exception {
        try (ControlServer first = ControlServer.start(dir, 100, "same", new Fake(100, "same"))) {
            assertThatThrownBy(() -> ControlServer.start(dir, 200, "same", new Fake(200)))
                    .isInstanceOfSatisfying(ControlException.class,
                            e -> assertThat(e.kind()).isEqualTo(ControlException.Kind.NAME_IN_USE))
                    .hasMessage("the name 'same' is in use by a running namespace (timens pid 100)");
            assertThat(dir.resolve("200.sock")).as("the refused one served nothing").doesNotExist();
        }
    }

    @Test
    void staleFilesAreRemovedAndTheirNameFreed() throws Exception {
        Path stale = dir.resolve("300.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(stale)); // then closed: nobody listens there
        }
        Files.createSymbolicLink(dir.resolve("old.name"), Path.of("300.sock"));
        Files.createSymbolicLink(dir.resolve("dangling.name"), Path.of("400.sock"));
        assertThat(ControlClient.list(dir)).isEmpty();
        assertThat(dir).isEmptyDirectory();

        Files.createSymbolicLink(dir.resolve("old.name"), Path.of("300.sock"));
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(stale));
        }
        try (ControlServer server = ControlServer.start(dir, 500, "old", new Fake(500))) {
            assertThat(Files.readSymbolicLink(dir.resolve("old.name"))).isEqualTo(Path.of("500.sock"));
        }
    }

    @Test
    void infoLinesRoundTrip() {
        Protocol.Info info = new Protocol.Info(null, 1, 2, List.of(), 3, 4, 5, new BigDecimal("0.5"),
                "--at @1.000000000 --anchor @2.000000000 --rate 0.5", "a b  c");
        assertThat(Protocol.Info.parse(info.lines())).isEqualTo(info);
        assertThatThrownBy(() -> Protocol.Info.parse(List.of("name x"))).isInstanceOf(IllegalArgumentException.class);
        Protocol.Info tree = new Protocol.Info("t", 1, 2, List.of(2), 3, 4, 5, BigDecimal.ONE, "--offset +0", "sh",
                List.of(new Protocol.Nested(1, 0, 7, 8, List.of(8, 9), 10, 11, 12, new BigDecimal("2"), "svc",
                                "timens -- x y"),
                        new Protocol.Nested(2, 1, 9, 0, List.of(), 13, 14, 15, BigDecimal.ZERO, null, "")));
        assertThat(Protocol.Info.parse(tree.lines())).isEqualTo(tree);
    }

    /**
     * A nested namespace is found by the pid of its inner timens, of any of its
     * processes, or by NAME/N; set and exec then go to it, and to no other.
     */
    @Test
    void nestedNamespacesAreFoundAndAddressed() throws Exception {
        Fake fake = new Fake(100);
        try (ControlServer server = ControlServer.start(dir, 100, "n100", fake)) {
            assertThat(ControlClient.find(dir, "101").nested()).as("the outermost's own process").isZero();
            assertThat(ControlClient.find(dir, "102").nested()).as("the inner timens: the namespace it made")
                    .isEqualTo(1);
            assertThat(ControlClient.find(dir, "103").nested()).isEqualTo(1);
            assertThat(ControlClient.find(dir, "104").nested()).as("timens of 2, a process of 1").isEqualTo(2);
            assertThat(ControlClient.find(dir, "105").nested()).isEqualTo(2);
            assertThat(ControlClient.find(dir, "n100/2").nested()).isEqualTo(2);
            assertThat(ControlClient.find(dir, "inner100").nested()).as("by its --name").isEqualTo(2);
            assertThat(ControlClient.find(dir, "100/1").nested()).isEqualTo(1);
            assertThatThrownBy(() -> ControlClient.find(dir, "n100/3")).isInstanceOfSatisfying(ControlException.class,
                    e -> assertThat(e.kind()).isEqualTo(ControlException.Kind.NO_SUCH_NAMESPACE));
            ControlClient.set(ControlClient.find(dir, "105"), "at", "42");
            ControlClient.set(ControlClient.find(dir, "n100"), "at", "43");
            assertThat(fake.asked).containsExactly("2: at 42", "at 43");
            byte[] payload = "/bin/true\0/\00:0\01\0true\0".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertThatThrownBy(() -> ControlClient.exec(ControlClient.find(dir, "n100/1"), Protocol.EXEC, payload))
                    .isInstanceOf(ControlException.class);
            assertThat(fake.execNested).isEqualTo(1);
            assertThat(fake.execPayload).isEqualTo(payload);
        }
    }

    /**
     * A name link to a running timens holds the name while that timens or one
     * nested in it has it; once none has (the nested one ended), another timens
     * takes the name, and the running one keeps its socket.
     */
    @Test
    void aNestedNamesLinkHoldsOnlyWhileItsNamespaceHasTheName() throws Exception {
        try (ControlServer server = ControlServer.start(dir, 100, "n100", new Fake(100))) {
            Files.createSymbolicLink(dir.resolve("inner100.name"), Path.of("100.sock"));
            Files.createSymbolicLink(dir.resolve("ended.name"), Path.of("100.sock"));
            assertThatThrownBy(() -> ControlServer.start(dir, 300, "inner100", new Fake(300)))
                    .isInstanceOfSatisfying(ControlException.class,
                            e -> assertThat(e.kind()).isEqualTo(ControlException.Kind.NAME_IN_USE));
            try (ControlServer other = ControlServer.start(dir, 301, "ended", new Fake(301))) {
                assertThat(Files.readSymbolicLink(dir.resolve("ended.name"))).isEqualTo(Path.of("301.sock"));
                assertThat(dir.resolve("100.sock")).exists();
            }
        }
    }

    /** A nest request carries the nested clocks, then the exec payload, byte for byte. */
    @Test
    void nestRequestsCarryTheNestedClocks() {
        var settings = new dev.timens.clock.ClockSettings(java.util.Optional.of(java.time.Instant.parse("2038-01-19T03:14:07.5Z")),
                java.time.Duration.ZERO, java.time.Duration.ofHours(1), java.time.Duration.ofNanos(-7), new BigDecimal("2.5"),
                false, java.util.Optional.empty(), true);
        byte[] exec = "/bin/date\0/tmp\00:0\01\0date\0TZ=UTC\0".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Protocol.Nest parsed = Protocol.Nest.parse(new Protocol.Nest(settings, exec).bytes());
        assertThat(parsed.settings()).isEqualTo(settings);
        assertThat(parsed.exec()).isEqualTo(exec);
        assertThat(parsed.name()).isNull();
        Protocol.Nest named = Protocol.Nest.parse(new Protocol.Nest(settings, "svc-1", exec).bytes());
        assertThat(named.name()).isEqualTo("svc-1");
        assertThat(named.exec()).isEqualTo(exec);
        assertThatThrownBy(() -> Protocol.Nest.parse(new Protocol.Nest(settings, "a/b", exec).bytes()))
                .as("a name no timens --name takes").hasMessage("malformed nest request");
        assertThatThrownBy(() -> Protocol.Nest.parse("1\0two\0".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("malformed nest request");
    }
}
