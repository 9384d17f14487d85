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
    /** The defining formula, in unbounded arithmetic, truncated to 64 bits like the C code. */
    private static long reference(ClockTransform t, long real) {
        BigInteger scaled = BigInteger.valueOf(real).subtract(BigInteger.valueOf(t.baseReal()))
                .multiply(BigInteger.valueOf(t.mult())).shiftRight(t.shift());
        return BigInteger.valueOf(t.baseVirtual()).add(BigInteger.valueOf(scaled.longValue())).longValue();
    }

    @Property
    void matchesThe128BitFormula(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long baseReal,
                                 @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long baseVirtual,
                                 @ForAll @LongRange(min = 0, max = 1L << 40) long mult,
                                 @ForAll @IntRange(min = 0, max = 63) int shift,
                                 @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long real) {
        ClockTransform t = new ClockTransform(baseReal, baseVirtual, mult, shift, true);
        assertThat(t.apply(real)).isEqualTo(reference(t, real));
    }

    @Property
    void offsetsAreExactAtTheEdges(@ForAll @LongRange(min = Long.MIN_VALUE / 2, max = Long.MAX_VALUE / 2) long offset,
                                   @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long real) {
        ClockTransform t = ClockTransform.offset(offset);
        assertThat(t.apply(real)).isEqualTo(real + offset);
        assertThat(t.isUnitRate()).isTrue();
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
    void inverseUndoesAUnitRateTransform(@ForAll @LongRange(min = Long.MIN_VALUE / 4, max = Long.MAX_VALUE / 4) long offset,
                                         @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long real) {
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
}
