package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.timens.junit.TimeTravel;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** A method-level @TimeTravel: that method runs ten years ahead; the others, before and after, on host time. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MethodLevelTest {
    @Test
    @Order(1)
    void before() throws Exception {
        HostTime.assertShiftedBy(Duration.ZERO, Instant.now());
    }

    @Test
    @Order(2)
    @TimeTravel(offset = "+3650d")
    void tenYearsAhead() throws Exception {
        HostTime.assertShiftedBy(Duration.ofDays(3650), Instant.now());
        assertEquals(Integer.toString(LocalDate.now(ZoneOffset.UTC).getYear()), HostTime.date("+%Y"),
                "a child process is ten years ahead too");
    }

    @Test
    @Order(3)
    void after() throws Exception {
        HostTime.assertShiftedBy(Duration.ZERO, Instant.now());
        assertEquals(Integer.toString(LocalDate.now(ZoneOffset.UTC).getYear()), HostTime.date("+%Y"));
    }
}
