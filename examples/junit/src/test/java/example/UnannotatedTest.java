package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** No @TimeTravel: host time, whatever ran before in this JVM. */
class UnannotatedTest {
    @Test
    void hostTime() throws Exception {
        HostTime.assertShiftedBy(Duration.ZERO, Instant.now());
        assertEquals(Integer.toString(LocalDate.now(ZoneOffset.UTC).getYear()), HostTime.date("+%Y"));
    }
}
