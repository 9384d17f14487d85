package dev.timens.it;

import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the clock-setting tests from stepping the host's clock.
 *
 * <p>These tests run as root on CI. If timens let a clock-setting syscall through
 * to the kernel (a supervisor bug, or a filter that misses a syscall), running
 * {@code settimeofday} under it as root would set this machine's clock. So before
 * the first such test, {@link #requireSettingIsVirtualized()} runs every setting
 * operation under timens as an unprivileged user: there a syscall that reaches
 * the kernel fails with EPERM instead of doing harm, and one that timens handles
 * succeeds. Unless all succeed, the root tests fail without running.
 */
final class ClockSafety {
    /** Runs a command as nobody, with no capabilities at all. */
    static final List<String> SETPRIV_NOBODY = List.of("--reuid=65534", "--regid=65534", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all");

    private static String verdict; // null: not checked yet; "": safe; else why not

    private ClockSafety() {}

    /** The wrapper that runs a command unprivileged: setpriv as nobody when root, nothing otherwise. */
    static List<String> unprivileged() {
        if (!Toolchains.root()) {
            return List.of();
        }
        String setpriv = Toolchains.requireOnPath("setpriv", "apt-get install util-linux").toString();
        List<String> wrapper = new ArrayList<>();
        wrapper.add(setpriv);
        wrapper.addAll(SETPRIV_NOBODY);
        return wrapper;
    }

    /** Fails the calling test unless timens is known to keep clock settings away from the host. */
    static synchronized void requireSettingIsVirtualized() {
        if (!Toolchains.root()) {
            return; // unprivileged: the kernel refuses anything that escapes
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
        TimensRunner.Result run = new TimensRunner().wrappedIn(unprivileged()).timens(List.of(), command);
        List<Probe> results = run.tagged("OP");
        boolean allHandled = run.exitCode() == 0 && results.size() == ops.size()
                && results.stream().allMatch(op -> op.string("errno").equals("0"));
        if (allHandled) {
            return "";
        }
        return "refusing to run clock-setting tests as root: run unprivileged under timens, some clock-setting"
                + " operation did not succeed, so it may reach the kernel and would set the host clock as root:\n"
                + run.describe();
    }
}
