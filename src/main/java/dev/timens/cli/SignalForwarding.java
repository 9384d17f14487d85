package dev.timens.cli;

import dev.timens.linux.Unistd;
import sun.misc.Signal;

/**
 * Keeps timens alive for as long as its command runs, and lets signals reach
 * the command as they would without timens.
 *
 * <p>The terminal sends SIGINT to the whole foreground process group, the
 * command included: timens itself must not die of it, or PTRACE_O_EXITKILL
 * would kill the command before it could handle it. (SIGQUIT belongs to the
 * JVM, which answers it with a thread dump.) SIGTERM
 * and SIGHUP sent to timens alone are passed on to the command. Java-level
 * handlers (not SIG_IGN) are used so the command starts with default
 * dispositions: exec resets handled signals, but would keep ignored ones.
 */
final class SignalForwarding {
    private SignalForwarding() {}

    static void install(int commandPid) {
        Signal.handle(new Signal("INT"), signal -> {});
        for (String name : new String[] {"TERM", "HUP"}) {
            Signal.handle(new Signal(name), signal -> Unistd.kill(commandPid, signal.getNumber()));
        }
    }
}
