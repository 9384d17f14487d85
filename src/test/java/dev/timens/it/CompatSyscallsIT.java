package dev.timens.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The other syscall tables of a 64-bit process: i386 numbers through
 * {@code int $0x80} and x32 numbers. Natively the i386 time calls read the host
 * clock (where the kernel has IA32 emulation); under timens every time call
 * through them is refused with ENOSYS, reads and sets alike, and never reaches
 * the host clock.
 */
@Tag("e2e")
class CompatSyscallsIT {
    private final TimensRunner runner = new TimensRunner();

    @Test
    void timeReadsThroughI386AndX32AreRefusedNeverHostTime() {
        String program = Toolchains.program("compatprobe").toString();
        Probe natively = runner.nativeRun(program).assertExit(0).single("COMPAT");
        // Where the kernel has IA32 emulation (Debian's, this VM's) the i386 reads
        // work natively, so refusing them is what keeps host time out.
        if (natively.string("i386_clock_gettime").startsWith("error-")) {
            Toolchains.unavailable("this kernel has no IA32 emulation (int $0x80 fails natively): " + natively);
        }

        TimensRunner.Result run = runner.timens(ProcessTreeIT.AT_2038, program).assertExit(0);
        Probe inside = run.single("COMPAT");
        assertThat(inside.fields()).as(run.describe()).hasSize(7)
                .allSatisfy((key, value) -> assertThat(value).as(key).isEqualTo("error-ENOSYS"));
    }

    @Test
    void clockSetsThroughI386AndX32AreRefusedAndTheHostClockStays() {
        ClockSafety.requireSettingIsVirtualized();
        HostClock host = HostClock.snapshot();
        // Without capabilities: a set that timens let through would fail with EPERM, not move the clock.
        TimensRunner.Result run = runner.withEnv("TIMENS_TEST_ALLOW_SET", "1")
                .wrappedIn(ClockSafety.withoutCapabilities())
                .timens(ProcessTreeIT.AT_2038, Toolchains.program("compatprobe").toString(), "set");
        host.assertNotStepped();
        Probe set = run.assertExit(0).single("COMPATSET");
        Map<String, String> results = new java.util.HashMap<>(set.fields());
        long after = Long.parseLong(results.remove("after"));
        assertThat(results).as(run.describe()).hasSize(6)
                .allSatisfy((key, value) -> assertThat(value).as(key).isEqualTo("error-ENOSYS"));
        // The namespace's clock did not move either (a set would have taken it back to 2030).
        assertThat(after).as(run.describe()).isBetween(ClockProgramsIT.Y2038, ClockProgramsIT.Y2038 + 60);
    }
}
