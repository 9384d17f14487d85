package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.timens.junit.TimeControl;
import dev.timens.junit.TimeTravel;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** A class-level @TimeTravel: every test of it runs in 2038, and TimeControl moves the clock. */
@TimeTravel(at = "2038-01-19T03:14:00Z")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class Y2038Test {
    private static final Instant START = Instant.parse("2038-01-19T03:14:00Z");

    @Test
    @Order(1)
    void theJvmReadsTheNamespacesClock() {
        assertEquals(2038, LocalDate.now(ZoneOffset.UTC).getYear());
        Instant now = Instant.now();
        assertTrue(!now.isBefore(START) && now.isBefore(START.plus(Duration.ofMinutes(5))), "Instant.now(): " + now);
        long millis = System.currentTimeMillis();
        assertTrue(millis >= START.toEpochMilli() && millis < START.plus(Duration.ofMinutes(5)).toEpochMilli(),
                "currentTimeMillis: " + millis);
    }

    @Test
    @Order(2)
    void aChildProcessSharesIt() throws Exception {
        assertEquals("2038-01-19", HostTime.date("+%F"));
    }

    @Test
    @Order(3)
    void timeControlMovesTheJvmAndItsChildren(TimeControl time) throws Exception {
        time.advance(Duration.ofDays(1));
        assertEquals(LocalDate.of(2038, 1, 20), LocalDate.now(ZoneOffset.UTC));
        time.set(Instant.parse("2040-01-01T00:00:00Z"));
        assertEquals(2040, LocalDate.now(ZoneOffset.UTC).getYear());
        assertEquals("2040", HostTime.date("+%Y"));
    }

    @Test
    @Order(4)
    void freezeStopsTheWallClock(TimeControl time) throws Exception {
        time.freeze();
        Instant frozen = Instant.now();
        Thread.sleep(50);
        assertEquals(frozen, Instant.now());
        time.resume();
        Thread.sleep(20);
        assertTrue(Instant.now().isAfter(frozen));
    }
}
