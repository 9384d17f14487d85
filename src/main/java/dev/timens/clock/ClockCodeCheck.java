package dev.timens.clock;

import dev.timens.engine.KernelVdso;
import dev.timens.linux.Mman;
import dev.timens.linux.Time;
import dev.timens.linux.Unistd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.timens.linux.Time.NANOS;

/**
 * Runs the clock code of a freshly built image once, in this JVM, before any
 * traced program gets it: every clock it reads directly must read between two
 * readings of the same clock by syscall. {@link KernelTimeData} checks the
 * kernel's time data field by field, but only the clock code itself uses the
 * counter fields (cycle_last, mult, shift) with the TSC; this is where a
 * kernel that keeps the layout but changes what a field means is caught.
 *
 * <p>The image is copied into an anonymous private mapping (its clock page is
 * the identity there, as built), given this JVM's kernel vDSO in its process
 * page, made read-only and executable, and called through its own dynamic
 * symbol, as a program would.
 */
final class ClockCodeCheck {
    private static final int[] CLOCKS = {Time.CLOCK_REALTIME, Time.CLOCK_MONOTONIC, Time.CLOCK_MONOTONIC_RAW,
            Time.CLOCK_REALTIME_COARSE, Time.CLOCK_MONOTONIC_COARSE, Time.CLOCK_BOOTTIME, Time.CLOCK_TAI};
    private static final int ROUNDS = 3;
    /** Readings of one clock that may fall outside their bracket before it counts as wrong (the clock may be set meanwhile). */
    private static final int ATTEMPTS = 3;

    private ClockCodeCheck() {}

    /** Runs the check of {@code image} on a thread of its own; the future holds what {@link #firstWrongRead} says. */
    static java.util.concurrent.Future<String> start(VdsoImage image) {
        var check = new java.util.concurrent.CompletableFuture<String>();
        // Read here, not on the thread: once the supervisor has made itself
        // non-dumpable, its /proc/self/auxv is root's.
        long kernelVdso = KernelVdso.addressIn(Unistd.getpid());
        Thread.ofPlatform().daemon().name("timens-clock-check").start(() -> {
            try {
                check.complete(firstWrongRead(image, kernelVdso));
            } catch (Throwable t) {
                check.completeExceptionally(t);
            }
        });
        return check;
    }

    /** What the clock code of {@code image} read wrong, or null when every read was right. */
    static String firstWrongRead(VdsoImage image) {
        return firstWrongRead(image, KernelVdso.addressIn(Unistd.getpid()));
    }

    /** As above, with the kernel's vDSO at {@code kernelVdso} in this process. */
    static String firstWrongRead(VdsoImage image, long kernelVdso) {
        MemorySegment mapped = Mman.mmap(image.size(), Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0);
        try (Arena arena = Arena.ofConfined()) {
            mapped.copyFrom(MemorySegment.ofArray(image.bytes()));
            // The kernel's vDSO as the kernel passed it (/proc/self/auxv), where the
            // time data's offset was measured from: getauxval reads the copy on the
            // stack, which an outer timens has pointed at its own image.
            if (kernelVdso == 0) return "no kernel vDSO in /proc/self/auxv";
            mapped.set(ValueLayout.JAVA_LONG, image.processPageOffset() + VdsoImage.PP_KERNEL_VDSO, kernelVdso);
            Mman.mprotect(mapped, Mman.PROT_READ | Mman.PROT_EXEC);
            // Safe: the symbol lies in the code just copied and made executable, a
            // function with clock_gettime's C signature; it stays mapped until munmap
            // below, after the last call.
            MemorySegment clockGettime = mapped.asSlice(image.dynamicSymbols().get("__vdso_clock_gettime"));
            MemorySegment ts = arena.allocate(Time.TIMESPEC);
            for (int round = 0; round < ROUNDS; round++) {
                for (int clock : CLOCKS) {
                    String wrong = null;
                    for (int attempt = 0; attempt < ATTEMPTS && (attempt == 0 || wrong != null); attempt++) {
                        long before = Time.clockGettimeNanos(clock);
                        int result = Time.callClockGettime(clockGettime, clock, ts);
                        long after = Time.clockGettimeNanos(clock);
                        long nsec = ts.get(ValueLayout.JAVA_LONG, 8);
                        long read = ts.get(ValueLayout.JAVA_LONG, 0) * NANOS + nsec;
                        boolean right = result == 0 && nsec >= 0 && nsec < NANOS && read >= before && read <= after;
                        wrong = right ? null : "clock " + clock + " as " + read + " ns (result " + result
                                + ") between syscall readings " + before + " and " + after;
                    }
                    if (wrong != null) return wrong;
                }
            }
            return null;
        } finally {
            Mman.munmap(mapped);
        }
    }
}
