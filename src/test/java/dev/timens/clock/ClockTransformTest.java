package dev.timens.clock;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClockTransformTest {
    private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

    /** The defining formula, in unbounded arithmetic, clamped to the range of a kernel clock, [0, KTIME_MAX]. */
    static long reference(ClockTransform t, long real, long aside) {
        BigInteger exact = BigInteger.valueOf(real).subtract(BigInteger.valueOf(t.baseReal()))
                .multiply(BigInteger.valueOf(t.mult())).shiftRight(t.shift())
                .add(BigInteger.valueOf(t.baseVirtual())).add(BigInteger.valueOf(aside));
        return exact.signum() < 0 ? 0 : exact.min(MAX).longValueExact();
    }

    @Property
    void matchesThe128BitFormulaClampedToTheClocksRange(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long baseReal,
                                                         @ForAll long baseVirtual,
                                                         @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long mult,
                                                         @ForAll @IntRange(min = 0, max = 63) int shift,
                                                         @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long real) {
        ClockTransform t = new ClockTransform(baseReal, baseVirtual, mult, shift, true);
        assertThat(t.apply(real)).isEqualTo(reference(t, real, 0));
    }

    /** TAI and MONOTONIC_RAW: their unscaled distance from the reference clock is added before the clamp. */
    @Property
    void theDistanceAsideIsAddedBeforeTheClamp(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long baseReal,
                                               @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long baseVirtual,
                                               @ForAll @LongRange(min = 0, max = 1L << 40) long mult,
                                               @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long real,
                                               @ForAll @LongRange(min = -1_000_000_000_000L, max = 1_000_000_000_000L) long aside) {
        ClockTransform t = new ClockTransform(baseReal, baseVirtual, mult, 32, true);
        assertThat(t.apply(real, aside)).isEqualTo(reference(t, real, aside));
    }

    /**
     * No clock of the namespace wraps, whatever the rate, base and host time:
     * it stays within [0, KTIME_MAX], and a later host reading never reads
     * earlier.
     */
    @Property
    void neverWrapsAndNeverGoesBack(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long baseReal,
                                    @ForAll long baseVirtual,
                                    @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long mult,
                                    @ForAll @IntRange(min = 0, max = 63) int shift,
                                    @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long real,
                                    @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long later) {
        ClockTransform t = new ClockTransform(baseReal, baseVirtual, mult, shift, true);
        long first = t.apply(Math.min(real, later));
        long second = t.apply(Math.max(real, later));
        assertThat(first).isBetween(0L, Long.MAX_VALUE);
        assertThat(second).isGreaterThanOrEqualTo(first);
    }

    /** At the rates timens allows, the end of the range is reached and kept, from any start. */
    @Property
    void aClockThatReachesTheEndStaysThere(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long start,
                                           @ForAll @LongRange(min = 1, max = (1L << 63) - 1) long mult,
                                           @ForAll @LongRange(min = 0, max = 1L << 40) long host) {
        ClockTransform t = new ClockTransform(host, start, mult, 32, true);
        long end = t.inverse(Long.MAX_VALUE);
        if (end == Long.MAX_VALUE) return; // a rate so slow that the host never gets it there
        assertThat(t.apply(end + 1)).isEqualTo(Long.MAX_VALUE);
        assertThat(t.apply(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    }

    @Property
    void virtualDurationsSaturateInsteadOfWrapping(@ForAll long host,
                                                   @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long mult) {
        ClockTransform t = new ClockTransform(0, 0, mult, 32, true);
        BigInteger exact = BigInteger.valueOf(host).multiply(BigInteger.valueOf(mult)).shiftRight(32);
        long expected = t.isUnitRate() || mult == 0 ? host
                : exact.max(BigInteger.valueOf(Long.MIN_VALUE)).min(MAX).longValueExact();
        assertThat(t.virtualDuration(host)).isEqualTo(expected);
    }

    @Property
    void offsetsAreExactAtTheEdges(@ForAll @LongRange(min = Long.MIN_VALUE / 2, max = Long.MAX_VALUE / 2) long offset,
                                   @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long real) {
        ClockTransform t = ClockTransform.offset(offset);
        assertThat(t.apply(real)).isEqualTo(Math.max(0, real + offset));
        assertThat(t.isUnitRate()).isTrue();
    }

    @Property
    void offsetsSaturateAtTheEndOfTheRange(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long offset,
                                           @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long real) {
        long sum = real + offset;
        assertThat(ClockTransform.offset(offset).apply(real)).isEqualTo(sum < 0 ? Long.MAX_VALUE : sum);
    }

    @Property
    void settingKeepsTheRateAndHitsTheTarget(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 4) long real,
                                             @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 4) long target,
                                             @ForAll @LongRange(min = 1, max = 1L << 36) long mult) {
        ClockTransform t = new ClockTransform(0, 0, mult, 32, true).setTo(real, target);
        assertThat(t.apply(real)).isEqualTo(target);
        assertThat(t.mult()).isEqualTo(mult);
    }

    @Property
    void inverseUndoesAUnitRateTransform(@ForAll @LongRange(min = -(Long.MAX_VALUE / 4), max = Long.MAX_VALUE / 4) long offset,
                                         @ForAll @LongRange(min = Long.MAX_VALUE / 4, max = Long.MAX_VALUE / 2) long real) {
        ClockTransform t = ClockTransform.offset(offset);
        assertThat(t.inverse(t.apply(real))).isEqualTo(real);
    }

    @Property
    void inverseOfAScaledTransformIsTheEarliestHostTimeThatReachesTheDeadline(
            @ForAll @LongRange(min = 0, max = 1L << 50) long baseReal,
            @ForAll @LongRange(min = 0, max = 1L << 50) long baseVirtual,
            @ForAll @LongRange(min = 1L << 28, max = 1L << 36) long mult,
            @ForAll @LongRange(min = 0, max = 1L << 40) long ahead) {
        ClockTransform t = new ClockTransform(baseReal, baseVirtual, mult, 32, true);
        long deadline = baseVirtual + ahead;
        long real = t.inverse(deadline);
        // Waiting until `real` on the host gets the namespace's clock to within one
        // host nanosecond of the deadline (integer division rounds down).
        assertThat(t.apply(real + 1)).isGreaterThanOrEqualTo(deadline);
        assertThat(t.apply(real - 1)).isLessThanOrEqualTo(deadline);
    }

    @Test
    void inverseSaturatesInsteadOfOverflowing() {
        assertThat(ClockTransform.offset(-10).inverse(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThat(ClockTransform.offset(10).inverse(Long.MIN_VALUE)).isEqualTo(Long.MIN_VALUE);
        assertThat(new ClockTransform(0, 100, 0, 32, true).inverse(200)).as("a stopped clock").isEqualTo(Long.MAX_VALUE);
        assertThat(ClockTransform.IDENTITY.inverse(12345)).isEqualTo(12345);
    }

    @Test
    void inactiveIsTheHostClock() {
        assertThat(ClockTransform.IDENTITY.apply(123456789L)).isEqualTo(123456789L);
        assertThat(ClockTransform.IDENTITY.active()).isFalse();
    }

    @Test
    void halfRateHalvesElapsedTime() {
        ClockTransform half = new ClockTransform(1_000, 5_000, 1L << 31, 32, true);
        assertThat(half.apply(3_000)).isEqualTo(6_000);
        assertThat(half.apply(0)).as("before the base, backwards at half rate").isEqualTo(4_500);
        assertThat(half.isUnitRate()).isFalse();
    }

    @Test
    void rejectsImpossibleRates() {
        assertThatThrownBy(() -> new ClockTransform(0, 0, -1, 32, true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClockTransform(0, 0, 1, 64, true)).isInstanceOf(IllegalArgumentException.class);
    }

    /** A nested clock at the host's rate is its parent's plus its own offset, exactly, at any host reading. */
    @Property
    void aNestedOffsetAddsToItsParents(@ForAll @LongRange(min = -(1L << 50), max = 1L << 50) long outerOffset,
                                       @ForAll @LongRange(min = -(1L << 50), max = 1L << 50) long innerOffset,
                                       @ForAll @LongRange(min = 1L << 55, max = 1L << 58) long hostNow,
                                       @ForAll @LongRange(min = -(1L << 40), max = 1L << 40) long later) {
        ClockTransform outer = ClockTransform.offset(outerOffset);
        ClockTransform nested = ClockTransform.offset(innerOffset).after(outer, hostNow);
        assertThat(nested.apply(hostNow + later)).isEqualTo(hostNow + later + outerOffset + innerOffset);
        assertThat(nested.relativeTo(outer, hostNow, ClockTransform.IDENTITY).after(outer, hostNow + later)
                .apply(hostNow + later)).isEqualTo(nested.apply(hostNow + later));
    }

    /** Rates multiply: a nested clock at 3 in a namespace at 2 runs at 6 against the host, from where both stand. */
    @Test
    void nestedRatesMultiply() {
        long hostNow = 1_000_000_000_000L;
        ClockTransform outer = new ClockTransform(hostNow - 10, 5_000, 2L << ClockTransform.SHIFT, ClockTransform.SHIFT, true);
        ClockTransform inner = new ClockTransform(0, 7, 3L << ClockTransform.SHIFT, ClockTransform.SHIFT, true);
        ClockTransform nested = inner.after(outer, hostNow);
        assertThat(nested.apply(hostNow)).isEqualTo(inner.apply(outer.apply(hostNow)));
        assertThat(nested.apply(hostNow + 1_000)).isEqualTo(nested.apply(hostNow) + 6_000);
        ClockTransform relative = nested.relativeTo(outer, hostNow, ClockTransform.IDENTITY);
        assertThat(relative.mult()).isEqualTo(3L << ClockTransform.SHIFT);
        // A frozen parent tells no relative rate: the previous one is kept.
        ClockTransform frozen = new ClockTransform(hostNow, 5_000, 0, ClockTransform.SHIFT, true);
        assertThat(nested.relativeTo(frozen, hostNow, relative).mult()).isEqualTo(3L << ClockTransform.SHIFT);
    }

    @Test
    void nestedRatesPastTheLargestAreRefused() {
        ClockTransform fast = new ClockTransform(0, 0, 1L << 62, ClockTransform.SHIFT, true);
        assertThatThrownBy(() -> fast.after(fast, 1_000)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void durationsScaleAlikeAtTheSameRateAndAreRealTimeAtOneAndFrozen() {
        long unit = ClockTransform.UNIT_RATE;
        ClockTransform ten = new ClockTransform(5, 7, 10 * unit, ClockTransform.SHIFT, true);
        ClockTransform tenElsewhere = new ClockTransform(99, 3, 10 * unit, ClockTransform.SHIFT, true);
        ClockTransform four = new ClockTransform(5, 7, 4 * unit, ClockTransform.SHIFT, true);
        ClockTransform frozen = new ClockTransform(5, 7, 0, ClockTransform.SHIFT, true);
        ClockTransform one = ClockTransform.offset(3_600_000_000_000L);
        assertThat(ten.scalesDurationsAs(tenElsewhere)).isTrue();
        assertThat(ten.scalesDurationsAs(four)).isFalse();
        assertThat(ten.scalesDurationsAs(frozen)).isFalse();
        assertThat(frozen.scalesDurationsAs(ten)).isFalse();
        // Frozen clocks, rate 1 and the host's own keep real durations: one and the same.
        assertThat(frozen.scalesDurationsAs(one)).isTrue();
        assertThat(one.scalesDurationsAs(ClockTransform.IDENTITY)).isTrue();
        assertThat(ClockTransform.IDENTITY.scalesDurationsAs(frozen)).isTrue();
        assertThat(one.scalesDurationsAs(ten)).isFalse();
    }
}
