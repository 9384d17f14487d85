package dev.timens.clock;

import dev.timens.engine.KernelVdso;
import dev.timens.linux.Auxv;
import dev.timens.linux.Time;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The run of a built image's clock code before any program gets it: right on
 * this machine's kernel time data, caught on time data whose counter fields
 * say something else, and the image in the memory file switched to the
 * kernel's function when it is.
 */
class ClockCodeCheckTest {
    private static final long NANOS = 1_000_000_000L;

    @Test
    void theClockCodeReadsThisMachinesTimeDataRight() {
        KernelTimeData here = KernelTimeData.probe();
        assumeTrue(here.usable(), "this machine's kernel time data is not read directly: " + here.refusal());
        VdsoImage image = VdsoImage.build(KernelVdso.current().image(), VdsoImage.ClockCode.load(), here);
        assertThat(ClockCodeCheck.firstWrongRead(image)).isNull();
    }

    @Test
    void timeDataThatReadsWrongIsCaughtAndTheImageSwitchedToTheKernelsFunction() throws Throwable {
        try (Arena arena = Arena.ofShared()) {
            // Time data that passes for the TSC's but says it is 1970 (mult 0: no time passes).
            MemorySegment data = MappedImage.madeUpTimeData(arena, 0);
            for (int c = 0; c < 2; c++) {
                data.set(ValueLayout.JAVA_LONG, (long) c * KernelTimeData.CLOCK_SIZE + KernelTimeData.OFF_BASE, 1_000);
            }
            long vdso = Auxv.getauxval(Auxv.AT_SYSINFO_EHDR);
            VdsoImage image = VdsoImage.build(KernelVdso.current().image(), VdsoImage.ClockCode.load(),
                    new KernelTimeData(data.address() - vdso, null));
            assertThat(ClockCodeCheck.firstWrongRead(image)).startsWith("clock 0 as 1000000000000 ns");

            try (ClockPage page = ClockPage.create(image)) {
                page.disableKernelTimeData(image);
                try (MappedImage mapped = new MappedImage(image, page)) {
                    MethodHandle clockGettime = mapped.clockGettime();
                    MemorySegment ts = arena.allocate(Time.TIMESPEC);
                    long before = Time.clockGettimeNanos(Time.CLOCK_REALTIME);
                    assertThat((int) clockGettime.invokeExact(Time.CLOCK_REALTIME, ts)).isZero();
                    long after = Time.clockGettimeNanos(Time.CLOCK_REALTIME);
                    assertThat(ts.get(ValueLayout.JAVA_LONG, 0) * NANOS + ts.get(ValueLayout.JAVA_LONG, 8))
                            .as("the host's time, from the kernel's function").isBetween(before, after);
                }
            }
        }
    }

    /**
     * The namespace's side: the check's verdict is awaited (TimeNamespace does
     * so at the first exec, before any program maps the image); a wrong read,
     * a failed check and one that never ends all switch the image in the
     * memory file to the kernel's function, and --stats says why; a right one
     * leaves the direct read on.
     */
    @Test
    void theNamespaceSwitchesTheImageWhenTheCheckSaysSoFailsOrHangs() throws Exception {
        KernelTimeData here = KernelTimeData.probe();
        assumeTrue(here.usable(), "this machine's kernel time data is not read directly: " + here.refusal());
        ClockSettings settings = new ClockSettings(java.util.Optional.empty(), java.time.Duration.ofDays(1),
                java.time.Duration.ZERO, java.time.Duration.ZERO, java.math.BigDecimal.ONE, false);

        try (TimeNamespace right = TimeNamespace.create(settings, java.util.Set.of(), true,
                image -> java.util.concurrent.CompletableFuture.completedFuture(null))) {
            right.awaitClockCodeCheck();
            assertThat(right.kernelTimeDataInFile()).isEqualTo(here.offsetFromVdso());
            assertThat(right.clockReads()).contains("directly");
        }
        try (TimeNamespace wrong = TimeNamespace.create(settings, java.util.Set.of(), true,
                image -> java.util.concurrent.CompletableFuture.completedFuture("clock 0 as 1 ns"))) {
            wrong.awaitClockCodeCheck();
            assertThat(wrong.kernelTimeDataInFile()).isZero();
            assertThat(wrong.clockReads()).contains("through the kernel's vDSO function", "got clock 0 as 1 ns");
        }
        try (TimeNamespace failed = TimeNamespace.create(settings, java.util.Set.of(), true,
                image -> java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("no symbol")))) {
            failed.awaitClockCodeCheck();
            assertThat(failed.kernelTimeDataInFile()).isZero();
            assertThat(failed.clockReads()).contains("no result", "no symbol");
        }
        try (TimeNamespace hung = TimeNamespace.create(settings, java.util.Set.of(), true,
                image -> new java.util.concurrent.CompletableFuture<>())) {
            hung.awaitClockCodeCheck();
            assertThat(hung.kernelTimeDataInFile()).isZero();
            assertThat(hung.clockReads()).contains("no result within 2 s");
        }
    }
}
