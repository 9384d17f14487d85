package dev.timens.cli;

import dev.timens.engine.ProcessTree;
import dev.timens.linux.CaughtSignals;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * What timens does with a signal sent to it: it forwards it to the command, or
 * ignores it. It never dies of one (but SIGKILL), and the JVM never answers one
 * with a thread dump or a crash report.
 *
 * <ul>
 * <li>SIGTERM and SIGHUP ask timens to end, and timens ends when its command
 *     does: they are forwarded to the command, whoever sent them (a script's
 *     {@code kill $PPID} included).
 * <li>Once the command has exited and timens waits for processes it left in
 *     the namespace (a daemon, {@code setsid sleep 15 &}), SIGTERM, SIGHUP and
 *     SIGINT go to every process still in the namespace: {@code timeout} and
 *     Ctrl-C end the run. Other signals are ignored then.
 * <li>SIGINT and SIGQUIT from the terminal (Ctrl-C, Ctrl-\) reached the command
 *     directly, as the whole foreground process group gets them: timens does
 *     not send a second copy. Sent with kill(2) by a process outside the
 *     namespace, they are forwarded. Caught before the command existed (Ctrl-C
 *     while timens starts), they are forwarded too, once it does: nothing else
 *     got them. One that came as the command was being started may reach it
 *     twice, which ends it all the same (it has not run any of its own code).
 * <li>The other signals that mean something to a program (SIGUSR1, SIGUSR2,
 *     SIGALRM, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGABRT, SIGSTKFLT, the
 *     real-time signals) are forwarded when a process outside the namespace
 *     sent them (SIGUSR1 to make {@code dd} report its progress), and ignored
 *     when a process of the namespace sent them: those are for timens as the
 *     parent, such as a daemon announcing with SIGUSR1 that it is ready, and
 *     must not come back to their sender.
 * <li>Signals that report a fault or an exceeded limit (SIGSEGV, SIGBUS,
 *     SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGXCPU) are ignored when they come from
 *     elsewhere than timens's own code: the JVM still gets its own (a
 *     NullPointerException is a SIGSEGV), see {@link CaughtSignals}. SIGPIPE
 *     and SIGXFSZ the JVM ignores itself.
 * <li>Not caught: SIGCHLD, SIGWINCH and SIGURG (ignored by default), and the
 *     job-control signals SIGTSTP, SIGTTIN, SIGTTOU and SIGCONT, which stop
 *     and continue timens with its job (Ctrl-Z stops both; the command's stop
 *     is its own group-stop, kept by the supervisor).
 * </ul>
 *
 * <p>A signal that timens was started with ignored ({@code nohup}, a
 * background job's SIGINT and SIGQUIT) stays ignored, as the command starts
 * with it ignored too (Launch.Signals).
 */
final class SignalForwarding {
    static final int SIGHUP = 1;
    static final int SIGINT = 2;
    static final int SIGQUIT = 3;
    static final int SIGILL = 4;
    static final int SIGTRAP = 5;
    static final int SIGBUS = 7;
    static final int SIGFPE = 8;
    static final int SIGKILL = 9;
    static final int SIGSEGV = 11;
    static final int SIGUSR2 = 12;
    static final int SIGPIPE = 13;
    static final int SIGTERM = 15;
    static final int SIGCHLD = 17;
    static final int SIGCONT = 18;
    static final int SIGSTOP = 19;
    static final int SIGTSTP = 20;
    static final int SIGTTIN = 21;
    static final int SIGTTOU = 22;
    static final int SIGURG = 23;
    static final int SIGXCPU = 24;
    static final int SIGXFSZ = 25;
    static final int SIGWINCH = 28;
    static final int SIGSYS = 31;
    /** glibc's own: thread cancellation and setxid (nptl/pthreadP.h). */
    static final int SIGCANCEL = 32;
    static final int SIGSETXID = 33;

    /** What to do with one signal. */
    enum Action {
        /** Send it to the command. */
        FORWARD,
        /** Send it to every process still in the namespace. */
        SIGNAL_EVERY_PROCESS,
        IGNORE,
    }

    /** Signals timens leaves alone (see the class comment), and those it cannot catch. */
    static final long NOT_CAUGHT = mask(SIGKILL, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGCONT, SIGCHLD, SIGWINCH,
            SIGURG, SIGPIPE, SIGXFSZ, SIGCANCEL, SIGSETXID);
    /** Signals of 1 to 64 that timens catches, unless it was started with them ignored. */
    static final long CATCHABLE = ~NOT_CAUGHT;
    /**
     * Signals HotSpot uses for itself on x86_64 Linux: faults it turns into
     * exceptions, safepoints and stack overflow checks, and SIGUSR2 to suspend
     * its threads (its default suspend/resume signal; _JAVA_SR_SIGNUM moves it).
     * Those the JVM raises go to its handler; the rest are caught.
     */
    static final long JVM_OWN = mask(SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGUSR2);
    private static final long FAULTS = mask(SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGXCPU);

    private final CompletableFuture<ProcessTree> tree = new CompletableFuture<>();
    private final CaughtSignals signals;

    private SignalForwarding(CaughtSignals signals) {
        this.signals = signals;
    }

    static long mask(int... signals) {
        long mask = 0;
        for (int signal : signals) mask |= 1L << (signal - 1);
        return mask;
    }

    private static boolean in(long mask, int signal) {
        return signal >= 1 && signal <= 64 && (mask >>> (signal - 1) & 1) != 0;
    }

    /**
     * The signals to catch: every catchable one but those timens was started
     * with ignored ({@code inheritedIgnored}, bit N-1 for signal N), which stay
     * ignored; the JVM's own are caught whatever (its handler replaced SIG_IGN).
     */
    static long caught(long inheritedIgnored, long jvmOwn) {
        return CATCHABLE & ~(inheritedIgnored & ~jvmOwn);
    }

    /** The JVM's own signals, with the suspend/resume signal where _JAVA_SR_SIGNUM puts it. */
    static long jvmOwn(String srSignum) {
        long own = JVM_OWN;
        if (srSignum != null && srSignum.matches("[0-9]{1,2}")) {
            int moved = Integer.parseInt(srSignum);
            // HotSpot takes it only above SIGSEGV (signals_posix.cpp, SR_initialize).
            if (moved > SIGSEGV && in(CATCHABLE, moved)) own = own & ~mask(SIGUSR2) | mask(moved);
        }
        return own;
    }

    /**
     * What a caught signal does.
     *
     * @param commandRunning  whether the command itself has not exited yet
     * @param senderInTree    whether the process that sent it is one of the namespace
     * @param beforeTheCommand whether it was caught before the command existed
     */
    static Action decide(CaughtSignals.Caught caught, boolean commandRunning, boolean senderInTree,
                         boolean beforeTheCommand) {
        int signal = caught.signal();
        boolean endsTheRun = signal == SIGTERM || signal == SIGHUP || signal == SIGINT;
        if (!commandRunning) return endsTheRun ? Action.SIGNAL_EVERY_PROCESS : Action.IGNORE;
        if (signal == SIGTERM || signal == SIGHUP) return Action.FORWARD;
        if (beforeTheCommand && (signal == SIGINT || signal == SIGQUIT)) return Action.FORWARD;
        if (in(FAULTS, signal)) return Action.IGNORE;
        boolean fromOutside = caught.sentByProcess() && !senderInTree;
        return fromOutside ? Action.FORWARD : Action.IGNORE;
    }

    /**
     * Catches the signals (see the class comment) from now on. Those that come
     * before the command exists are acted on once it does: a SIGTERM during
     * start-up ends the command as soon as it starts.
     *
     * @param library          libtimens-signals.so
     * @param inheritedIgnored the signals timens was started with ignored
     * @param err              where a failure of the forwarding thread is reported
     */
    static SignalForwarding install(Path library, long inheritedIgnored, PrintWriter err) {
        long jvmOwn = jvmOwn(System.getenv("_JAVA_SR_SIGNUM"));
        CaughtSignals signals = CaughtSignals.install(library, caught(inheritedIgnored, jvmOwn), jvmOwn);
        SignalForwarding forwarding = new SignalForwarding(signals);
        Thread.ofPlatform().daemon().name("timens-signals").start(() -> forwarding.forward(err));
        return forwarding;
    }

    /**
     * The command exists: the signals caught so far and from now on are acted
     * on. Those caught so far are told apart by a mark after them: the
     * terminal's SIGINT reached the command only if it came after.
     */
    void started(ProcessTree processes) {
        signals.mark();
        tree.complete(processes);
    }

    private void forward(PrintWriter err) {
        ProcessTree processes = tree.join();
        boolean beforeTheCommand = true;
        try {
            for (;;) {
                CaughtSignals.Caught caught = signals.next();
                if (caught.isMark()) {
                    beforeTheCommand = false;
                } else {
                    act(caught, processes, beforeTheCommand);
                }
            }
        } catch (RuntimeException e) {
            err.println("timens: signals sent to timens are no longer forwarded: " + e);
            err.flush();
        }
    }

    private static void act(CaughtSignals.Caught caught, ProcessTree processes, boolean beforeTheCommand) {
        boolean senderInTree = caught.sentByProcess() && processes.contains(caught.senderPid());
        Action action = decide(caught, processes.commandRunning(), senderInTree, beforeTheCommand);
        // The command may end between the decision and the kill: then it is
        // decided again, as for a signal that came after its end.
        if (action == Action.FORWARD && !processes.signalCommand(caught.signal())) {
            action = decide(caught, false, senderInTree, beforeTheCommand);
        }
        if (action == Action.SIGNAL_EVERY_PROCESS) processes.signalAll(caught.signal());
    }
}
