package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.timens.junit.TimeTravel;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** A method's @TimeTravel replaces its class's for that method; a rate runs the wall clock faster. */
@TimeTravel(at = "2030-06-01T00:00:00Z")
class OverrideAndRateTest {
    @Test
    void theClassesClock() {
        assertEquals(2030, LocalDate.now(ZoneOffset.UTC).getYear());
    }

    @Test
    @TimeTravel(at = "2050-01-01T00:00:00Z", rate = "3600")
    void itsOwnClockAnHourASecond() throws Exception {
        Instant start = Instant.now();
        assertEquals(2050, LocalDate.now(ZoneOffset.UTC).getYear());
        long nanos = System.nanoTime();
        Thread.sleep(200);
        double real = (System.nanoTime() - nanos) / 1e9;
        double wall = Duration.between(start, Instant.now()).toNanos() / 1e9;
        assertTrue(wall > real * 3600 * 0.5 && real < 5, "wall " + wall + " s in " + real + " s of nanoTime");
    }

    @Test
    void theClassesClockAgain() {
        assertEquals(2030, LocalDate.now(ZoneOffset.UTC).getYear());
    }
}
