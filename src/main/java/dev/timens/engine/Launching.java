package dev.timens.engine;

import dev.timens.linux.Errno;
import dev.timens.linux.LinuxException;
import dev.timens.linux.Ptrace;
import dev.timens.linux.Spawn;
import dev.timens.linux.Unistd;
import dev.timens.linux.Wait;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/** What both engines ({@link Supervisor}, {@link OnDemandSupervisor}) do alike to start a command. */
final class Launching {
    private static final int SIGKILL = 9;

    private Launching() {}

    /**
     * Runs {@code body} on a platform thread of its own, the tracer thread
     * (ptrace requests must come from the thread that attached), and returns
     * its result or rethrows what it threw.
     */
    static ExitStatus onTracerThread(Callable<ExitStatus> body) throws SupervisorException {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread tracer = Thread.ofPlatform().name("timens-tracer").unstarted(() -> {
            try {
                result.set(body.call());
            } catch (Throwable t) {
                result.set(t);
            }
        });
        tracer.start();
        try {
            tracer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SupervisorException("interrupted while supervising", e);
        }
        Object outcome = result.get();
        if (outcome instanceof ExitStatus status) return status;
        if (outcome instanceof SupervisorException e) throw e;
        if (outcome instanceof RuntimeException e) throw e;
        if (outcome instanceof Error e) throw e;
        throw new AssertionError(outcome);
    }

    /** timens-exec's arguments for {@code launch}, the filter coming down {@code socket}. */
    static List<String> helperArgv(Launch launch, int socket) {
        List<String> argv = new ArrayList<>();
        argv.add("timens-exec");
        argv.add(Integer.toString(socket));
        argv.add(launch.keepFds().isEmpty() ? "-" : launch.keepFds().stream().sorted()
                .map(String::valueOf).collect(java.util.stream.Collectors.joining(",")));
        argv.add(launch.signals() == null ? "-" : launch.signals().argument());
        argv.add(launch.door() < 0 ? "-" : Integer.toString(launch.door()));
        argv.add(launch.executable().toString());
        argv.addAll(launch.argv());
        return argv;
    }

    /** The descriptors timens-exec inherits for {@code launch}: {@code socket}, and its door if it has one. */
    static int[] helperFds(Launch launch, int socket) {
        return launch.door() < 0 ? new int[] {socket} : new int[] {socket, launch.door()};
    }

    /** Writes {@code filter} (its length in instructions, then its bytes) to timens-exec over {@code socket}. */
    static void sendFilter(int socket, byte[] filter) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(4L + filter.length);
            bytes.set(ValueLayout.JAVA_INT, 0, filter.length / 8);
            MemorySegment.copy(MemorySegment.ofArray(filter), 0, bytes, 4, filter.length);
            Unistd.writeFully(socket, bytes);
        } catch (LinuxException e) {
            // EPIPE: the helper died before reading; its exit status says why.
        }
    }

    /**
     * Starts the doorbell (timens-exec park) and attaches to it, only with
     * PTRACE_O_EXITKILL: it must die with the supervisor, and never starts
     * anything. A signal sent to it stops it, which ends the tracer's wait.
     */
    static int startPark(Path helper) throws SupervisorException {
        int pid;
        try {
            pid = Spawn.spawn(helper.toString(), List.of("timens-exec", "park"));
        } catch (LinuxException e) {
            throw new SupervisorException("cannot start " + helper + " park: " + e.getMessage(), e);
        }
        long seized = Ptrace.request(Ptrace.SEIZE, pid, 0, Ptrace.O_EXITKILL);
        if (seized < 0) {
            // Traced already: timens runs inside another (which follows its forks), or under strace -f.
            String tracer = seized == -Errno.EPERM ? " (" + whySeizeIsRefused(pid, "timens") + ")" : "";
            Unistd.kill(pid, SIGKILL);
            try (Arena arena = Arena.ofConfined()) {
                Wait.waitpid(pid, 0, arena.allocate(ValueLayout.JAVA_INT));
            }
            throw new SupervisorException("cannot trace timens-exec park: " + Errno.describe((int) -seized) + tracer);
        }
        return pid;
    }

    /**
     * Why PTRACE_SEIZE of our own child gets EPERM: it has a tracer already
     * (this timens runs inside another timens, or under strace -f or a
     * debugger that follows forks), or a policy forbids tracing. {@code who}
     * names the child in the answer ("the command").
     */
    static String whySeizeIsRefused(int child, String who) {
        int tracer = statusField(child, "TracerPid:");
        if (tracer <= 0) {
            String scope = yamaScope();
            return switch (scope) {
                case "1" -> "kernel.yama.ptrace_scope is 1: only a process's ancestors may trace it, unless the tracer"
                        + " has CAP_SYS_PTRACE or the process allowed it with prctl(PR_SET_PTRACER)";
                case "2" -> "kernel.yama.ptrace_scope is 2: only a tracer with CAP_SYS_PTRACE may";
                case "3" -> "kernel.yama.ptrace_scope is 3: no process may be traced until the next boot";
                default -> "ptrace is restricted here: check kernel.yama.ptrace_scope, seccomp or container policy,"
                        + " and whether the process is not dumpable (a setuid program)";
            };
        }
        String cmdline = "";
        try {
            cmdline = new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/" + tracer
                    + "/cmdline")), java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (java.io.IOException e) {
            // not readable (another user): say what we know
        }
        if (cmdline.contains("timens") && who.equals("it")) {
            return "it is in the namespace of timens pid " + tracer + ", which traces every process of its namespace"
                    + " (engine v1), and a process has only one tracer";
        }
        if (cmdline.contains("timens")) {
            return "this timens runs inside another timens (pid " + tracer + "), which traces every process of its"
                    + " namespace, and a process has only one tracer (a timens run inside asks the outer one to nest"
                    + " its namespace; this one did not)";
        }
        return who + " is already traced by pid " + tracer + " (" + comm(tracer) + "), such as strace -f or a"
                + " debugger following forks, and a process has only one tracer";
    }

    /** /proc/sys/kernel/yama/ptrace_scope, or "" without Yama. */
    private static String yamaScope() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/yama/ptrace_scope")).strip();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** The doorbell rang for the tool: its {@link Tool#onWakeup()}, whose failure must not end the run. */
    static void wakeUp(Tool tool, java.io.PrintWriter diagnostics) {
        try {
            tool.onWakeup();
        } catch (RuntimeException e) {
            // Every process would die with the run.
            diagnostics.println("timens: internal error in a wake-up (" + e + ")");
            diagnostics.flush();
        }
    }

    /** The number after {@code key} ("TracerPid:", "Tgid:") in /proc/PID/status, or -1. */
    static int statusField(int pid, String key) {
        return dev.timens.linux.ProcStatus.field(pid, key);
    }

    private static final int SIGSTOP = 19;
    private static final int SIGTSTP = 20;
    private static final int SIGTTIN = 21;
    private static final int SIGTTOU = 22;

    /** Whether a PTRACE_EVENT_STOP with {@code signal} is a group-stop (the thread stops as without a tracer). */
    static boolean isGroupStop(int signal) {
        return signal == SIGSTOP || signal == SIGTSTP || signal == SIGTTIN || signal == SIGTTOU;
    }

    /** The command name of {@code pid} (/proc/PID/comm), "?" when it is gone. */
    static String comm(int pid) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/comm")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
