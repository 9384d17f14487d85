package dev.timens.it;

import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;

/**
 * Running commands without the privilege to set the clock, and keeping the
 * clock-setting tests from stepping the host's clock.
 *
 * <p>These tests run as root on CI. If timens let a clock-setting syscall through
 * to the kernel (a supervisor bug, or a filter that misses a syscall), running
 * {@code settimeofday} under it as root would set this machine's clock. So before
 * the first such test, {@link #requireSettingIsVirtualized()} runs every setting
 * operation under timens without any capability: there a syscall that reaches
 * the kernel fails with EPERM (no CAP_SYS_TIME) instead of doing harm, and one
 * that timens handles succeeds. Unless all succeed, the root tests fail unrun.
 */
final class ClockSafety {
    private static String verdict; // null: not checked yet; "": safe; else why not

    private ClockSafety() {}

    /**
     * A wrapper that runs a command as the user nobody, with no capabilities: the
     * "unprivileged user" of the tests. Empty when these tests are not root. Skips
     * (fails on CI) when setpriv is missing or nobody cannot reach the checkout.
     */
    static List<String> asNobody() {
        if (!Toolchains.root()) {
            return List.of();
        }
        List<String> wrapper = new ArrayList<>(List.of(setpriv(), "--reuid=65534", "--regid=65534",
                "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"));
        // The checkout must be reachable by nobody (it is not under a mode-700 /root, say).
        List<String> probe = new ArrayList<>(wrapper);
        probe.addAll(List.of("sh", "-c", "test -r \"$1\" && test -x \"$2\"", "sh",
                Toolchains.basedir().resolve("pom.xml").toString(), Toolchains.program("setclock").toString()));
        if (new TimensRunner().nativeRun(probe).exitCode() != 0) {
            Toolchains.unavailable("user nobody cannot read the checkout at " + Toolchains.basedir()
                    + " (clone it where others can read it to run the unprivileged-user tests)");
        }
        return wrapper;
    }

    /**
     * A wrapper that runs a command with no capabilities at all (still uid 0 when
     * these tests are root, so it can read a checkout under /root): clock-setting
     * syscalls that reach the kernel then fail with EPERM. Empty when not root.
     */
    static List<String> withoutCapabilities() {
        if (!Toolchains.root()) {
            return List.of();
        }
        return List.of(setpriv(), "--inh-caps=-all", "--bounding-set=-all");
    }

    private static String setpriv() {
        return Toolchains.requireOnPath("setpriv", "apt-get install util-linux").toString();
    }

    /** Fails the calling test unless timens is known to keep clock settings away from the host. */
    static synchronized void requireSettingIsVirtualized() {
        if (!Toolchains.root()) {
            return; // not root: the kernel refuses anything that escapes
        }
        if (verdict == null) {
            verdict = check();
        }
        if (!verdict.isEmpty()) {
            fail(verdict);
        }
    }

    private static String check() {
        List<String> ops = List.of("settimeofday=1893456000", "raw-settimeofday=1893456000",
                "clock_settime=REALTIME:1893456000", "adjtimex-setoffset=1", "clock_adjtime-setoffset=1");
        List<String> command = new ArrayList<>();
        command.add(Toolchains.program("setclock").toString());
        command.addAll(ops);
        TimensRunner.Result run = new TimensRunner().wrappedIn(withoutCapabilities()).timens(List.of(), command);
        List<Probe> results = run.tagged("OP");
        boolean allHandled = run.exitCode() == 0 && results.size() == ops.size()
                && results.stream().allMatch(op -> op.string("errno").equals("0"));
        if (allHandled) {
            return "";
        }
        return "refusing to run clock-setting tests as root: under timens without capabilities, some"
                + " clock-setting operation did not succeed, so it may reach the kernel, and as root it would set"
                + " the host clock:\n" + run.describe();
    }
}
