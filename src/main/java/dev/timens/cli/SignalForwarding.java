package dev.timens.cli;

import dev.timens.linux.Unistd;
import sun.misc.Signal;

/**
 * Keeps timens alive for as long as its command runs, and lets signals reach
 * the command as they would without timens.
 *
 * <p>The terminal sends SIGINT to the whole foreground process group, the
 * command included: timens itself must not die of it, or PTRACE_O_EXITKILL
 * would kill the command before it could handle it. The same goes for SIGQUIT
 * (Ctrl-\), which the JVM would answer with a thread dump on the command's
 * standard output: timens ignores it. SIGTERM and SIGHUP sent to timens alone
 * are passed on to the command. The command itself starts with the signal
 * dispositions timens was started with, whatever timens does with them (the
 * helper sets them before exec: Launch.Signals).
 */
final class SignalForwarding {
    private SignalForwarding() {}

    static void install(int commandPid) {
        dev.timens.linux.Signals.ignore(dev.timens.linux.Signals.SIGQUIT);
        Signal.handle(new Signal("INT"), signal -> {});
        for (String name : new String[] {"TERM", "HUP"}) {
            Signal.handle(new Signal(name), signal -> Unistd.kill(commandPid, signal.getNumber()));
        }
    }
}
