package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The host's clocks as this test JVM (which runs outside any time namespace)
 * sees them.
 *
 * <p>{@link #read()} brackets a run of a program: every value the program read
 * natively lies between a reading taken before it started and one taken after it
 * ended. {@link #snapshot()} / {@link #assertNotStepped()} guard the tests that set
 * a clock inside the namespace: a step of the host's CLOCK_REALTIME changes
 * REALTIME − MONOTONIC, which otherwise moves only by NTP slewing (microseconds).
 */
public final class HostClock {
    /** How far REALTIME − MONOTONIC may move during a test before we call it a step. */
    public static final BigDecimal MAX_DRIFT = BigDecimal.ONE;

    private final BigDecimal realtimeMinusMonotonic;

    private HostClock(BigDecimal realtimeMinusMonotonic) {
        this.realtimeMinusMonotonic = realtimeMinusMonotonic;
    }

    /**
     * The host's clocks at one moment, in seconds.
     *
     * @param realtime  CLOCK_REALTIME ({@link Instant#now()})
     * @param monotonic CLOCK_MONOTONIC ({@link System#nanoTime()}: HotSpot on Linux
     *                  returns clock_gettime(CLOCK_MONOTONIC) unchanged)
     * @param boottime  CLOCK_BOOTTIME, from /proc/uptime (10 ms resolution)
     */
    public record Reading(BigDecimal realtime, BigDecimal monotonic, BigDecimal boottime) {
        /** The reading of one of the three clocks. */
        public BigDecimal of(ClockGroup clock) {
            return switch (clock) {
                case REALTIME -> realtime;
                case MONOTONIC -> monotonic;
                case BOOTTIME -> boottime;
            };
        }
    }

    /** The three clocks a time namespace shifts, each with its group of clock ids. */
    public enum ClockGroup { REALTIME, MONOTONIC, BOOTTIME }

    public static Reading read() {
        Instant now = Instant.now();
        long nanos = System.nanoTime();
        BigDecimal boottime = uptime();
        return new Reading(
                BigDecimal.valueOf(now.getEpochSecond()).add(BigDecimal.valueOf(now.getNano(), 9)),
                BigDecimal.valueOf(nanos, 9),
                boottime);
    }

    /** Remembers REALTIME − MONOTONIC now, for {@link #assertNotStepped()}. */
    public static HostClock snapshot() {
        return new HostClock(realtimeMinusMonotonic());
    }

    /**
     * {@code @ExtendWith(HostClock.NeverStepped.class)}: every test of the class
     * fails if the host's CLOCK_REALTIME was stepped while it ran.
     */
    public static final class NeverStepped implements BeforeEachCallback, AfterEachCallback {
        private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(NeverStepped.class);

        @Override
        public void beforeEach(ExtensionContext context) {
            context.getStore(STORE).put("host", snapshot());
        }

        @Override
        public void afterEach(ExtensionContext context) {
            context.getStore(STORE).get("host", HostClock.class).assertNotStepped();
        }
    }

    /** Fails when the host's CLOCK_REALTIME was stepped since {@link #snapshot()}. */
    public void assertNotStepped() {
        BigDecimal now = realtimeMinusMonotonic();
        assertThat(now.subtract(realtimeMinusMonotonic).abs())
                .as("host CLOCK_REALTIME - CLOCK_MONOTONIC moved from %s to %s s during the test:"
                        + " the host clock was stepped (a clock setting escaped the namespace?)",
                        realtimeMinusMonotonic, now)
                .isLessThan(MAX_DRIFT);
    }

    private static BigDecimal realtimeMinusMonotonic() {
        long nanos = System.nanoTime();
        Instant now = Instant.now();
        return BigDecimal.valueOf(now.getEpochSecond()).add(BigDecimal.valueOf(now.getNano(), 9))
                .subtract(BigDecimal.valueOf(nanos, 9));
    }

    private static BigDecimal uptime() {
        try {
            // "8086.88 16000.12": seconds since boot including suspend, i.e. CLOCK_BOOTTIME.
            String first = Files.readString(Path.of("/proc/uptime")).strip().split("\\s+")[0];
            return new BigDecimal(first);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
