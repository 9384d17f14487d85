package dev.timens.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What a libfaketime-style {@code FAKETIME} string asks for, as read by
 * {@link TimeSpecs#parseFaketime}. Both kinds are about the wall clock (CLOCK_REALTIME);
 * neither changes the rate at which it ticks.
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
}
