package dev.timens.linux;

import dev.timens.testing.LayoutProbe;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout.PathElement;

import static org.assertj.core.api.Assertions.assertThat;

/** The record the signal handler writes (caught-signal.h) is laid out as the Java side reads it. */
class CaughtSignalsLayoutTest {
    @Test
    void recordMatchesTheCompiler() {
        assertThat(CaughtSignals.RECORD.byteSize()).isEqualTo(LayoutProbe.get("caught_signal"));
        for (String field : new String[] {"signo", "code", "pid", "uid"}) {
            assertThat(CaughtSignals.RECORD.byteOffset(PathElement.groupElement(field)))
                    .as(field).isEqualTo(LayoutProbe.get("caught_signal." + field));
        }
    }
}
