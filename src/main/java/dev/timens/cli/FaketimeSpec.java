package dev.timens.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What a libfaketime {@code FAKETIME} string asks for, as read by
 * {@link TimeSpecs#parseFaketime}: where the wall clock (CLOCK_REALTIME) starts, and
 * (with {@link Speed} or {@link Frozen}) how fast every clock runs.
 */
public sealed interface FaketimeSpec {

    /**
     * {@code @2020-12-24 20:30:00}: the wall clock reads {@code instant} when the program
     * starts and then ticks at the real rate.
     *
     * @param instant within {@link TimeSpecs#MIN_INSTANT}..{@link TimeSpecs#MAX_INSTANT}
     */
    record StartAt(Instant instant) implements FaketimeSpec {
        /** Rejects instants the kernel's realtime clock cannot hold, so a StartAt is always usable. */
        public StartAt {
            Objects.requireNonNull(instant, "instant");
            if (instant.isBefore(TimeSpecs.MIN_INSTANT) || instant.isAfter(TimeSpecs.MAX_INSTANT)) {
                throw new IllegalArgumentException("start instant out of range: " + instant);
            }
        }
    }

    /**
     * {@code +2d}, {@code -1y}, {@code +3600}: the wall clock is the real one shifted by
     * {@code offset} (negative: in the past).
     *
     * @param offset magnitude at most {@link TimeSpecs#MAX_DURATION}
     */
    record Offset(Duration offset) implements FaketimeSpec {
        /** Rejects offsets that do not fit signed 64-bit nanoseconds either way. */
        public Offset {
            Objects.requireNonNull(offset, "offset");
            // Compared both ways rather than through abs(), which overflows on the most negative Duration.
            if (offset.compareTo(TimeSpecs.MAX_DURATION) > 0
                    || offset.compareTo(TimeSpecs.MAX_DURATION.negated()) < 0) {
                throw new IllegalArgumentException("offset out of range: " + offset);
            }
        }
    }

    /**
     * {@code %}: the wall clock starts at the modification time (whole seconds) of the
     * file that {@code FAKETIME_FOLLOW_FILE} names, then ticks. The parser does not
     * read the file; the command does.
     */
    record FollowFile() implements FaketimeSpec {}

    /**
     * {@code 2020-12-24 20:30:00} (a date without {@code @}): the clocks stand still,
     * the wall clock at {@code instant}.
     */
    record Frozen(Instant instant) implements FaketimeSpec {
        public Frozen {
            Objects.requireNonNull(instant, "instant");
            if (instant.isBefore(TimeSpecs.MIN_INSTANT) || instant.isAfter(TimeSpecs.MAX_INSTANT)) {
                throw new IllegalArgumentException("frozen instant out of range: " + instant);
            }
        }
    }

    /**
     * {@code +2d x2}, {@code @2020-12-24 20:30:00 x10}: {@code clock} (a start, an offset
     * or a followed file), with every clock running {@code rate} times as fast; a rate of
     * 0 ({@code +0 x0}) keeps them still at their start.
     */
    record Speed(FaketimeSpec clock, java.math.BigDecimal rate) implements FaketimeSpec {
        public Speed {
            Objects.requireNonNull(clock, "clock");
            if (clock instanceof Speed || clock instanceof Frozen || rate.signum() < 0) {
                throw new IllegalArgumentException("a speed applies to a start or an offset, and must not be negative");
            }
        }
    }
}
