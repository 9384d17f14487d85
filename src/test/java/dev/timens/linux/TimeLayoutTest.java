package dev.timens.linux;

import dev.timens.testing.LayoutProbe;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout.PathElement;

import static org.assertj.core.api.Assertions.assertThat;

class TimeLayoutTest {
    @Test
    void timexMatchesTheCompiler() {
        assertThat(Time.TIMEX.byteSize()).isEqualTo(LayoutProbe.get("timex"));
        for (String field : new String[] {"status", "time", "tick", "tai"}) {
            assertThat(Time.TIMEX.byteOffset(PathElement.groupElement(field)))
                    .as(field).isEqualTo(LayoutProbe.get("timex." + field));
        }
        assertThat(Time.TIMESPEC.byteSize()).isEqualTo(LayoutProbe.get("timespec"));
    }

    @Test
    void sysinfoMatchesTheCompiler() {
        assertThat(Sysinfo.SYSINFO.byteSize()).isEqualTo(LayoutProbe.get("sysinfo"));
        for (String field : new String[] {"uptime", "procs", "totalhigh", "mem_unit"}) {
            assertThat(Sysinfo.SYSINFO.byteOffset(PathElement.groupElement(field)))
                    .as(field).isEqualTo(LayoutProbe.get("sysinfo." + field));
        }
    }

    @Test
    void readsHostClocksAndReportsBadOnes() {
        long before = System.currentTimeMillis();
        long realtime = Time.clockGettimeNanos(Time.CLOCK_REALTIME);
        assertThat(realtime / 1_000_000).isBetween(before - 1000, before + 1000);
        assertThat(Time.failed(Time.clockGettimeNanos(Time.CLOCK_MONOTONIC))).isFalse();
        long bad = Time.clockGettimeNanos(12345);
        assertThat(Time.failed(bad)).isTrue();
        assertThat(bad - Long.MIN_VALUE).isEqualTo(Errno.EINVAL);
    }
}
