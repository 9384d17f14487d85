package dev.timens.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Where a re-read FAKETIME line moves the namespace's clock: what libfaketime shows
 * after parse_ft_string reads the new line (no FAKETIME_XRESET).
 */
@Tag("pure")
class FaketimeFileTest {
    private static final long S = 1_000_000_000L;
    private static final Instant START = Instant.ofEpochSecond(1_800_000_000L);
    /** The host's time 100 s after the namespace started. */
    private static final long LATER = (1_800_000_000L + 100) * S;
    private static final LocalZone UTC = LocalZone.of(ZoneId.of("UTC"));

    private final StringWriter err = new StringWriter();

    private FaketimeFile file(String initial, BigDecimal rate, boolean dontReset) {
        return new FaketimeFile(new FaketimeCommand.SpecFiles(List.of(Path.of("/nonexistent/faketime.rc"))), initial,
                FaketimeReader.Format.DATE_TIME, UTC, null, dontReset, rate, START, new PrintWriter(err));
    }

    @Test
    void anOffsetCountsFromTheHostsTimeAsIfFromTheStart() {
        FaketimeFile atRate1 = file("+0", BigDecimal.ONE, false);
        assertThat(atRate1.offer("-1d")).isTrue();
        assertThat(atRate1.due(LATER)).isEqualTo(OptionalLong.of(LATER - 86_400 * S));
        // At speed 2: the start, plus the offset, plus twice the 100 s since.
        FaketimeFile atRate2 = file("+0 x2", BigDecimal.valueOf(2.0), false);
        assertThat(atRate2.offer("+1d x2,0")).isTrue();
        assertThat(atRate2.due(LATER)).isEqualTo(OptionalLong.of((1_800_000_000L + 86_400 + 200) * S));
    }

    @Test
    void anAtDateStartsNowOrFromTheStartUnderDontReset() {
        long christmas = 1_608_841_800L * S;
        FaketimeFile reset = file("+0", BigDecimal.ONE, false);
        assertThat(reset.offer("@2020-12-24 20:30:00")).isTrue();
        assertThat(reset.due(LATER)).isEqualTo(OptionalLong.of(christmas));
        FaketimeFile dontReset = file("+0", BigDecimal.ONE, true);
        assertThat(dontReset.offer("@2020-12-24 20:30:00")).isTrue();
        assertThat(dontReset.due(LATER)).isEqualTo(OptionalLong.of(christmas + 100 * S));
    }

    @Test
    void aFrozenNamespaceTakesANewFrozenDate() {
        FaketimeFile frozen = file("2020-12-24 20:30:00", BigDecimal.ZERO, false);
        assertThat(frozen.offer("2021-01-01 00:00:00")).isTrue();
        assertThat(frozen.due(LATER)).isEqualTo(OptionalLong.of(1_609_459_200L * S));
        assertThat(frozen.due(LATER)).as("taken once").isEmpty();
    }

    @Test
    void anotherSpeedOrABadLineIsReportedAndNotFollowed() {
        FaketimeFile running = file("+0 x1", BigDecimal.ONE, false);
        assertThat(running.offer("+0 x10")).isFalse();
        assertThat(running.offer("2020-12-24 20:30:00")).isFalse();
        assertThat(running.offer("+1y i2")).isFalse();
        assertThat(running.due(LATER)).isEmpty();
        assertThat(err.toString().lines()).hasSize(3).allSatisfy(line -> assertThat(line).startsWith("timens: "));
        assertThat(err.toString()).contains("a new speed in '+0 x10' cannot be followed", "per-read increment");
    }
}
