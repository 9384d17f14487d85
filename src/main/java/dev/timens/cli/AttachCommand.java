package dev.timens.cli;

import dev.timens.clock.ClockSettings;
import dev.timens.clock.NamespaceTree;
import dev.timens.clock.TimeNamespace;
import dev.timens.ctl.ControlDirectory;
import dev.timens.ctl.ControlException;
import dev.timens.ctl.ControlServer;
import dev.timens.ctl.LiveNamespace;
import dev.timens.engine.OnDemandSupervisor;
import dev.timens.engine.SupervisorException;
import dev.timens.linux.CaughtSignals;
import dev.timens.linux.Errno;
import dev.timens.linux.LinuxException;
import dev.timens.linux.Unistd;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code timensctl attach PID}: a running process, with its threads and what it
 * starts from then on, taken into a new namespace (engine v2's
 * {@link OnDemandSupervisor#adopt}), served on a control socket as a namespace
 * timens started is, until {@code timensctl detach PID} (or SIGTERM, SIGINT,
 * SIGHUP to the supervisor) lets it go back to host time, or it ends.
 *
 * <p>By default the supervisor runs in the background: timensctl starts a
 * second JVM, in a session of its own, with the hidden option {@code --serve},
 * relays what it says until it prints {@link #READY}, and exits 0 then (or with
 * its status when it could not attach). The supervisor's later messages go to
 * {@code CONTROL_DIRECTORY/PID.log}, removed when it ends with nothing in it.
 * With {@code --foreground} timensctl is the supervisor.
 */
final class AttachCommand {
    /** What the supervisor in the background says once the process is served; never shown. */
    static final String READY = dev.timens.ctl.Protocol.ATTACHED;

    private AttachCommand() {}

    /**
     * The options of {@code attach}, as {@code timensctl attach} was given them;
     * {@code rateGiven}: --rate was (1 too), which with --name makes the rate changeable.
     */
    record Request(int pid, ClockSettings settings, String name, boolean foreground, boolean serve, boolean tree,
                   boolean fileTimes, boolean procTimes, boolean rateGiven) {}

    /**
     * The pid of {@code attach} or {@code detach}; IllegalArgumentException (a
     * usage error) when it is none.
     */
    static int pid(String text) {
        if (!text.matches("[1-9][0-9]{0,9}") || Long.parseLong(text) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("invalid PID '" + text + "': the number of a running process");
        }
        return Integer.parseInt(text);
    }

    /**
     * Why process {@code pid} cannot be attached by this user, as an exit status
     * and one line; null when nothing says so before trying (ptrace has the last word).
     */
    static ControlException refusal(int pid) {
        String[] uids = dev.timens.linux.ProcStatus.values(Integer.toString(pid), "Uid:");
        if (uids == null || uids.length < 3) {
            return new ControlException(ControlException.Kind.NO_SUCH_NAMESPACE, "no process " + pid);
        }
        if (pid == Unistd.getpid()) {
            return new ControlException(ControlException.Kind.REFUSED, "timensctl cannot attach itself");
        }
        if (stopped(pid)) {
            return new ControlException(ControlException.Kind.REFUSED, "process " + pid + " is stopped (SIGSTOP,"
                    + " Ctrl-Z): continue it first (kill -CONT " + pid + ")");
        }
        int self = Unistd.geteuid();
        if (self != 0) {
            for (int i = 0; i < 3; i++) {
                if (Integer.parseInt(uids[i]) != self) {
                    return new ControlException(ControlException.Kind.PERMISSION_DENIED, "process " + pid
                            + " runs as user " + uids[i] + ": only that user or root may attach it");
                }
            }
        }
        return null;
    }

    /** Whether process {@code pid} is stopped by a signal (state T in /proc/PID/stat; t is a tracer's stop). */
    private static boolean stopped(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) == 'T';
        } catch (IOException | RuntimeException e) {
            return false; // gone: the attach says so
        }
    }

    /** Attaches in the background: starts the supervisor, relays what it says, returns its verdict. */
    static int background(PrintWriter err, String[] args) {
        List<String> command;
        try {
            command = jvmCommand(args.length);
        } catch (IllegalStateException e) {
            err.println("timensctl: cannot start the supervisor in the background (" + e.getMessage() + "): use"
                    + " --foreground");
            return TimensctlCommand.FAILED;
        }
        command.addAll(Arrays.asList(args));
        command.add("--serve");
        Process supervisor;
        try {
            supervisor = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            err.println("timensctl: cannot start the supervisor: " + e.getMessage());
            return TimensctlCommand.FAILED;
        }
        try (BufferedReader said = new BufferedReader(new InputStreamReader(supervisor.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = said.readLine(); line != null; line = said.readLine()) {
                if (line.equals(READY)) return 0;
                err.println(line);
            }
            return supervisor.waitFor();
        } catch (IOException e) {
            err.println("timensctl: lost the supervisor: " + e.getMessage());
            return TimensctlCommand.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return TimensctlCommand.FAILED;
        }
    }

    /**
     * The command line that started this JVM, up to the program's own
     * {@code arguments} (its last words): how to start another like it.
     */
    private static List<String> jvmCommand(int arguments) {
        byte[] cmdline;
        try {
            cmdline = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        } catch (IOException e) {
            throw new IllegalStateException("/proc/self/cmdline: " + e.getMessage());
        }
        List<String> words = new ArrayList<>(Arrays.asList(new String(cmdline, StandardCharsets.UTF_8).split("\0")));
        int end = words.size() - arguments;
        if (end < 3 || !words.get(end - 2).equals("-jar")) {
            throw new IllegalStateException("timensctl was not started by its launcher");
        }
        return new ArrayList<>(words.subList(0, end));
    }

    /**
     * Attaches process {@code r.pid()} and serves it until it is let go or
     * ends; returns timensctl's exit status. With {@code r.serve()} (started
     * by {@link #background}) it leaves the terminal's session first, and once
     * the process is served says {@link #READY} and sends its messages to the log.
     */
    static int serve(PrintWriter err, Map<String, String> env, Request r) {
        if (r.serve()) Unistd.setsid();
        ControlException refused = refusal(r.pid());
        if (refused != null) {
            err.println("timensctl: " + refused.getMessage());
            return TimensctlCommand.status(refused.kind());
        }
        String sysTime = SupervisorPrivileges.sysTimeHolder();
        if (sysTime != null) {
            err.println("timensctl: refusing to supervise with CAP_SYS_TIME (" + sysTime + "): start it with"
                    + " bin/timensctl, which drops it, or without that capability");
            return TimensctlCommand.FAILED;
        }
        int uid = Unistd.geteuid();
        Path dir;
        try {
            dir = ControlDirectory.prepare(ControlDirectory.locate(env, uid), uid);
        } catch (ControlException e) {
            err.println("timensctl: " + e.getMessage());
            return TimensctlCommand.status(e.kind());
        }
        int self = Unistd.getpid();
        long jvmOwn = SignalForwarding.jvmOwn(env.get("_JAVA_SR_SIGNUM"));
        // Asked to end, the supervisor lets the process go rather than leaving it to the watchdog.
        CaughtSignals asked = CaughtSignals.install(NativeFiles.signalLibrary(),
                SignalForwarding.mask(SignalForwarding.SIGHUP, SignalForwarding.SIGINT, SignalForwarding.SIGTERM),
                jvmOwn);
        try (TimeNamespace namespace = TimeNamespace.create(r.settings(), java.util.Set.of(), true, r.name() != null,
                r.rateGiven())) {
            namespace.acceptChanges();
            if (r.fileTimes()) namespace.reportFileTimes();
            if (r.procTimes()) namespace.reportProcTimes();
            NamespaceTree namespaces = new NamespaceTree(namespace, self);
            LiveNamespace live = new LiveNamespace(r.name(), self, namespaces, List.of(commandLine(r.pid())), null);
            ControlServer control;
            try {
                control = ControlServer.start(dir, self, r.name(), live);
            } catch (ControlException e) {
                err.println("timensctl: " + e.getMessage());
                return e.kind() == ControlException.Kind.NAME_IN_USE ? TimensctlCommand.REFUSED
                        : TimensctlCommand.status(e.kind());
            }
            live.servedBy(control);
            try (control) {
                dev.timens.linux.Prctl.makeNonDumpable();
                Watchdog.start(NativeFiles.helper(), namespace.clockPage().fd());
                namespaces.watchImages(Watchdog::watch);
                Path log = dir.resolve(self + ".log");
                OnDemandSupervisor.adopt(r.pid(), NativeFiles.helper(), namespaces, err, adopted -> {
                    live.attached(adopted);
                    Thread.ofPlatform().daemon().name("timensctl-release").start(() -> {
                        while (asked.next().isMark()) {
                            // not a signal
                        }
                        adopted.release();
                    });
                    if (!r.tree()) {
                        if (r.serve()) ready(log);
                        return;
                    }
                    // Its children from before, each with a filter of its own, once the
                    // namespace is served (this runs on the tracer thread, which does it).
                    Thread.ofPlatform().daemon().name("timensctl-tree").start(() -> {
                        try {
                            adopted.joining().joinDescendants(r.pid());
                        } catch (SupervisorException e) {
                            err.println("timensctl: the processes process " + r.pid() + " started before stay on"
                                    + " host time: " + TimensCommand.firstLine(e.getMessage()));
                            err.flush();
                        }
                        if (r.serve()) ready(log);
                    });
                });
                // Let go, or every process ended: what was exec'd since reads the clock
                // page, which now says host time; the watchdog kills nobody.
                namespace.backToHost();
                Watchdog.standDown();
                live.released();
                if (r.serve()) removeIfEmpty(log);
                return 0;
            }
        } catch (SupervisorException e) {
            int errno = e.getCause() instanceof LinuxException l ? l.errno() : 0;
            err.println("timensctl: " + TimensCommand.firstLine(e.getMessage()));
            return errno == Errno.EPERM ? TimensctlCommand.PERMISSION_DENIED
                    : errno == Errno.EBUSY ? TimensctlCommand.REFUSED : TimensctlCommand.FAILED;
        } catch (RuntimeException e) {
            err.println("timensctl: " + TimensCommand.firstLine(String.valueOf(e.getMessage())));
            return TimensctlCommand.FAILED;
        }
    }

    /** Says {@link #READY} to timensctl, then writes what it says from now on to {@code log}. */
    private static void ready(Path log) {
        System.out.println(READY);
        System.out.flush();
        int fd = Unistd.open(log.toString(), 01 /* O_WRONLY */ | 0100 /* O_CREAT */ | 02000 /* O_APPEND */
                | Unistd.O_CLOEXEC, 0600);
        Unistd.dup2(fd, 1);
        Unistd.dup2(fd, 2);
        Unistd.close(fd);
    }

    private static void removeIfEmpty(Path log) {
        try {
            if (Files.size(log) == 0) Files.delete(log);
        } catch (IOException e) {
            // left for the user to read or remove
        }
    }

    /** Process {@code pid}'s command line, as ps shows it; its name in brackets when it has none. */
    private static String commandLine(int pid) {
        try {
            String line = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ').strip();
            if (!line.isEmpty()) return line;
            return "[" + Files.readString(Path.of("/proc/" + pid + "/comm")).strip() + "]";
        } catch (IOException e) {
            return "?";
        }
    }
}
