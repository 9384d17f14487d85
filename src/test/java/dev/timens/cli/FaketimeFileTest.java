package dev.timens.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import dev.timens.clock.RealtimeSource.Due;
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
        return file(initial, rate, dontReset, false);
    }

    private FaketimeFile file(String initial, BigDecimal rate, boolean dontReset, boolean speedsFollowed) {
        return new FaketimeFile(new FaketimeCommand.SpecFiles(List.of(Path.of("/nonexistent/faketime.rc"))), initial,
                FaketimeReader.Format.DATE_TIME, UTC, null, dontReset, rate, speedsFollowed, START, new PrintWriter(err));
    }

    /** The clock's new time, at the rate it runs at. */
    private static Optional<Due> at(long realtime) {
        return Optional.of(new Due(realtime, null));
    }

    @Test
    void anOffsetCountsFromTheHostsTimeAsIfFromTheStart() {
        FaketimeFile atRate1 = file("+0", BigDecimal.ONE, false);
        assertThat(atRate1.offer("-1d")).isTrue();
        assertThat(atRate1.due(LATER)).isEqualTo(at(LATER - 86_400 * S));
        // At speed 2: the start, plus the offset, plus twice the 100 s since.
        FaketimeFile atRate2 = file("+0 x2", BigDecimal.valueOf(2.0), false);
        assertThat(atRate2.offer("+1d x2,0")).isTrue();
        assertThat(atRate2.due(LATER)).isEqualTo(at((1_800_000_000L + 86_400 + 200) * S));
    }

    @Test
    void anAtDateStartsNowOrFromTheStartUnderDontReset() {
        long christmas = 1_608_841_800L * S;
        FaketimeFile reset = file("+0", BigDecimal.ONE, false);
        assertThat(reset.offer("@2020-12-24 20:30:00")).isTrue();
        assertThat(reset.due(LATER)).isEqualTo(at(christmas));
        FaketimeFile dontReset = file("+0", BigDecimal.ONE, true);
        assertThat(dontReset.offer("@2020-12-24 20:30:00")).isTrue();
        assertThat(dontReset.due(LATER)).isEqualTo(at(christmas + 100 * S));
    }

    @Test
    void aFrozenNamespaceTakesANewFrozenDate() {
        FaketimeFile frozen = file("2020-12-24 20:30:00", BigDecimal.ZERO, false);
        assertThat(frozen.offer("2021-01-01 00:00:00")).isTrue();
        assertThat(frozen.due(LATER)).isEqualTo(at(1_609_459_200L * S));
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

    /**
     * Under --realtime-only a new speed is followed: the clock goes where libfaketime
     * puts it (the start, plus the offset, plus the time since at the new speed), and
     * runs at that speed from there; a frozen date freezes it.
     */
    @Test
    void underRealtimeOnlyANewSpeedIsFollowed() {
        FaketimeFile running = file("+0", BigDecimal.ONE, false, true);
        assertThat(running.offer("+1d x10")).isTrue();
        Due faster = running.due(LATER).orElseThrow();
        assertThat(faster.realtime()).isEqualTo((1_800_000_000L + 86_400 + 1000) * S);
        assertThat(faster.rate()).isEqualByComparingTo("10");
        assertThat(running.offer("+1d x10,0")).as("the same speed again").isTrue();
        Due again = running.due(LATER).orElseThrow();
        assertThat(again.realtime()).isEqualTo((1_800_000_000L + 86_400 + 1000) * S);
        assertThat(again.rate()).as("said again: the namespace keeps it").isEqualByComparingTo("10");
        assertThat(running.offer("2021-01-01 00:00:00")).isTrue();
        Due frozen = running.due(LATER).orElseThrow();
        assertThat(frozen.realtime()).isEqualTo(1_609_459_200L * S);
        assertThat(frozen.rate()).isEqualByComparingTo("0");
        assertThat(err.toString()).isEmpty();
    }
}
