package dev.timens.junit;

import dev.timens.ctl.ControlClient;
import dev.timens.ctl.ControlDirectory;
import dev.timens.ctl.ControlException;
import dev.timens.ctl.Protocol;
import dev.timens.engine.Launch;
import dev.timens.linux.Prctl;
import dev.timens.linux.Unistd;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * This JVM's time namespace: entered with {@code timensctl attach} on its own
 * pid (a supervisor JVM started from the timens jar on the class path, through
 * the timens-exec helper, which drops CAP_SYS_TIME), changed and left through
 * its control socket ({@code set}, {@code detach}). Every entry uses the same
 * kind of options ({@code --name}, {@code --realtime-only}), so that the JVM,
 * once left, can enter again: the kernel keeps the filter it got the first
 * time, and a later namespace must want the same calls from it.
 */
final class JvmNamespace {
    static final JvmNamespace INSTANCE = new JvmNamespace();

    private final int pid = (int) ProcessHandle.current().pid();
    private boolean inside;

    private JvmNamespace() {}

    /** Enters a namespace with {@code clocks}, for {@code what} (a test or class, for messages). */
    synchronized void enter(TimeTravel clocks, String what) {
        if (inside) throw new ExtensionConfigurationException("@TimeTravel on " + what + ": this JVM is in a namespace"
                + " already (tests with @TimeTravel run one at a time: not in parallel)");
        List<String> options = new ArrayList<>(List.of("--name", "junit-" + pid, "--realtime-only"));
        add(options, "--at", clocks.at());
        add(options, "--offset", clocks.offset());
        add(options, "--rate", clocks.rate());
        if (clocks.freeze()) options.add("--freeze");
        attach(options, what);
        inside = true;
    }

    private static void add(List<String> options, String option, String value) {
        if (!value.isEmpty()) {
            options.add(option);
            options.add(value);
        }
    }

    /** Back to host time (nothing when not in a namespace). */
    synchronized void leave() {
        if (!inside) return;
        inside = false;
        try {
            ControlClient.release(namespace(), pid);
        } catch (ControlException e) {
            throw new IllegalStateException("timens could not bring this JVM back to host time: " + e.getMessage(), e);
        }
    }

    TimeControl control() {
        return new TimeControl() {
            @Override
            public void set(Instant instant) {
                change("at", Long.toString(Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L),
                        instant.getNano())));
            }

            @Override
            public void advance(Duration duration) {
                set(Instant.now().plus(duration));
            }

            @Override
            public void freeze() {
                change("freeze", "-");
            }

            @Override
            public void resume() {
                change("unfreeze", "-");
            }
        };
    }

    private synchronized void change(String what, String argument) {
        if (!inside) throw new IllegalStateException("this JVM is not in a namespace: TimeControl works in a test under"
                + " @TimeTravel");
        try {
            ControlClient.set(namespace(), what, argument);
        } catch (ControlException e) {
            throw new IllegalStateException("timens refused to change the clocks: " + e.getMessage(), e);
        }
    }

    private ControlClient.Found namespace() throws ControlException {
        int uid = Unistd.geteuid();
        Path dir = ControlDirectory.existing(ControlDirectory.locate(System.getenv(), uid), uid)
                .orElseThrow(() -> new ControlException(ControlException.Kind.NO_SUCH_NAMESPACE,
                        "the namespace of this JVM is gone (its supervisor ended)"));
        return ControlClient.find(dir, Integer.toString(pid));
    }

    /**
     * Starts {@code timensctl attach PID OPTIONS} as the supervisor it starts in
     * the background ({@code --serve}), and returns once it says this JVM is
     * served; fails with its reason and what to do when it does not.
     */
    private void attach(List<String> options, String what) {
        Path helper;
        try {
            helper = Launch.bundledHelper();
        } catch (IllegalStateException e) {
            throw refused(what, e.getMessage(), "the timens jar on the test class path carries it: rebuild or"
                    + " reinstall timens");
        }
        // Where Yama's ptrace_scope is 1, only ancestors may trace: the supervisor is a child.
        Prctl.allowAnyTracer();
        List<String> command = new ArrayList<>(List.of(helper.toString(), "supervisor",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED",
                "-Xrs", "-Dtimens.command=timensctl", "-Dtimens.helper=" + helper,
                "-cp", jarOf(dev.timens.cli.Main.class) + java.io.File.pathSeparator + jarOf(picocli.CommandLine.class),
                "dev.timens.cli.Main", "attach", Integer.toString(pid)));
        command.addAll(options);
        command.add("--serve");
        List<String> said = new ArrayList<>();
        int attempt = ++attempts;
        String ended = EXIT + attempt + " ";
        try {
            Spawner s = spawner();
            // The supervisor's status, once it ends, comes after its last line (a stale one is skipped).
            s.in().write("(" + quoted(command) + " </dev/null 2>&1; echo \"" + ended + "$?\") &\n");
            s.in().flush();
            for (String line = s.out().readLine(); line != null; line = s.out().readLine()) {
                if (line.equals(Protocol.ATTACHED)) return;
                if (line.startsWith(EXIT)) {
                    if (!line.startsWith(ended)) continue; // an earlier supervisor's end
                    int status = Integer.parseInt(line.substring(ended.length()).strip());
                    String reason = said.isEmpty() ? "its supervisor exited with status " + status
                            : String.join("; ", said);
                    throw refused(what, reason, switch (status) {
                        case 2 -> "check the @TimeTravel values (timens's --at, --offset, --rate syntax)";
                        case 4 -> "allow ptrace here: kernel.yama.ptrace_scope 0 or 1, and no container policy"
                                + " forbidding it";
                        case 5 -> "the JVM is already in a namespace another tool made; run the tests outside it";
                        default -> "see the reason above";
                    });
                }
                said.add(line);
            }
            throw refused(what, "lost its supervisor's launcher", "run the test again");
        } catch (IOException e) {
            throw refused(what, "cannot start its supervisor: " + e.getMessage(), "check /bin/sh and the JDK at java.home");
        }
    }

    /** Starts the end line of a supervisor's launch; the attempt's number and its status follow. */
    private static final String EXIT = "\u0001timens-junit-exit ";
    private int attempts;
    private Spawner spawner;

    /** A shell started before this JVM was first taken in, and the pipes to it. */
    private record Spawner(Process process, java.io.Writer in, BufferedReader out) {}

    /**
     * The shell that starts the supervisors: a process this JVM started before
     * it was first taken in. A process the JVM starts after has the filter the
     * JVM got (the kernel keeps it, and a child inherits it); a supervisor with
     * it would send its own calls to the listener it serves, and wait for itself.
     */
    private Spawner spawner() throws IOException {
        if (spawner != null && spawner.process().isAlive()) return spawner;
        if (spawner != null) throw new IOException("the shell that starts supervisors has ended");
        Process sh = new ProcessBuilder("/bin/sh", "-c", "while IFS= read -r line; do eval \"$line\"; done")
                .redirectErrorStream(true).start();
        spawner = new Spawner(sh, new java.io.OutputStreamWriter(sh.getOutputStream(), StandardCharsets.UTF_8),
                new BufferedReader(new InputStreamReader(sh.getInputStream(), StandardCharsets.UTF_8)));
        return spawner;
    }

    /** {@code words} as one shell command line, each word single-quoted. */
    private static String quoted(List<String> words) {
        StringBuilder line = new StringBuilder();
        for (String w : words) {
            if (!line.isEmpty()) line.append(' ');
            line.append('\'').append(w.replace("'", "'\\''")).append('\'');
        }
        return line.toString();
    }

    private static ExtensionConfigurationException refused(String what, String reason, String fix) {
        return new ExtensionConfigurationException("@TimeTravel on " + what + ": timens could not move this JVM's"
                + " clocks (" + reason.replaceFirst("^timensctl: ", "") + "). Fix: " + fix + ".");
    }

    private static String jarOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("cannot locate " + type.getName() + "'s jar", e);
        }
    }
}
