package dev.timens.clock;

import dev.timens.engine.KernelVdso;
import dev.timens.linux.Time;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The clock code's arithmetic at the ends of the range, run for real in this
 * JVM ({@link MappedImage}): on kernel time data made up here, so that the host
 * time is whatever the property chooses, the clock code answers exactly what
 * {@link ClockTransform#apply} answers for the raw syscalls, saturated to
 * [0, KTIME_MAX] in every mode (offset, scaled, stopped), for every clock of
 * every group, and through {@code time()}. Through the kernel's function (the
 * host's real time), it lies between the transform of the host times read just
 * before and after.
 */
class ClockCodeRangeTest {
    private static final long NANOS = 1_000_000_000L;
    private static final int[] CLOCKS = {Time.CLOCK_REALTIME, Time.CLOCK_REALTIME_COARSE, Time.CLOCK_MONOTONIC,
        Time.CLOCK_MONOTONIC_COARSE, Time.CLOCK_BOOTTIME};

    private static Arena arena;
    private static MemorySegment timeData;
    private static ClockPage direct;
    private static MappedImage directMapped;
    private static MethodHandle directGettime;
    private static MethodHandle directTime;
    private static ClockPage viaKernel;
    private static MappedImage viaKernelMapped;
    private static MethodHandle viaKernelGettime;
    private static MemorySegment ts;

    /**
     * Mapped once and never unmapped: when a property fails, jqwik may go on
     * shrinking on a worker thread past its time limit, after the container
     * ended, and an unmapped clock page there would crash the test JVM. The
     * test JVM's exit releases them.
     */
    @BeforeContainer
    static void mapTheClockCode() {
        arena = Arena.ofShared();
        byte[] kernel = KernelVdso.current().image();
        // mult 0 and shift 0: every clock reads its base exactly as set below.
        timeData = MappedImage.madeUpTimeData(arena, 0);
        VdsoImage image = VdsoImage.build(kernel, VdsoImage.ClockCode.load(),
                new KernelTimeData(1, null)); // any non-zero offset; the mapping's own is set below
        direct = ClockPage.create(image);
        directMapped = new MappedImage(image, direct);
        directMapped.processPage(VdsoImage.PP_KERNEL_TIME_DATA, timeData.address() - directMapped.kernelVdso);
        directGettime = directMapped.clockGettime();
        directTime = directMapped.function("__vdso_time", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));

        VdsoImage kernelOnly = VdsoImage.build(kernel, VdsoImage.ClockCode.load(), KernelTimeData.refused("the test says so"));
        viaKernel = ClockPage.create(kernelOnly);
        viaKernelMapped = new MappedImage(kernelOnly, viaKernel);
        viaKernelGettime = viaKernelMapped.clockGettime();
        ts = arena.allocate(Time.TIMESPEC);
    }

    /** Transforms as timens makes them, and the extremes around them. */
    @Provide
    Arbitrary<ClockTransform> transforms() {
        Arbitrary<Long> anyTime = Arbitraries.oneOf(Arbitraries.longs().between(0, Long.MAX_VALUE),
                Arbitraries.longs().between(Long.MAX_VALUE - 1_000 * NANOS, Long.MAX_VALUE),
                Arbitraries.longs().between(0, 1_000 * NANOS));
        Arbitrary<ClockTransform> offsets = Arbitraries.longs().between(-Long.MAX_VALUE, Long.MAX_VALUE)
                .map(ClockTransform::offset);
        Arbitrary<ClockTransform> setAtUnitRate = Combinators.combine(anyTime, anyTime)
                .as((real, virtual) -> ClockTransform.IDENTITY.setTo(real, virtual));
        Arbitrary<Long> mults = Arbitraries.oneOf(Arbitraries.just(0L), Arbitraries.just(ClockTransform.UNIT_RATE),
                Arbitraries.longs().between(1, Long.MAX_VALUE));
        Arbitrary<ClockTransform> scaled = Combinators.combine(anyTime, anyTime, mults, Arbitraries.integers().between(0, 63))
                .as((real, virtual, mult, shift) -> new ClockTransform(real, virtual, mult, shift, true));
        return Arbitraries.oneOf(offsets, setAtUnitRate, scaled);
    }

    @Provide
    Arbitrary<Long> hostTimes() {
        return Arbitraries.oneOf(Arbitraries.longs().between(0, Long.MAX_VALUE),
                Arbitraries.longs().between(Long.MAX_VALUE - 1_000 * NANOS, Long.MAX_VALUE),
                Arbitraries.longs().between(0, 1_000 * NANOS));
    }

    @Provide
    Arbitrary<Integer> clocks() {
        return Arbitraries.of(0, 1, 2, 3, 4).map(i -> CLOCKS[i]);
    }

    @Property(tries = 3000)
    void theClockCodeAnswersWhatTheRawSyscallsAnswer(@ForAll("transforms") ClockTransform transform,
                                                     @ForAll("hostTimes") long host,
                                                     @ForAll("clocks") int clock) throws Throwable {
        ClockGroup group = ClockGroup.of(clock);
        direct.publish(Map.of(group, transform));
        setHostTime(clock, host);
        long expected = transform.apply(host);

        assertThat((int) directGettime.invokeExact(clock, ts)).isZero();
        long sec = ts.get(ValueLayout.JAVA_LONG, 0);
        long nsec = ts.get(ValueLayout.JAVA_LONG, 8);
        assertThat(nsec).as("tv_nsec").isBetween(0L, NANOS - 1);
        assertThat(sec).as("tv_sec").isBetween(0L, Long.MAX_VALUE / NANOS);
        assertThat(sec * NANOS + nsec).as("clock %d at host %d under %s", clock, host, transform).isEqualTo(expected);
        if (clock == Time.CLOCK_REALTIME_COARSE) {
            assertThat((long) directTime.invokeExact(MemorySegment.NULL)).as("time()").isEqualTo(expected / NANOS);
        }
    }

    /** The kernel's function gives the host's real time: the answer lies between the transform of the times around it. */
    @Property(tries = 500)
    void throughTheKernelsFunctionTooItStaysInRangeAndAgrees(@ForAll("transforms") ClockTransform transform) throws Throwable {
        viaKernel.publish(Map.of(ClockGroup.REALTIME, transform));
        long before = Time.clockGettimeNanos(Time.CLOCK_REALTIME);
        assertThat((int) viaKernelGettime.invokeExact(Time.CLOCK_REALTIME, ts)).isZero();
        long after = Time.clockGettimeNanos(Time.CLOCK_REALTIME);
        long sec = ts.get(ValueLayout.JAVA_LONG, 0);
        long nsec = ts.get(ValueLayout.JAVA_LONG, 8);
        assertThat(nsec).isBetween(0L, NANOS - 1);
        assertThat(sec).isBetween(0L, Long.MAX_VALUE / NANOS);
        assertThat(sec * NANOS + nsec).as("under %s", transform)
                .isBetween(transform.apply(before), transform.apply(after));
    }

    /** Past the end, the direct read and the kernel's function both stand at KTIME_MAX, to the nanosecond. */
    @Property(tries = 200)
    void pastTheEndEveryPathReadsKtimeMax(@ForAll @LongRange(min = 0, max = 1_000_000L * NANOS) long past) throws Throwable {
        long now = Time.clockGettimeNanos(Time.CLOCK_REALTIME);
        ClockTransform t = ClockTransform.IDENTITY.setTo(now - past - 1, Long.MAX_VALUE);
        viaKernel.publish(Map.of(ClockGroup.REALTIME, t));
        direct.publish(Map.of(ClockGroup.REALTIME, t));
        setHostTime(Time.CLOCK_REALTIME, now);
        for (MethodHandle gettime : new MethodHandle[] {viaKernelGettime, directGettime}) {
            assertThat((int) gettime.invokeExact(Time.CLOCK_REALTIME, ts)).isZero();
            assertThat(ts.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(Long.MAX_VALUE / NANOS);
            assertThat(ts.get(ValueLayout.JAVA_LONG, 8)).isEqualTo(Long.MAX_VALUE % NANOS);
        }
    }

    /** The made-up kernel time data says {@code clock} reads {@code nanos} now. */
    private static void setHostTime(int clock, long nanos) {
        long at = KernelTimeData.OFF_BASE + (long) clock * KernelTimeData.BASE_SIZE;
        timeData.set(ValueLayout.JAVA_LONG, at, nanos / NANOS);
        timeData.set(ValueLayout.JAVA_LONG, at + 8, nanos % NANOS);
    }
}
