package dev.timens.junit;

import java.time.Duration;
import java.time.Instant;

/**
 * Moves the clocks of a test running under {@link TimeTravel}, mid-test: a
 * test method declares a parameter of this type. Each change is made before
 * the method returns, and seen at once by the JVM and every process it started.
 */
public interface TimeControl {
    /** The wall clock reads {@code instant} now (a clock step: absolute waits and timers follow it). */
    void set(Instant instant);

    /** The wall clock jumps forward (or back, for a negative one) by {@code duration}. */
    void advance(Duration duration);

    /** The wall clock stands still where it is. */
    void freeze();

    /** The wall clock ticks again at the host's rate, from where it stands. */
    void resume();
}
