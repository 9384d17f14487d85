package dev.timens.engine;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * The engine's part of the entry frame (struct timens_entry_frame in
 * src/main/native/entry-frame.h): where a program starts, what the code at
 * its entry point replaced, and the registers it starts with. A test checks
 * this layout against the C header.
 */
final class EntryFrame {
    /** Frame fields holding registers, in the frame's order; each is named as in user_regs_struct. */
    static final String[] REGISTERS = {
        "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
    };

    static final StructLayout LAYOUT;

    static {
        MemoryLayout[] fields = new MemoryLayout[4 + REGISTERS.length];
        fields[0] = ValueLayout.JAVA_LONG.withName("start");
        fields[1] = ValueLayout.JAVA_LONG.withName("original");
        fields[2] = ValueLayout.JAVA_LONG.withName("length");
        fields[3] = ValueLayout.JAVA_LONG.withName("rflags");
        for (int i = 0; i < REGISTERS.length; i++) fields[4 + i] = ValueLayout.JAVA_LONG.withName(REGISTERS[i]);
        LAYOUT = MemoryLayout.structLayout(fields).withName("timens_entry_frame");
    }

    /** Byte offsets of the frame's fields, and where each register field comes from in user_regs_struct. */
    private static final long START = offset("start");
    private static final long ORIGINAL = offset("original");
    private static final long LENGTH = offset("length");
    private static final long RFLAGS = offset("rflags");
    private static final int EFLAGS_INDEX = Registers.index("eflags");
    private static final long[] REGISTER_OFFSETS = new long[REGISTERS.length];
    private static final int[] REGISTER_INDEXES = new int[REGISTERS.length];

    static {
        for (int i = 0; i < REGISTERS.length; i++) {
            REGISTER_OFFSETS[i] = offset(REGISTERS[i]);
            REGISTER_INDEXES[i] = Registers.index(REGISTERS[i]);
        }
    }

    private EntryFrame() {}

    /** Bytes {@link #encode} returns for these contents. */
    static int size(byte[] original, byte[] data) {
        return (int) (LAYOUT.byteSize() + (data.length + 7L) / 8 * 8 + original.length);
    }

    /**
     * The frame's bytes, followed by {@code data} (the tool's part) and then by
     * the original bytes, for a frame written at {@code address}.
     */
    static byte[] encode(long address, long start, byte[] original, long[] registers, byte[] data) {
        long originalAt = size(original, data) - original.length;
        MemorySegment frame = MemorySegment.ofArray(new byte[size(original, data)]);
        frame.set(ValueLayout.JAVA_LONG_UNALIGNED, START, start);
        frame.set(ValueLayout.JAVA_LONG_UNALIGNED, ORIGINAL, address + originalAt);
        frame.set(ValueLayout.JAVA_LONG_UNALIGNED, LENGTH, original.length);
        frame.set(ValueLayout.JAVA_LONG_UNALIGNED, RFLAGS, registers[EFLAGS_INDEX]);
        for (int i = 0; i < REGISTERS.length; i++) {
            frame.set(ValueLayout.JAVA_LONG_UNALIGNED, REGISTER_OFFSETS[i], registers[REGISTER_INDEXES[i]]);
        }
        MemorySegment.copy(data, 0, frame, ValueLayout.JAVA_BYTE, LAYOUT.byteSize(), data.length);
        MemorySegment.copy(original, 0, frame, ValueLayout.JAVA_BYTE, originalAt, original.length);
        return frame.toArray(ValueLayout.JAVA_BYTE);
    }

    static long offset(String field) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }
}
