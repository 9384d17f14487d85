package dev.timens.clock;

import dev.timens.linux.Auxv;
import dev.timens.linux.Mman;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * A namespace's memory file mapped into the test JVM as a traced program maps
 * it (private, executable), with this JVM's kernel vDSO in the image's process
 * page, so that tests call the clock code for real through its own symbols.
 */
final class MappedImage implements AutoCloseable {
    private static final FunctionDescriptor CLOCK_GETTIME =
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS);

    private final VdsoImage image;
    private final MemorySegment mapped;
    final long kernelVdso = Auxv.getauxval(Auxv.AT_SYSINFO_EHDR);

    MappedImage(VdsoImage image, ClockPage page) {
        this.image = image;
        this.mapped = Mman.mmap(image.size(), Mman.PROT_READ | Mman.PROT_WRITE | Mman.PROT_EXEC,
                Mman.MAP_PRIVATE, page.fd(), 0);
        processPage(VdsoImage.PP_KERNEL_VDSO, kernelVdso);
    }

    /** Sets a field of this mapping's process page (its own copy, as finish-exec.S makes). */
    void processPage(int field, long value) {
        mapped.set(ValueLayout.JAVA_LONG, image.processPageOffset() + field, value);
    }

    /** The image's function {@code symbol} (e.g. __vdso_time), callable with {@code descriptor}. */
    MethodHandle function(String symbol, FunctionDescriptor descriptor) {
        return Linker.nativeLinker().downcallHandle(mapped.asSlice(image.dynamicSymbols().get(symbol)), descriptor);
    }

    /** The image's clock_gettime: (int clock, struct timespec *) -> int. */
    MethodHandle clockGettime() {
        return function("__vdso_clock_gettime", CLOCK_GETTIME);
    }

    @Override
    public void close() {
        Mman.munmap(mapped);
    }

    /**
     * Kernel time data made up for a test, in the layout KernelTimeData knows:
     * both clock structs as the TSC's (seq even, max_cycles 2^62, full mask,
     * {@code shift}) with mult 0, so that every clock reads its base as set.
     */
    static MemorySegment madeUpTimeData(Arena arena, int shift) {
        MemorySegment data = arena.allocate(2L * KernelTimeData.CLOCK_SIZE, 64);
        for (int c = 0; c < 2; c++) {
            long at = (long) c * KernelTimeData.CLOCK_SIZE;
            data.set(ValueLayout.JAVA_INT, at + KernelTimeData.OFF_SEQ, 2);
            data.set(ValueLayout.JAVA_INT, at + KernelTimeData.OFF_MODE, KernelTimeData.MODE_TSC);
            data.set(ValueLayout.JAVA_LONG, at + KernelTimeData.OFF_MAX_CYCLES, 1L << 62);
            data.set(ValueLayout.JAVA_LONG, at + KernelTimeData.OFF_MASK, -1L);
            data.set(ValueLayout.JAVA_INT, at + KernelTimeData.OFF_SHIFT, shift);
        }
        return data;
    }
}
