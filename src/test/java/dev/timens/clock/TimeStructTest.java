package dev.timens.clock;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.timens.linux.Time.NANOS;
import static org.assertj.core.api.Assertions.assertThat;

class TimeStructTest {
    private static byte[] struct(long seconds, long fraction) {
        return ByteBuffer.allocate(TimeStruct.SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(0, seconds).putLong(8, fraction).array();
    }

    @Test
    void readsWhatTheKernelTakesAndNothingElse() {
        assertThat(TimeStruct.TIMESPEC.nanos(struct(2, 500_000_000), 0)).isEqualTo(2_500_000_000L);
        assertThat(TimeStruct.TIMEVAL.nanos(struct(2, 500_000), 0)).isEqualTo(2_500_000_000L);
        assertThat(TimeStruct.TIMESPEC.nanos(struct(0, NANOS), 0)).as("a whole second of nanoseconds").isNull();
        assertThat(TimeStruct.TIMEVAL.nanos(struct(0, 1_000_000), 0)).as("a whole second of microseconds").isNull();
        assertThat(TimeStruct.TIMESPEC.nanos(struct(-1, 0), 0)).isNull();
        assertThat(TimeStruct.TIMESPEC.nanos(struct(0, -1), 0)).isNull();
        // A fraction whose nanoseconds would not fit a long must not wrap into range.
        assertThat(TimeStruct.TIMEVAL.nanos(struct(0, Long.MAX_VALUE / 999), 0)).isNull();
        assertThat(TimeStruct.TIMESPEC.nanos(struct(TimeSyscalls.KTIME_SEC_MAX, 0), 0)).as("clamped by the kernel").isNull();
        assertThat(TimeStruct.TIMESPEC.valid(struct(TimeSyscalls.KTIME_SEC_MAX, 0), 0)).as("but taken").isTrue();
        assertThat(TimeStruct.TIMEVAL.valid(struct(1, 1_000_000), 0)).isFalse();
    }

    @Test
    void writesInstantsBefore1970RoundedDownAsTheKernelDoes() {
        byte[] b = TimeStruct.TIMESPEC.encode(-1);
        assertThat(TimeStruct.TIMESPEC.seconds(b, 0)).isEqualTo(-1);
        assertThat(TimeStruct.TIMESPEC.fraction(b, 0)).isEqualTo(NANOS - 1);
        byte[] v = TimeStruct.TIMEVAL.encode(1_999_999_999L);
        assertThat(TimeStruct.TIMEVAL.seconds(v, 0)).isEqualTo(1);
        assertThat(TimeStruct.TIMEVAL.fraction(v, 0)).isEqualTo(999_999);
    }

    @Test
    void pairsHoldTheIntervalFirstThenTheValue() {
        byte[] pair = TimeStruct.TIMESPEC.encodePair(3, 4_000_000_001L);
        assertThat(pair).hasSize(TimeStruct.PAIR_SIZE);
        assertThat(TimeStruct.TIMESPEC.nanos(pair, 0)).isEqualTo(3);
        assertThat(TimeStruct.TIMESPEC.nanos(pair, TimeStruct.PAIR_VALUE)).isEqualTo(4_000_000_001L);
        assertThat(TimeStruct.TIMESPEC.isZero(TimeStruct.TIMESPEC.encodePair(5, 0), TimeStruct.PAIR_VALUE)).isTrue();
    }

    @Property
    void aTimespecReadsBackWhatWasWritten(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE - NANOS) long nanos) {
        long expected = nanos / NANOS >= TimeSyscalls.KTIME_SEC_MAX ? -1 : nanos;
        Long read = TimeStruct.TIMESPEC.nanos(TimeStruct.TIMESPEC.encode(nanos), 0);
        assertThat(read == null ? -1 : read).isEqualTo(expected);
    }

    @Property
    void aTimevalReadsBackToTheMicrosecond(@ForAll @LongRange(min = 0, max = 9_000_000_000_000_000_000L) long nanos) {
        assertThat(TimeStruct.TIMEVAL.nanos(TimeStruct.TIMEVAL.encode(nanos), 0)).isEqualTo(nanos / 1000 * 1000);
    }
}
