package dev.timens.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A tracee's general-purpose registers: struct user_regs_struct of x86_64
 * (sys/user.h), read with PTRACE_GETREGS and written with PTRACE_SETREGS.
 * Owned by the tracer thread; the backing memory lives as long as this object.
 */
final class Registers {
    static final StructLayout LAYOUT;
    private static final String[] NAMES = {
        "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx",
        "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base",
        "ds", "es", "fs", "gs",
    };

    static {
        MemoryLayout[] fields = new MemoryLayout[NAMES.length];
        for (int i = 0; i < NAMES.length; i++) fields[i] = ValueLayout.JAVA_LONG.withName(NAMES[i]);
        LAYOUT = MemoryLayout.structLayout(fields).withName("user_regs_struct");
    }

    private static VarHandle field(String name) {
        return LAYOUT.varHandle(MemoryLayout.PathElement.groupElement(name));
    }

    private static final VarHandle RAX = field("rax");
    private static final VarHandle ORIG_RAX = field("orig_rax");
    private static final VarHandle RIP = field("rip");
    private static final VarHandle RSP = field("rsp");
    private static final VarHandle CS = field("cs");
    private static final VarHandle RDI = field("rdi");
    private static final VarHandle RSI = field("rsi");
    private static final VarHandle RDX = field("rdx");
    private static final VarHandle R10 = field("r10");
    private static final VarHandle R8 = field("r8");
    private static final VarHandle R9 = field("r9");
    private static final VarHandle RCX = field("rcx");
    private static final VarHandle RBX = field("rbx");
    private static final VarHandle R12 = field("r12");
    private static final VarHandle R14 = field("r14");
    private static final VarHandle[] ARGS = {RDI, RSI, RDX, R10, R8, R9};
    private static final VarHandle[] CALL_ARGS = {RDI, RSI, RDX, RCX, R8, R9};

    final MemorySegment segment;

    Registers(Arena arena) {
        this.segment = arena.allocate(LAYOUT);
    }

    long rax() { return (long) RAX.get(segment, 0L); }
    void rax(long v) { RAX.set(segment, 0L, v); }
    long origRax() { return (long) ORIG_RAX.get(segment, 0L); }
    void origRax(long v) { ORIG_RAX.set(segment, 0L, v); }
    long rip() { return (long) RIP.get(segment, 0L); }
    void rip(long v) { RIP.set(segment, 0L, v); }
    long rsp() { return (long) RSP.get(segment, 0L); }
    /** The code segment selector: which mode (64-bit or i386) the thread runs in. */
    long cs() { return (long) CS.get(segment, 0L); }

    /** Syscall argument {@code i} (0..5) in the x86_64 syscall convention. */
    long arg(int i) { return (long) ARGS[i].get(segment, 0L); }
    void arg(int i, long v) { ARGS[i].set(segment, 0L, v); }

    /** Argument {@code i} (0..5) in the System V function-call convention. */
    void callArg(int i, long v) { CALL_ARGS[i].set(segment, 0L, v); }

    long rbx() { return (long) RBX.get(segment, 0L); }
    long r12() { return (long) R12.get(segment, 0L); }
    long r14() { return (long) R14.get(segment, 0L); }

    /** Index of register {@code name} (as in user_regs_struct) in {@link #toArray()}. */
    static int index(String name) {
        int i = java.util.Arrays.asList(NAMES).indexOf(name);
        if (i < 0) throw new IllegalArgumentException("no register " + name);
        return i;
    }

    /** Every field, in user_regs_struct order. */
    long[] toArray() {
        return segment.toArray(ValueLayout.JAVA_LONG);
    }

    void fromArray(long[] values) {
        MemorySegment.copy(values, 0, segment, ValueLayout.JAVA_LONG, 0, NAMES.length);
    }

    void copyFrom(Registers other) {
        segment.copyFrom(other.segment);
    }
}
