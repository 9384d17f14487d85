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
 * the host clock. A kernel without IA32 emulation (built without it, or booted
 * with {@code ia32_emulation=0}) faults on {@code int $0x80} before any table is
 * reached: there the i386 calls fault inside as natively ("no-ia32").
 */
@Tag("e2e")
class CompatSyscallsIT {
    /** compatprobe's result for an i386 call on a kernel without IA32 emulation. */
    static final String NO_IA32 = "no-ia32";

    private final TimensRunner runner = new TimensRunner();

    /**
     * What timens must answer for a call that natively gave {@code nativeResult}:
     * the same fault where the kernel has no IA32 emulation (nothing reached a
     * kernel, so nothing can reach the host clock), else ENOSYS.
     */
    static String refused(String nativeResult) {
        return NO_IA32.equals(nativeResult) ? NO_IA32 : "error-ENOSYS";
    }

    /** Each of {@code inside}'s results is the refusal of the native one of the same name. */
    static void assertRefused(Probe natively, Probe inside, TimensRunner.Result run) {
        assertThat(inside.fields().keySet()).as(run.describe()).isEqualTo(natively.fields().keySet());
        assertThat(inside.fields()).as(run.describe())
                .allSatisfy((key, value) -> assertThat(value).as(key).isEqualTo(refused(natively.string(key))));
    }

    @Test
    void timeReadsThroughI386AndX32AreRefusedNeverHostTime() {
        String program = Toolchains.program("compatprobe").toString();
        Probe natively = runner.nativeRun(program).assertExit(0).single("COMPAT");
        // Where the kernel has IA32 emulation (Debian's) the i386 reads work
        // natively, so refusing them is what keeps host time out.

        TimensRunner.Result run = runner.timens(ProcessTreeIT.AT_2038, program).assertExit(0);
        assertThat(run.single("COMPAT").fields()).hasSize(7);
        assertRefused(natively, run.single("COMPAT"), run);
    }

    /**
     * Sleeps, timed waits, timers and sysinfo through i386 and x32: natively
     * each reaches the kernel (an i386 call gives its own answer, never
     * ENOSYS) and waits on host time; under timens every one is refused with
     * ENOSYS. The case that showed it: an absolute clock_nanosleep_time64 until
     * 0.2 s after the namespace's now, ten years behind the host, returned at
     * once.
     */
    @Test
    void sleepsWaitsAndTimersThroughI386AndX32AreRefused() {
        String program = Toolchains.program("compatprobe").toString();
        Probe natively = runner.nativeRun(program, "waits").assertExit(0).single("COMPATWAIT");
        assertThat(natively.fields()).as("natively, i386 calls reach the kernel or fault: %s", natively)
                .allSatisfy((key, value) -> {
                    if (key.startsWith("i386_")) assertThat(value).as(key).isNotEqualTo("error-ENOSYS");
                });

        TimensRunner.Result run = runner.withTimeout(java.time.Duration.ofSeconds(20))
                .timens(java.util.List.of("--offset", "-10y"), program, "waits").assertExit(0);
        Probe inside = run.single("COMPATWAIT");
        assertThat(inside.fields()).hasSizeGreaterThan(40);
        assertRefused(natively, inside, run);
    }

    /**
     * clone(CLONE_UNTRACED) through int $0x80 made a child no tracer followed:
     * its execs ran on host time. The engine clears that flag from x86_64
     * clones, but sees only the number of an i386 or x32 call, so it refuses
     * their clone and clone3 (natively the i386 clone makes a child).
     */
    @Test
    void clonesThroughI386AndX32AreRefused() {
        String program = Toolchains.program("compatprobe").toString();
        Probe natively = runner.nativeRun(program, "clone").assertExit(0).single("COMPATCLONE");
        assertThat(natively.string("i386_clone")).isIn("child", NO_IA32);
        TimensRunner.Result run = runner.timens(ProcessTreeIT.AT_2038, program, "clone").assertExit(0);
        if (Toolchains.engineV2()) {
            // Engine v2 follows no fork: the kernel gives a child the parent's filter
            // whatever the table, so the clones run as natively.
            assertThat(run.single("COMPATCLONE").fields()).as(run.describe()).isEqualTo(natively.fields());
            return;
        }
        assertThat(run.single("COMPATCLONE").fields()).hasSize(4);
        assertRefused(natively, run.single("COMPATCLONE"), run);
    }

    /**
     * An i386 executable: timens virtualizes x86_64 programs only, so it refuses
     * one at its exec with one line that says so, as it refuses other programs it
     * cannot prepare (the program is killed before its first instruction: 137),
     * never with an internal error. A kernel without IA32 emulation refuses it
     * itself (ENOEXEC): timens says so in one line, with a shell's 126.
     */
    @Test
    void anI386ExecutableIsRefusedWithOneClearLine() {
        String program = Toolchains.program("i386probe").toString();
        TimensRunner.Result natively = runner.nativeRun("sh", "-c", "exec \"$0\"", program);
        if (natively.exitCode() == 126) {
            assertThat(natively.stderr()).as(natively.describe()).contains("Exec format error");
            TimensRunner.Result run = runner.timens(java.util.List.of(), program).assertExit(126);
            assertThat(run.stdout()).as(run.describe()).isEmpty();
            assertThat(run.stderrLines()).as(run.describe()).singleElement().asString()
                    .isEqualTo("timens: " + program + ": ENOEXEC (Exec format error)");
            return;
        }
        assertThat(natively.exitCode()).as(natively.describe()).isZero();
        assertThat(natively.single("RAN").string("abi")).isEqualTo("i386");

        TimensRunner.Result run = runner.timens(java.util.List.of(), program).assertExit(137);
        assertThat(run.stdout()).as(run.describe()).isEmpty();
        assertThat(run.stderrLines()).as(run.describe()).singleElement().asString()
                .startsWith("timens: killing pid ")
                .contains("32-bit (i386) program", "timens runs only x86_64 programs")
                .doesNotContain("Exception", "MemorySegment", "bound");
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
        // i386 calls fault as natively where the kernel has no IA32 emulation (told by a read).
        String i386 = refused(runner.nativeRun(Toolchains.program("compatprobe").toString()).assertExit(0)
                .single("COMPAT").string("i386_time"));
        assertThat(results).as(run.describe()).hasSize(6).allSatisfy((key, value) ->
                assertThat(value).as(key).isEqualTo(key.startsWith("i386_") ? i386 : "error-ENOSYS"));
        // The namespace's clock did not move either (a set would have taken it back to 2030).
        assertThat(after).as(run.describe()).isBetween(ClockProgramsIT.Y2038, ClockProgramsIT.Y2038 + 60);
    }
}
