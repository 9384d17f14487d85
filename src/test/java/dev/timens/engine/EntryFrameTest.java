package dev.timens.engine;

import dev.timens.testing.LayoutProbe;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;

/** The entry frame as Java writes it against entry-frame.h, which the native code reads. */
class EntryFrameTest {
    @Test
    void layoutMatchesTheHeader() {
        assertThat(EntryFrame.LAYOUT.byteSize()).isEqualTo(LayoutProbe.get("ENTRY_DATA"));
        for (String field : new String[] {"start", "original", "length", "rflags"}) {
            assertThat(EntryFrame.offset(field)).as(field).isEqualTo(LayoutProbe.get("timens_entry_frame." + field));
        }
        for (String register : EntryFrame.REGISTERS) {
            assertThat(EntryFrame.offset(register)).as(register)
                    .isEqualTo(LayoutProbe.get("timens_entry_frame." + register));
        }
        assertThat(EntryCode.FAILED).isEqualTo(LayoutProbe.get("ENTRY_FAILED"));
    }

    @Test
    void encodesRegistersDataAndTheReplacedBytes() {
        long[] registers = new long[Registers.LAYOUT.memberLayouts().size()];
        for (int i = 0; i < registers.length; i++) registers[i] = 1000 + i;
        byte[] original = {1, 2, 3, 4, 5};
        byte[] data = {9, 8, 7};
        long address = 0x7ffd_0000_1000L;
        MemorySegment frame = MemorySegment.ofArray(EntryFrame.encode(address, 0x4010_00L, original, registers, data));

        assertThat(get(frame, "start")).isEqualTo(0x4010_00L);
        assertThat(get(frame, "length")).isEqualTo(5);
        assertThat(get(frame, "rflags")).isEqualTo(registers[Registers.index("eflags")]);
        for (String register : EntryFrame.REGISTERS) {
            assertThat(get(frame, register)).as(register).isEqualTo(registers[Registers.index(register)]);
        }
        long dataAt = EntryFrame.LAYOUT.byteSize();
        assertThat(frame.asSlice(dataAt, 3).toArray(ValueLayout.JAVA_BYTE)).containsExactly(data);
        long originalAt = get(frame, "original") - address;
        assertThat(originalAt).isGreaterThanOrEqualTo(dataAt + data.length).isEqualTo((originalAt + 7) / 8 * 8);
        assertThat(frame.asSlice(originalAt, 5).toArray(ValueLayout.JAVA_BYTE)).containsExactly(original);
    }

    private static long get(MemorySegment frame, String field) {
        return frame.get(ValueLayout.JAVA_LONG_UNALIGNED, EntryFrame.offset(field));
    }
}
