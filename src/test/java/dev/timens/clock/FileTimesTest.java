package dev.timens.clock;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The arithmetic of {@link FileTimes}: a time shifted and shifted back is the time it was. */
class FileTimesTest {
    private static final long NANOS = 1_000_000_000L;

    @Property
    void shiftingBackUndoesAShift(@ForAll @LongRange(min = -(1L << 40), max = 1L << 40) long seconds,
                                  @ForAll @LongRange(min = 0, max = NANOS - 1) long nanos,
                                  @ForAll @LongRange(min = -(1L << 62), max = 1L << 62) long shift) {
        long[] there = FileTimes.shifted(seconds, nanos, shift);
        assertThat(there[1]).isBetween(0L, NANOS - 1);
        assertThat(FileTimes.shifted(there[0], there[1], -shift)).containsExactly(seconds, nanos);
    }

    @Property
    void theShiftIsAddedExactly(@ForAll @LongRange(min = -(1L << 40), max = 1L << 40) long seconds,
                                @ForAll @LongRange(min = 0, max = NANOS - 1) long nanos,
                                @ForAll @LongRange(min = -(1L << 50), max = 1L << 50) long shift) {
        long[] there = FileTimes.shifted(seconds, nanos, shift);
        assertThat(java.math.BigInteger.valueOf(there[0]).multiply(java.math.BigInteger.valueOf(NANOS))
                .add(java.math.BigInteger.valueOf(there[1])))
                .isEqualTo(java.math.BigInteger.valueOf(seconds).multiply(java.math.BigInteger.valueOf(NANOS))
                        .add(java.math.BigInteger.valueOf(nanos)).add(java.math.BigInteger.valueOf(shift)));
    }

    @Test
    void secondsSaturateRatherThanWrap() {
        assertThat(FileTimes.shifted(Long.MAX_VALUE - 1, 0, 10 * NANOS)[0]).isEqualTo(Long.MAX_VALUE);
        assertThat(FileTimes.shifted(Long.MIN_VALUE + 1, 0, -10 * NANOS)[0]).isEqualTo(Long.MIN_VALUE);
    }
}
