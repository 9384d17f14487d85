package dev.timens.it;

import java.math.BigDecimal;

/**
 * What one clock inside the namespace should read, as a window computed from the
 * host clocks read just before and just after the run.
 *
 * <p>Tolerances are generous ({@link #SLACK}): these are 2-vCPU VMs where a JVM
 * start under ptrace can take seconds. The windows still tell a shifted clock from
 * an unshifted one, since every shift tested is a day or more, or a date years away.
 */
public sealed interface Expect {
    /** Seconds allowed on either side of the window. */
    BigDecimal SLACK = BigDecimal.valueOf(5);

    /** The lowest acceptable value. */
    BigDecimal low(HostClock.ClockGroup clock, TimensRunner.Result run);

    /** The highest acceptable value. */
    BigDecimal high(HostClock.ClockGroup clock, TimensRunner.Result run);

    /** A human-readable description for messages. */
    String describe();

    /** The host clock plus {@code seconds} (0: not shifted). */
    static Expect offset(long seconds) {
        return new Offset(BigDecimal.valueOf(seconds));
    }

    static Expect offset(BigDecimal seconds) {
        return new Offset(seconds);
    }

    /** A clock that was set to {@code start} when the run began and ticked on since. */
    static Expect startingAt(long start) {
        return new StartingAt(BigDecimal.valueOf(start));
    }

    static Expect startingAt(BigDecimal start) {
        return new StartingAt(start);
    }

    /** The host clock shifted by a fixed offset. */
    record Offset(BigDecimal seconds) implements Expect {
        @Override
        public BigDecimal low(HostClock.ClockGroup clock, TimensRunner.Result run) {
            return run.before().of(clock).add(seconds).subtract(SLACK);
        }

        @Override
        public BigDecimal high(HostClock.ClockGroup clock, TimensRunner.Result run) {
            return run.after().of(clock).add(seconds).add(SLACK);
        }

        @Override
        public String describe() {
            return seconds.signum() == 0 ? "the host's clock (not shifted)" : "the host's clock " + (seconds.signum() > 0 ? "+" : "") + seconds.toPlainString() + " s";
        }
    }

    /** Set to {@code start} during the run: between start and start + the run's duration. */
    record StartingAt(BigDecimal start) implements Expect {
        @Override
        public BigDecimal low(HostClock.ClockGroup clock, TimensRunner.Result run) {
            return start.subtract(SLACK);
        }

        @Override
        public BigDecimal high(HostClock.ClockGroup clock, TimensRunner.Result run) {
            return start.add(BigDecimal.valueOf(run.elapsed().toNanos(), 9)).add(SLACK);
        }

        @Override
        public String describe() {
            return "starting at " + start.toPlainString();
        }
    }
}
