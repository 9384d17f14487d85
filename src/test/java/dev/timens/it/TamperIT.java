package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An attacker inside the namespace, against timens itself (tamperprobe.c): as
 * root and as the user nobody, it tries to change the clock image every way
 * there is, and to reach the host clock through the supervisor. Afterwards the
 * namespace's clocks must still be right, in a program started after the
 * attempts, and the host clock must not have moved.
 */
class TamperIT {
    private static final List<String> AT_2038 = List.of("--at", "@" + ClockProgramsIT.Y2038);

    private final TimensRunner runner = new TimensRunner();

    /** Every route the probe tried, by name, with its result ("ok", "refused-EPERM", "SUCCEEDED"). */
    private static Map<String, String> routes(TimensRunner.Result run) {
        Map<String, String> routes = new LinkedHashMap<>();
        for (Probe line : run.tagged("ROUTE")) {
            routes.put(line.string("name"), line.string("result"));
        }
        return routes;
    }

    /**
     * The routes of an attack on the ancestors that could reach the host clock.
     * Under engine v2 timens traces nothing inside, so a program may trace its
     * ancestors inside as natively (root or the same user), and a clock step
     * it makes one of them call is a call inside the namespace, answered by
     * timens: the namespace's clock moves, and the probe, which cannot tell,
     * says SUCCEEDED. Those routes are left out; the host clock's own check
     * (HostClock) covers them.
     */
    private static Map<String, String> hostRoutes(TimensRunner.Result run) {
        Map<String, String> routes = routes(run);
        if (Toolchains.engineV2()) {
            routes.keySet().removeIf(r -> r.startsWith("step-host-clock-through-") && !r.endsWith("-supervisor"));
        }
        return routes;
    }

    /** The probe in {@code mode}, then a clock read by a program started after it, as {@code wrapper}'s user. */
    private TimensRunner.Result attackThenRead(List<String> wrapper, String mode) {
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(List.of("sh", "-c", "\"$1\" " + mode + "; echo ATTACKER status=$?; exec \"$2\"", "sh",
                Toolchains.program("tamperprobe").toString(), Toolchains.program("clockprobe-static").toString()));
        return runner.timens(AT_2038, command);
    }

    private static void assertClocksStillRight(TimensRunner.Result run) {
        Probe after = run.single("PROBE");
        assertThat(after.decimal("realtime")).as("REALTIME of a program started after the attack:%n%s", run.describe())
                .isBetween(Expect.startingAt(ClockProgramsIT.Y2038).low(HostClock.ClockGroup.REALTIME, run),
                        Expect.startingAt(ClockProgramsIT.Y2038).high(HostClock.ClockGroup.REALTIME, run));
        assertThat(run.exitCode()).as(run.describe()).isZero();
    }

    private void imageCannotBeChanged(List<String> wrapper, boolean root) {
        TimensRunner.Result run = attackThenRead(wrapper, "image");
        Map<String, String> routes = routes(run);

        assertThat(run.single("ATTACKER").longValue("status")).as(run.describe()).isZero();
        assertThat(routes).as(run.describe()).doesNotContainValue("SUCCEEDED");
        // The routes were really taken: the descriptor timens hands out, the
        // program's own mapping (map_files: root only) and the supervisor's /proc.
        assertThat(routes).as(run.describe()).containsEntry("image-syscall", "ok")
                .containsKeys("image-syscall/pwrite", "image-syscall/ftruncate-0", "image-syscall/fallocate-punch",
                        "image-syscall/mmap-shared-write", "image-syscall/fchmod-reopen-pwrite");
        if (root) {
            assertThat(routes).as(run.describe()).containsEntry("map-files/open-rdwr", "ok")
                    .containsEntry("supervisor-fd/open-rdwr", "ok")
                    .containsEntry("supervisor-fd/open-rdwr/pwrite", "refused-EPERM")
                    .containsEntry("supervisor-fd/open-rdwr/ftruncate-0", "refused-EPERM")
                    .containsEntry("supervisor-fd/open-rdwr/mmap-shared-write", "refused-EPERM");
        } else {
            // Non-dumpable: the supervisor's descriptors are not even listed.
            assertThat(routes).as(run.describe()).containsEntry("supervisor-fd-list", "refused-EACCES")
                    .containsEntry("map-files/open-rdwr", "refused-EPERM");
        }
        assertClocksStillRight(run);
    }

    @Test
    void asRootNothingInsideCanChangeTheClockImage() {
        assumeTrue(Toolchains.root(), "the root half of this test needs root");
        imageCannotBeChanged(List.of(), true);
    }

    @Test
    void asAnotherUserNothingInsideCanChangeTheClockImage() {
        List<String> nobody = ClockSafety.asNobody();
        assumeTrue(!nobody.isEmpty() || !Toolchains.root(), "needs root to become nobody, or to be non-root");
        imageCannotBeChanged(nobody, false);
    }

    /**
     * As root, a program inside may trace the supervisor (root is root on the
     * machine), but the thread it makes call clock_adjtime(ADJ_SETOFFSET) has
     * no CAP_SYS_TIME: the host clock stays where it was.
     */
    @Test
    void asRootTheSupervisorCannotBeMadeToStepTheHostClock() {
        assumeTrue(Toolchains.root(), "needs root");
        HostClock host = HostClock.snapshot();
        TimensRunner.Result run = attackThenRead(List.of(), "ancestors");
        host.assertNotStepped();
        Map<String, String> routes = hostRoutes(run);

        assertThat(routes).as(run.describe()).containsEntry("attach-supervisor", "ok")
                .containsEntry("step-host-clock-through-supervisor", "refused-EPERM")
                .doesNotContainValue("SUCCEEDED");
        if (!Toolchains.engineV2()) assertThat(run.single("ATTACKER").longValue("status")).as(run.describe()).isZero();
        assertClocksStillRight(run);
    }

    /** As another user, the supervisor is out of reach: not traceable, its memory closed. */
    @Test
    void asAnotherUserTheSupervisorIsOutOfReach() {
        List<String> nobody = ClockSafety.asNobody();
        assumeTrue(!nobody.isEmpty() || !Toolchains.root(), "needs root to become nobody, or to be non-root");
        HostClock host = HostClock.snapshot();
        TimensRunner.Result run = attackThenRead(nobody, "ancestors");
        host.assertNotStepped();
        Map<String, String> routes = hostRoutes(run);

        assertThat(routes).as(run.describe()).containsEntry("attach-supervisor", "refused-EPERM")
                .containsEntry("supervisor-mem-open-rdwr", "refused-EACCES")
                .containsEntry("supervisor-process-vm-writev", "refused-EPERM")
                .doesNotContainValue("SUCCEEDED");
        assertClocksStillRight(run);
    }
}
