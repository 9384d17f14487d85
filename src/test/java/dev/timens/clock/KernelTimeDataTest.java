package dev.timens.clock;

import dev.timens.linux.Time;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.IntToLongFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The check of the kernel's time data: on this machine for real, and on pages
 * built here in the layout timens knows and in others it must refuse.
 */
class KernelTimeDataTest {
    private static final long NS = 1_000_000_000L;
    private static final int SHIFT = 24;
    private static final long MULT = 0x629bd8; // 0.385 ns per cycle: a 2.6 GHz TSC
    /** A frozen host: what each clock reads, in nanoseconds. */
    private static final Map<Integer, Long> NOW = Map.of(
            Time.CLOCK_REALTIME, 1_796_189_465_107_565_447L, Time.CLOCK_REALTIME_COARSE, 1_796_189_465_102_222_763L,
            Time.CLOCK_TAI, 1_796_189_502_107_565_447L, Time.CLOCK_MONOTONIC, 21_757_482_870_300L,
            Time.CLOCK_MONOTONIC_COARSE, 21_757_477_527_366L, Time.CLOCK_BOOTTIME, 21_762_482_870_400L,
            Time.CLOCK_MONOTONIC_RAW, 21_757_682_870_300L);
    private static final IntToLongFunction CLOCKS = NOW::get;

    @Test
    void isReadDirectlyOnThisMachineWhenTheClockSourceIsTheTsc() throws IOException {
        String source = Files.readString(Path.of("/sys/devices/system/clocksource/clocksource0/current_clocksource")).trim();
        KernelTimeData data = KernelTimeData.probe();
        if (source.equals("tsc")) {
            assertThat(data.refusal()).isNull();
            assertThat(data.usable()).isTrue();
            assertThat(data.offsetFromVdso()).isNegative();
            assertThat(data.offsetFromVdso() % 4096).isZero();
            assertThat(data.describe()).contains("directly");
        } else {
            assertThat(data.usable()).as("clock source %s", source).isFalse();
            assertThat(data.describe()).contains("through the kernel's vDSO function");
        }
    }

    @Test
    void acceptsTheLayoutItKnows() {
        try (Arena arena = Arena.ofConfined()) {
            KernelTimeData data = KernelTimeData.check(page(arena, false), -0x6000, CLOCKS);
            assertThat(data.refusal()).isNull();
            assertThat(data.offsetFromVdso()).isEqualTo(-0x6000);
        }
    }

    @Test
    void refusesTheLayoutOfKernelsWithoutOverflowProtection() {
        try (Arena arena = Arena.ofConfined()) {
            KernelTimeData data = KernelTimeData.check(page(arena, true), -0x6000, CLOCKS);
            assertThat(data.usable()).isFalse();
            assertThat(data.offsetFromVdso()).isZero();
            assertThat(data.refusal()).startsWith("its layout is not the one timens knows");
        }
    }

    @Test
    void refusesOtherClockSourcesAndKernelTimeNamespaces() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = page(arena, false);
            page.set(ValueLayout.JAVA_INT, KernelTimeData.OFF_MODE, 2);
            assertThat(KernelTimeData.check(page, -0x6000, CLOCKS).refusal()).contains("kvm-clock");
            page.set(ValueLayout.JAVA_INT, KernelTimeData.OFF_MODE, Integer.MAX_VALUE);
            page.set(ValueLayout.JAVA_INT, KernelTimeData.OFF_SEQ, 1);
            assertThat(KernelTimeData.check(page, -0x6000, CLOCKS).refusal()).contains("kernel time namespace");
        }
    }

    @Test
    void refusesBasesThatAreNotTheClocks() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = page(arena, false);
            // The coarse clocks' entries swapped: each still looks like a time.
            long rt = base(Time.CLOCK_REALTIME_COARSE);
            long mono = base(Time.CLOCK_MONOTONIC_COARSE);
            MemorySegment saved = arena.allocate(16).copyFrom(page.asSlice(rt, 16));
            page.asSlice(rt, 16).copyFrom(page.asSlice(mono, 16));
            page.asSlice(mono, 16).copyFrom(saved);
            assertThat(KernelTimeData.check(page, -0x6000, CLOCKS).refusal()).contains("clock 5 has base");

            page = page(arena, false);
            page.set(ValueLayout.JAVA_LONG, base(Time.CLOCK_BOOTTIME), NOW.get(Time.CLOCK_BOOTTIME) / NS + 86_400);
            assertThat(KernelTimeData.check(page, -0x6000, CLOCKS).refusal()).contains("clock 7 has base");

            // BOOTTIME's slot holding MONOTONIC's time: within ten seconds of BOOTTIME
            // (5 s spent suspended), but not as far from MONOTONIC as the clocks are.
            page = page(arena, false);
            page.asSlice(base(Time.CLOCK_BOOTTIME), 16).copyFrom(page.asSlice(base(Time.CLOCK_MONOTONIC), 16));
            assertThat(KernelTimeData.check(page, -0x6000, CLOCKS).refusal()).contains("clocks 7 and 1 are");
        }
    }

    @Test
    void givesUpOnDataThatIsAlwaysBeingWritten() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = page(arena, false);
            page.set(ValueLayout.JAVA_INT, KernelTimeData.OFF_SEQ, 7);
            assertThat(KernelTimeData.check(page, -0x6000, CLOCKS).refusal()).contains("kept changing");
        }
    }

    private static long base(int clock) {
        return KernelTimeData.OFF_BASE + (long) clock * KernelTimeData.BASE_SIZE;
    }

    /**
     * The time data of a kernel whose last update was 2 ms before NOW, in
     * timens's layout, or with {@code withoutMaxCycles} in the layout before
     * the field existed (everything from mask on 8 bytes earlier).
     */
    private static MemorySegment page(Arena arena, boolean withoutMaxCycles) {
        MemorySegment page = arena.allocate(4096, 64);
        int gap = withoutMaxCycles ? 8 : 0;
        int size = KernelTimeData.CLOCK_SIZE - gap;
        for (int c = 0; c < 2; c++) {
            long at = (long) c * size;
            page.set(ValueLayout.JAVA_INT, at + KernelTimeData.OFF_SEQ, 1234);
            page.set(ValueLayout.JAVA_INT, at + KernelTimeData.OFF_MODE, KernelTimeData.MODE_TSC);
            page.set(ValueLayout.JAVA_LONG, at + KernelTimeData.OFF_CYCLE_LAST, 56_485_221_595_912L);
            if (!withoutMaxCycles) page.set(ValueLayout.JAVA_LONG, at + KernelTimeData.OFF_MAX_CYCLES, 2_571_587_663_918L);
            page.set(ValueLayout.JAVA_LONG, at + KernelTimeData.OFF_MASK - gap, -1L);
            page.set(ValueLayout.JAVA_INT, at + KernelTimeData.OFF_MULT - gap, (int) MULT);
            page.set(ValueLayout.JAVA_INT, at + KernelTimeData.OFF_SHIFT - gap, SHIFT);
        }
        long updated = 2_000_000L;
        for (int clock : new int[] {Time.CLOCK_REALTIME, Time.CLOCK_MONOTONIC, Time.CLOCK_BOOTTIME, Time.CLOCK_TAI,
                Time.CLOCK_MONOTONIC_RAW}) {
            long at = (clock == Time.CLOCK_MONOTONIC_RAW ? size : 0) + base(clock) - gap;
            long t = NOW.get(clock) - updated;
            page.set(ValueLayout.JAVA_LONG, at, t / NS);
            page.set(ValueLayout.JAVA_LONG, at + 8, (t % NS) << SHIFT);
        }
        for (int clock : new int[] {Time.CLOCK_REALTIME_COARSE, Time.CLOCK_MONOTONIC_COARSE}) {
            long t = NOW.get(clock);
            page.set(ValueLayout.JAVA_LONG, base(clock) - gap, t / NS);
            page.set(ValueLayout.JAVA_LONG, base(clock) - gap + 8, t % NS);
        }
        return page;
    }
}
