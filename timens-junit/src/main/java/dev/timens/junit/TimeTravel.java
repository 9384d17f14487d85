package dev.timens.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test class, or test method, with the test JVM's own
 * clocks in a time namespace: {@code Instant.now()},
 * {@code System.currentTimeMillis()}, {@code LocalDate.now()}, and every
 * library and process the test starts read its time. Tests without it run on
 * host time, in the same JVM, before and after. On a method of an annotated
 * class, the method's clocks replace the class's for that method.
 *
 * <p>The options are timens's own: {@link #at} or {@link #offset}, and
 * {@link #rate} or {@link #freeze}. Rates and freezing apply to the wall clock
 * (CLOCK_REALTIME: {@code Instant.now()}, {@code System.currentTimeMillis()}),
 * as timens's {@code --realtime-only} does: {@code System.nanoTime()} and
 * sleeps keep the host's pace.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(TimeTravelExtension.class)
public @interface TimeTravel {
    /** The wall clock reads this date when the test starts, and ticks on (timens's {@code --at}: {@code 2038-01-19T03:14:00Z}). */
    String at() default "";

    /** The wall clock is the host's shifted by this (timens's {@code --offset}: {@code +1d}, {@code -3h}). */
    String offset() default "";

    /** The wall clock runs this many seconds a second ({@code 60}, {@code 0.5}). */
    String rate() default "";

    /** The wall clock stands still. */
    boolean freeze() default false;
}
