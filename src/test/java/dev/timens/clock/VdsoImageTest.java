package dev.timens.clock;

import dev.timens.engine.KernelVdso;
import dev.timens.linux.Time;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The replacement vDSO built from this machine's kernel vDSO, checked as bytes
 * and then run for real: mapped executable into this JVM exactly as a traced
 * program maps it, and called through its own dynamic symbols.
 */
class VdsoImageTest {
    private static final long NANOS = 1_000_000_000L;
    private static byte[] kernel;
    private static VdsoImage image;
    private static VdsoImage viaKernel;

    @BeforeAll
    static void build() {
        kernel = KernelVdso.current().image();
        image = VdsoImage.build(kernel, VdsoImage.ClockCode.load(), KernelTimeData.probe());
        viaKernel = VdsoImage.build(kernel, VdsoImage.ClockCode.load(), KernelTimeData.refused("the test says so"));
    }

    /** The image whose clock code reads the kernel's time data (when this machine allows it), or the other. */
    private static VdsoImage image(boolean direct) {
        return direct ? image : viaKernel;
    }

    @Test
    void keepsTheKernelImageExceptForSymbolValuesAndUnwindHeaders() {
        byte[] bytes = image.bytes();
        ByteBuffer elf = ByteBuffer.wrap(kernel).order(ByteOrder.LITTLE_ENDIAN);
        // The header fields that may change: p_filesz and p_memsz of the PT_LOAD;
        // offset, addresses and sizes of PT_GNU_EH_FRAME; address, offset and size
        // of the .eh_frame_hdr and .eh_frame sections.
        boolean[] mayChange = new boolean[kernel.length];
        for (int i = 0; i < elf.getShort(56); i++) {
            int ph = (int) elf.getLong(32) + i * elf.getShort(54);
            if (elf.getInt(ph) == 1) java.util.Arrays.fill(mayChange, ph + 32, ph + 48, true);
            if (elf.getInt(ph) == 0x6474e550) java.util.Arrays.fill(mayChange, ph + 8, ph + 48, true);
        }
        int shoff = (int) elf.getLong(40), shentsize = elf.getShort(58);
        int names = (int) elf.getLong(shoff + elf.getShort(62) * shentsize + 24);
        for (int i = 0; i < elf.getShort(60); i++) {
            int sh = shoff + i * shentsize;
            int nameAt = names + elf.getInt(sh), nameEnd = nameAt;
            while (kernel[nameEnd] != 0) nameEnd++;
            String name = new String(kernel, nameAt, nameEnd - nameAt, java.nio.charset.StandardCharsets.US_ASCII);
            if (name.equals(".eh_frame_hdr") || name.equals(".eh_frame")) {
                java.util.Arrays.fill(mayChange, sh + 16, sh + 40, true);
            }
        }
        int differing = 0;
        for (int i = 0; i < kernel.length; i++) {
            if (bytes[i] != kernel[i] && !mayChange[i]) differing++;
        }
        // Apart from those, only st_value fields (8 bytes each) of the dynamic symbols change.
        assertThat(differing).isPositive().isLessThanOrEqualTo(8 * 20);
        assertThat(image.processPageOffset() % VdsoImage.PAGE).isZero();
        assertThat(image.clockPageOffset()).isEqualTo(image.processPageOffset() + VdsoImage.PAGE);
        assertThat(image.forkPageOffset()).isEqualTo(image.clockPageOffset() + VdsoImage.PAGE);
        assertThat(image.size()).isEqualTo(image.forkPageOffset() + VdsoImage.PAGE);
    }

    /**
     * Unwinders find the object of an address by its PT_LOAD, then its FDE by a
     * binary search of the PT_GNU_EH_FRAME table (LSB "Exception Frame Header"):
     * both must cover every function of the clock code.
     */
    @Test
    void unwindTablesCoverEveryClockFunction() {
        ByteBuffer elf = ByteBuffer.wrap(image.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        long loadEnd = -1, table = -1;
        for (int i = 0; i < elf.getShort(56); i++) {
            int ph = (int) elf.getLong(32) + i * elf.getShort(54);
            if (elf.getInt(ph) == 1 && loadEnd < 0) loadEnd = elf.getLong(ph + 16) + elf.getLong(ph + 40);
            if (elf.getInt(ph) == 0x6474e550) table = elf.getLong(ph + 16);
        }
        int at = (int) table;
        assertThat(new int[] {elf.get(at), elf.get(at + 1) & 0xff, elf.get(at + 2) & 0xff, elf.get(at + 3) & 0xff})
                .as("version 1, pc-relative eh_frame_ptr, udata4 count, table-relative sdata4 entries")
                .containsExactly(1, 0x1b, 0x03, 0x3b);
        int count = elf.getInt(at + 8);
        long[] starts = new long[count];
        long[] ends = new long[count];
        for (int i = 0; i < count; i++) {
            long start = at + elf.getInt(at + 12 + 8 * i);
            int fde = at + elf.getInt(at + 16 + 8 * i);
            // The FDE (CIE augmentation "zR", pc-relative sdata4): length, CIE pointer, pc_begin, pc_range.
            assertThat(fde + 8 + elf.getInt(fde + 8)).as("the FDE's own start").isEqualTo(start);
            starts[i] = start;
            ends[i] = start + elf.getInt(fde + 12);
        }
        assertThat(starts).isSorted();
        Map<String, Long> symbols = image.dynamicSymbols();
        for (String name : new String[] {"clock_gettime", "gettimeofday", "time", "getcpu", "clock_getres"}) {
            long address = symbols.get("__vdso_" + name);
            assertThat(address).as(name + " in the PT_LOAD").isLessThan(loadEnd);
            boolean covered = false;
            for (int i = 0; i < count; i++) covered |= address >= starts[i] && address < ends[i];
            assertThat(covered).as(name + " has unwind rules").isTrue();
        }
        assertThat(ends[count - 1]).isLessThanOrEqualTo(loadEnd);
    }

    @Test
    void pointsClockSymbolsAtTheClockCodeAndTheRestAtStubs() {
        Map<String, Long> symbols = image.dynamicSymbols();
        long code = ((kernel.length + VdsoImage.PAGE - 1) / VdsoImage.PAGE) * (long) VdsoImage.PAGE;
        assertThat(symbols.get("__vdso_clock_gettime")).isEqualTo(symbols.get("clock_gettime")).isGreaterThanOrEqualTo(code);
        assertThat(symbols.get("__vdso_gettimeofday")).isGreaterThanOrEqualTo(code);
        assertThat(symbols.get("__vdso_time")).isGreaterThanOrEqualTo(code);
        assertThat(symbols.get("__vdso_getcpu")).as("forwarded").isGreaterThanOrEqualTo(code)
                .isLessThan(image.processPageOffset());
        assertThat(symbols.values()).allSatisfy(v -> assertThat(v).isLessThan(image.processPageOffset()));
    }

    /**
     * The memory file is sealed once the supervisor's own mapping exists: its
     * writes still land (readers see them), but nobody else can write, map it
     * writable, truncate or grow it, however the file was opened.
     */
    @Test
    void theImageFileIsSealedAgainstEveryOtherWriter() throws Exception {
        try (ClockPage page = ClockPage.create(image)) {
            assertThat(dev.timens.linux.Mman.seals(page.fd())).isEqualTo(ClockPage.SEALS);
            java.nio.file.Path path = java.nio.file.Path.of("/proc/self/fd/" + page.fd());
            try (java.nio.channels.FileChannel file = java.nio.channels.FileChannel.open(path,
                    java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
                assertThatThrownBy(() -> file.write(java.nio.ByteBuffer.allocate(8), 0)).isInstanceOf(IOException.class);
                assertThatThrownBy(() -> file.truncate(0)).isInstanceOf(IOException.class);
                assertThatThrownBy(() -> file.write(java.nio.ByteBuffer.allocate(8), image.size()))
                        .as("growing").isInstanceOf(IOException.class);
                assertThatThrownBy(() -> file.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, 4096))
                        .isInstanceOf(IOException.class);
                assertThat(file.size()).isEqualTo(image.size());
            }
            page.publish(Map.of(ClockGroup.REALTIME, ClockTransform.offset(86_400L * NANOS)));
            assertThat(page.readShared(ClockGroup.REALTIME)).isEqualTo(page.transform(ClockGroup.REALTIME));
        }
    }

    @ParameterizedTest(name = "direct read: {0}")
    @ValueSource(booleans = {true, false})
    void clockCodeAppliesTheTransformsWhenCalledForReal(boolean direct) throws Throwable {
        VdsoImage image = image(direct);
        try (ClockPage page = ClockPage.create(image); Arena arena = Arena.ofConfined()) {
            long day = 86_400L * NANOS;
            long monoNow = Time.clockGettimeNanos(Time.CLOCK_MONOTONIC);
            page.publish(Map.of(
                    ClockGroup.REALTIME, ClockTransform.offset(-3 * day - 123_456_789L),
                    ClockGroup.MONOTONIC, new ClockTransform(monoNow, 5 * NANOS, 10L << 32, 32, true)));
            try (MappedImage mapped = new MappedImage(image, page)) {
                MethodHandle clockGettime = mapped.clockGettime();
                MethodHandle time = mapped.function("__vdso_time",
                        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
                MemorySegment ts = arena.allocate(Time.TIMESPEC);

                long before = Time.clockGettimeNanos(Time.CLOCK_REALTIME);
                assertThat((int) clockGettime.invokeExact(Time.CLOCK_REALTIME, ts)).isZero();
                long after = Time.clockGettimeNanos(Time.CLOCK_REALTIME);
                long virtual = ts.get(ValueLayout.JAVA_LONG, 0) * NANOS + ts.get(ValueLayout.JAVA_LONG, 8);
                assertThat(ts.get(ValueLayout.JAVA_LONG, 8)).isBetween(0L, NANOS - 1);
                assertThat(virtual).isBetween(before - 3 * day - 123_456_789L, after - 3 * day - 123_456_789L);

                long seconds = (long) time.invokeExact(MemorySegment.NULL);
                assertThat(seconds).isBetween((before - 3 * day) / NANOS - 2, (after - 3 * day) / NANOS + 1);

                // MONOTONIC runs ten times faster from 5 s, through the scaled path.
                assertThat((int) clockGettime.invokeExact(Time.CLOCK_MONOTONIC, ts)).isZero();
                long monoAfter = Time.clockGettimeNanos(Time.CLOCK_MONOTONIC);
                long monoVirtual = ts.get(ValueLayout.JAVA_LONG, 0) * NANOS + ts.get(ValueLayout.JAVA_LONG, 8);
                assertThat(monoVirtual).isBetween(5 * NANOS, 5 * NANOS + 10 * (monoAfter - monoNow));

                // BOOTTIME was left alone; CPU time is never touched.
                long bootBefore = Time.clockGettimeNanos(Time.CLOCK_BOOTTIME);
                assertThat((int) clockGettime.invokeExact(Time.CLOCK_BOOTTIME, ts)).isZero();
                long boot = ts.get(ValueLayout.JAVA_LONG, 0) * NANOS + ts.get(ValueLayout.JAVA_LONG, 8);
                assertThat(boot).isBetween(bootBefore, Time.clockGettimeNanos(Time.CLOCK_BOOTTIME));
                assertThat((int) clockGettime.invokeExact(Time.CLOCK_PROCESS_CPUTIME_ID, ts)).isZero();
                assertThat(ts.get(ValueLayout.JAVA_LONG, 0)).isLessThan(3600);

                // Under a rate, TAI keeps its host distance from REALTIME (the TAI offset).
                page.publish(Map.of(ClockGroup.REALTIME, new ClockTransform(
                        Time.clockGettimeNanos(Time.CLOCK_REALTIME), 0, 10L << 32, 32, true)));
                long hostGap = Time.clockGettimeNanos(Time.CLOCK_TAI) - Time.clockGettimeNanos(Time.CLOCK_REALTIME);
                assertThat((int) clockGettime.invokeExact(Time.CLOCK_REALTIME, ts)).isZero();
                long rt = ts.get(ValueLayout.JAVA_LONG, 0) * NANOS + ts.get(ValueLayout.JAVA_LONG, 8);
                assertThat((int) clockGettime.invokeExact(Time.CLOCK_TAI, ts)).isZero();
                long tai = ts.get(ValueLayout.JAVA_LONG, 0) * NANOS + ts.get(ValueLayout.JAVA_LONG, 8);
                assertThat(tai - rt).as("TAI - REALTIME at rate 10").isBetween(hostGap - 50_000_000L, hostGap + 50_000_000L);

                // And MONOTONIC_RAW its distance from MONOTONIC (NTP's correction, -0.2 s on the
                // development VM, which a scaled read would have multiplied by 10).
                // (From 1000 s: a scaled clock at 0 would put RAW below zero, where it saturates.)
                page.publish(Map.of(ClockGroup.MONOTONIC, new ClockTransform(
                        Time.clockGettimeNanos(Time.CLOCK_MONOTONIC), 1_000 * NANOS, 10L << 32, 32, true)));
                long rawGap = Time.clockGettimeNanos(Time.CLOCK_MONOTONIC_RAW) - Time.clockGettimeNanos(Time.CLOCK_MONOTONIC);
                assertThat((int) clockGettime.invokeExact(Time.CLOCK_MONOTONIC, ts)).isZero();
                long mono = ts.get(ValueLayout.JAVA_LONG, 0) * NANOS + ts.get(ValueLayout.JAVA_LONG, 8);
                assertThat((int) clockGettime.invokeExact(Time.CLOCK_MONOTONIC_RAW, ts)).isZero();
                long raw = ts.get(ValueLayout.JAVA_LONG, 0) * NANOS + ts.get(ValueLayout.JAVA_LONG, 8);
                assertThat(raw - mono).as("MONOTONIC_RAW - MONOTONIC at rate 10")
                        .isBetween(rawGap - 50_000_000L, rawGap + 50_000_000L);

                // A new offset is seen at once by the already-mapped code.
                page.publish(Map.of(ClockGroup.REALTIME, ClockTransform.offset(day)));
                assertThat((int) clockGettime.invokeExact(Time.CLOCK_REALTIME_COARSE, ts)).isZero();
                assertThat(ts.get(ValueLayout.JAVA_LONG, 0) * NANOS).isGreaterThan(before + day - 2 * NANOS);
            }
        }
    }

    /**
     * With the identity transform, every clock the image answers reads exactly
     * as the kernel's: each reading lies between two readings of the kernel's
     * own vDSO function (through libc, tens of nanoseconds apart, so that a
     * formula off by more than that fails), over many rounds and across the
     * kernel's updates (ticks), for every clock the kernel's vDSO answers, read
     * directly or through the kernel's function.
     */
    @ParameterizedTest(name = "direct read: {0}")
    @ValueSource(booleans = {true, false})
    void everyClockReadsAsTheKernelsWithTheIdentityTransform(boolean direct) throws Throwable {
        KernelTimeData here = KernelTimeData.probe();
        assumeTrue(!direct || here.usable(), "this machine's kernel time data is not read directly: " + here.refusal());
        VdsoImage image = image(direct);
        try (ClockPage page = ClockPage.create(image); Arena arena = Arena.ofConfined()) {
            page.publish(Map.of());
            try (MappedImage mapped = new MappedImage(image, page)) {
                MethodHandle clockGettime = mapped.clockGettime();
                MethodHandle kernelClockGettime = Linker.nativeLinker().downcallHandle(
                        Linker.nativeLinker().defaultLookup().find("clock_gettime").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
                MemorySegment ts = arena.allocate(Time.TIMESPEC);
                MemorySegment kernelTs = arena.allocate(Time.TIMESPEC);
                int[] clocks = {Time.CLOCK_REALTIME, Time.CLOCK_MONOTONIC, Time.CLOCK_MONOTONIC_RAW,
                        Time.CLOCK_REALTIME_COARSE, Time.CLOCK_MONOTONIC_COARSE, Time.CLOCK_BOOTTIME, Time.CLOCK_TAI};
                long deadline = System.nanoTime() + 300_000_000L; // long enough for a few ticks
                int rounds = 0;
                while (rounds < 2000 || System.nanoTime() < deadline) {
                    for (int clock : clocks) {
                        assertThat((int) kernelClockGettime.invokeExact(clock, kernelTs)).isZero();
                        long before = kernelTs.get(ValueLayout.JAVA_LONG, 0) * NANOS + kernelTs.get(ValueLayout.JAVA_LONG, 8);
                        assertThat((int) clockGettime.invokeExact(clock, ts)).isZero();
                        assertThat((int) kernelClockGettime.invokeExact(clock, kernelTs)).isZero();
                        long after = kernelTs.get(ValueLayout.JAVA_LONG, 0) * NANOS + kernelTs.get(ValueLayout.JAVA_LONG, 8);
                        long nsec = ts.get(ValueLayout.JAVA_LONG, 8);
                        assertThat(nsec).as("tv_nsec of clock %d", clock).isBetween(0L, NANOS - 1);
                        assertThat(ts.get(ValueLayout.JAVA_LONG, 0) * NANOS + nsec)
                                .as("clock %d, round %d", clock, rounds).isBetween(before, after);
                    }
                    rounds++;
                }
                // Ids the image does not read itself still answer as the kernel's function does.
                assertThat((int) clockGettime.invokeExact(Time.CLOCK_THREAD_CPUTIME_ID, ts)).isZero();
                assertThat((int) clockGettime.invokeExact(-1, ts)).isNotZero();
                assertThat((int) clockGettime.invokeExact(16, ts)).isNotZero();
            }
        }
    }

    /**
     * The direct read, on kernel time data made up here so that every branch
     * runs whatever this machine's clock source: each clock reads its own base
     * (mult 0: no time has passed since the kernel's update), the offset
     * carried into the seconds; and the clock code turns to the kernel's
     * function whenever the data is not the TSC's (another clock source, a
     * kernel time namespace's page, whose seq stays odd), or the counter is
     * behind the last update or too far past it; it waits out an update in
     * progress.
     */
    @Test
    void readsTheKernelsTimeDataAsTheKernelDoes() throws Throwable {
        long day = 86_400L * NANOS;
        long offset = day + NANOS - 1;
        try (ClockPage page = ClockPage.create(viaKernel); Arena arena = Arena.ofShared()) {
            page.publish(Map.of(ClockGroup.REALTIME, ClockTransform.offset(offset)));
            try (MappedImage mapped = new MappedImage(viaKernel, page)) {
                int shift = 8;
                MemorySegment data = MappedImage.madeUpTimeData(arena, shift);
                mapped.processPage(VdsoImage.PP_KERNEL_TIME_DATA, data.address() - mapped.kernelVdso);
                MethodHandle clockGettime = mapped.clockGettime();
                MemorySegment ts = arena.allocate(Time.TIMESPEC);
                // Each clock's base: a second count and nanoseconds of its own; MONOTONIC's
                // are 3.7 s over, as after the kernel let its ticks stop for a while.
                Map<Integer, long[]> bases = Map.of(
                        Time.CLOCK_REALTIME, new long[] {1_000, 500_000_000}, Time.CLOCK_MONOTONIC, new long[] {2_000, 3_700_000_001L},
                        Time.CLOCK_MONOTONIC_RAW, new long[] {3_000, 3}, Time.CLOCK_REALTIME_COARSE, new long[] {4_000, 4},
                        Time.CLOCK_MONOTONIC_COARSE, new long[] {5_000, 5}, Time.CLOCK_BOOTTIME, new long[] {6_000, 6},
                        Time.CLOCK_TAI, new long[] {7_000, 7});
                bases.forEach((clock, base) -> {
                    boolean coarse = clock == Time.CLOCK_REALTIME_COARSE || clock == Time.CLOCK_MONOTONIC_COARSE;
                    long at = (clock == Time.CLOCK_MONOTONIC_RAW ? KernelTimeData.CLOCK_SIZE : 0)
                            + KernelTimeData.OFF_BASE + (long) clock * KernelTimeData.BASE_SIZE;
                    data.set(ValueLayout.JAVA_LONG, at, base[0]);
                    data.set(ValueLayout.JAVA_LONG, at + 8, coarse ? base[1] : base[1] << shift);
                });
                for (var e : bases.entrySet()) {
                    int clock = e.getKey();
                    boolean shifted = clock == Time.CLOCK_REALTIME || clock == Time.CLOCK_REALTIME_COARSE
                            || clock == Time.CLOCK_TAI;
                    long expected = e.getValue()[0] * NANOS + e.getValue()[1] + (shifted ? offset : 0);
                    assertThat((int) clockGettime.invokeExact(clock, ts)).isZero();
                    assertThat(ts.get(ValueLayout.JAVA_LONG, 8)).as("tv_nsec of clock %d", clock).isBetween(0L, NANOS - 1);
                    assertThat(ts.get(ValueLayout.JAVA_LONG, 0) * NANOS + ts.get(ValueLayout.JAVA_LONG, 8))
                            .as("clock %d", clock).isEqualTo(expected);
                }

                // The kernel's function answers: the host's REALTIME, plus the offset.
                java.util.function.Consumer<String> readsTheHost = why -> {
                    try {
                        long before = Time.clockGettimeNanos(Time.CLOCK_REALTIME);
                        assertThat((int) clockGettime.invokeExact(Time.CLOCK_REALTIME, ts)).isZero();
                        long after = Time.clockGettimeNanos(Time.CLOCK_REALTIME);
                        assertThat(ts.get(ValueLayout.JAVA_LONG, 0) * NANOS + ts.get(ValueLayout.JAVA_LONG, 8))
                                .as(why).isBetween(before + offset, after + offset);
                    } catch (Error | RuntimeException t) {
                        throw t;
                    } catch (Throwable t) {
                        throw new AssertionError(t);
                    }
                };
                data.set(ValueLayout.JAVA_LONG, KernelTimeData.OFF_CYCLE_LAST, Long.MAX_VALUE);
                readsTheHost.accept("the counter behind the last update");
                data.set(ValueLayout.JAVA_LONG, KernelTimeData.OFF_CYCLE_LAST, 0);
                data.set(ValueLayout.JAVA_LONG, KernelTimeData.OFF_MAX_CYCLES, 1);
                readsTheHost.accept("the counter too far past the last update");
                data.set(ValueLayout.JAVA_LONG, KernelTimeData.OFF_MAX_CYCLES, 1L << 62);
                data.set(ValueLayout.JAVA_INT, KernelTimeData.OFF_MODE, 2);
                readsTheHost.accept("kvm-clock");
                data.set(ValueLayout.JAVA_INT, KernelTimeData.OFF_MODE, Integer.MAX_VALUE);
                data.set(ValueLayout.JAVA_INT, KernelTimeData.OFF_SEQ, 1);
                readsTheHost.accept("a kernel time namespace's page");

                // An update in progress (odd seq) is waited out, then the new data read.
                data.set(ValueLayout.JAVA_INT, KernelTimeData.OFF_MODE, KernelTimeData.MODE_TSC);
                data.set(ValueLayout.JAVA_INT, KernelTimeData.OFF_SEQ, 3);
                Thread writer = Thread.ofPlatform().start(() -> {
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    data.set(ValueLayout.JAVA_LONG, KernelTimeData.OFF_BASE, 9_000);
                    java.lang.invoke.VarHandle.releaseFence();
                    data.set(ValueLayout.JAVA_INT, KernelTimeData.OFF_SEQ, 4);
                });
                assertThat((int) clockGettime.invokeExact(Time.CLOCK_REALTIME, ts)).isZero();
                writer.join();
                assertThat(ts.get(ValueLayout.JAVA_LONG, 0) * NANOS + ts.get(ValueLayout.JAVA_LONG, 8))
                        .isEqualTo(9_000 * NANOS + 500_000_000 + offset);
            }
        }
    }
}
