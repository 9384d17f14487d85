package dev.timens.cli;

import static dev.timens.cli.SignalForwarding.Action.FORWARD;
import static dev.timens.cli.SignalForwarding.Action.IGNORE;
import static dev.timens.cli.SignalForwarding.Action.SIGNAL_EVERY_PROCESS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.timens.cli.SignalForwarding.Action;
import dev.timens.linux.CaughtSignals;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The table of README "Signals sent to timens", decided without sending anything. */
@Tag("pure")
class SignalForwardingTest {
    private static final int SIGUSR1 = 10;
    private static final int SIGRTMIN = 34;

    private static Action fromOutside(int signal) {
        return SignalForwarding.decide(new CaughtSignals.Caught(signal, CaughtSignals.SI_USER, 4242, 0), true, false, false);
    }

    private static Action fromInside(int signal) {
        return SignalForwarding.decide(new CaughtSignals.Caught(signal, CaughtSignals.SI_USER, 4242, 0), true, true, false);
    }

    private static Action fromTerminal(int signal) {
        return SignalForwarding.decide(new CaughtSignals.Caught(signal, CaughtSignals.SI_KERNEL, 0, 0), true, false, false);
    }

    private static Action afterTheCommand(int signal) {
        return SignalForwarding.decide(new CaughtSignals.Caught(signal, CaughtSignals.SI_USER, 4242, 0), false, false, false);
    }

    @Test
    void termAndHupAreForwardedWhoeverSendsThem() {
        for (int signal : new int[] {SignalForwarding.SIGTERM, SignalForwarding.SIGHUP}) {
            assertThat(fromOutside(signal)).isEqualTo(FORWARD);
            assertThat(fromInside(signal)).isEqualTo(FORWARD);
            assertThat(fromTerminal(signal)).isEqualTo(FORWARD);
        }
    }

    @Test
    void theTerminalsCtrlCAndCtrlBackslashAreNotSentTwice() {
        for (int signal : new int[] {SignalForwarding.SIGINT, SignalForwarding.SIGQUIT}) {
            assertThat(fromTerminal(signal)).isEqualTo(IGNORE);
            assertThat(fromInside(signal)).isEqualTo(IGNORE);
            assertThat(fromOutside(signal)).isEqualTo(FORWARD);
        }
    }

    /** Ctrl-C while timens starts: nothing but timens got it, so the command gets it as soon as it exists. */
    @Test
    void theTerminalsCtrlCAndCtrlBackslashBeforeTheCommandExistedAreForwarded() {
        for (int signal : new int[] {SignalForwarding.SIGINT, SignalForwarding.SIGQUIT}) {
            assertThat(SignalForwarding.decide(new CaughtSignals.Caught(signal, CaughtSignals.SI_KERNEL, 0, 0), true,
                    false, true)).as("signal %d", signal).isEqualTo(FORWARD);
        }
        assertThat(SignalForwarding.decide(new CaughtSignals.Caught(SIGUSR1, CaughtSignals.SI_KERNEL, 0, 0), true,
                false, true)).as("SIGUSR1 the kernel sent (not the terminal's)").isEqualTo(IGNORE);
        assertThat(SignalForwarding.decide(new CaughtSignals.Caught(SignalForwarding.SIGINT, CaughtSignals.SI_KERNEL, 0,
                0), false, false, true)).as("the command has ended already").isEqualTo(SIGNAL_EVERY_PROCESS);
    }

    @Test
    void messagesFromOutsideAreForwardedAndFromInsideIgnored() {
        for (int signal : new int[] {SIGUSR1, SignalForwarding.SIGUSR2, 14, 26, 27, 29, 30, 6, 16, SIGRTMIN, 64}) {
            assertThat(fromOutside(signal)).as("signal %d", signal).isEqualTo(FORWARD);
            assertThat(fromInside(signal)).as("signal %d", signal).isEqualTo(IGNORE);
        }
    }

    @Test
    void faultsAndLimitsSentByAProcessAreIgnored() {
        for (int signal : new int[] {SignalForwarding.SIGSEGV, SignalForwarding.SIGBUS, SignalForwarding.SIGILL,
                SignalForwarding.SIGFPE, SignalForwarding.SIGTRAP, SignalForwarding.SIGSYS, SignalForwarding.SIGXCPU}) {
            assertThat(fromOutside(signal)).as("signal %d", signal).isEqualTo(IGNORE);
            assertThat(fromInside(signal)).as("signal %d", signal).isEqualTo(IGNORE);
        }
    }

    @Test
    void afterTheCommandTermHupAndIntEndWhatItLeftBehind() {
        assertThat(afterTheCommand(SignalForwarding.SIGTERM)).isEqualTo(SIGNAL_EVERY_PROCESS);
        assertThat(afterTheCommand(SignalForwarding.SIGHUP)).isEqualTo(SIGNAL_EVERY_PROCESS);
        assertThat(afterTheCommand(SignalForwarding.SIGINT)).isEqualTo(SIGNAL_EVERY_PROCESS);
        assertThat(SignalForwarding.decide(new CaughtSignals.Caught(SignalForwarding.SIGINT, CaughtSignals.SI_KERNEL,
                0, 0), false, false, false)).as("Ctrl-C").isEqualTo(SIGNAL_EVERY_PROCESS);
        assertThat(afterTheCommand(SIGUSR1)).isEqualTo(IGNORE);
        assertThat(afterTheCommand(SignalForwarding.SIGQUIT)).isEqualTo(IGNORE);
    }

    @Test
    void whatIsCaught() {
        long caught = SignalForwarding.caught(0, SignalForwarding.JVM_OWN);
        for (int signal : new int[] {9, 19, 20, 21, 22, 18, 17, 28, 23, 13, 25, 32, 33}) {
            assertThat(caught >>> (signal - 1) & 1).as("signal %d is not caught", signal).isZero();
        }
        for (int signal = 1; signal <= 64; signal++) {
            if ((SignalForwarding.NOT_CAUGHT >>> (signal - 1) & 1) == 0) {
                assertThat(caught >>> (signal - 1) & 1).as("signal %d is caught", signal).isOne();
            }
        }
        // Started ignored (nohup, a background job): stays ignored, but for the JVM's own.
        long ignoredAtStart = SignalForwarding.mask(SignalForwarding.SIGHUP, SignalForwarding.SIGINT,
                SignalForwarding.SIGSEGV);
        long inBackground = SignalForwarding.caught(ignoredAtStart, SignalForwarding.JVM_OWN);
        assertThat(inBackground & SignalForwarding.mask(SignalForwarding.SIGHUP, SignalForwarding.SIGINT)).isZero();
        assertThat(inBackground & SignalForwarding.mask(SignalForwarding.SIGSEGV)).isNotZero();
    }

    @Test
    void theJvmsSuspendSignalFollowsJavaSrSignum() {
        assertThat(SignalForwarding.jvmOwn(null)).isEqualTo(SignalForwarding.JVM_OWN);
        assertThat(SignalForwarding.jvmOwn("40")).isEqualTo(SignalForwarding.JVM_OWN
                & ~SignalForwarding.mask(SignalForwarding.SIGUSR2) | SignalForwarding.mask(40));
        assertThat(SignalForwarding.jvmOwn("5")).as("below SIGSEGV: HotSpot refuses it").isEqualTo(SignalForwarding.JVM_OWN);
        assertThat(SignalForwarding.jvmOwn("x")).isEqualTo(SignalForwarding.JVM_OWN);
    }
}
