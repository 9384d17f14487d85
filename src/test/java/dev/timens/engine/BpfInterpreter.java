package dev.timens.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A classic-BPF interpreter for seccomp filters, for tests: it runs exactly the
 * opcodes {@link SeccompFilter} emits and fails loudly on anything else.
 *
 * <p>Like the kernel when a filter is installed ({@code bpf_check_classic} and
 * {@code seccomp_check_filter}), the constructor checks the whole program, not
 * just the paths a test happens to run: 1..4096 instructions, every jump landing
 * inside the program, loads 4-aligned and inside {@code struct seccomp_data}, and a
 * {@code RET} as the last instruction. Written from the BPF semantics in
 * {@code <linux/filter.h>} and {@code Documentation/networking/filter.rst}.
 */
final class BpfInterpreter {

    /** What one run did: the action returned and the seccomp_data offsets it loaded. */
    record Run(int action, Set<Integer> offsetsLoaded) {}

    /** The kernel's limit, restated here rather than taken from the code under test. */
    private static final int BPF_MAXINSNS = 4096;

    private final List<BpfInstruction> program;

    BpfInterpreter(List<BpfInstruction> program) {
        this.program = List.copyOf(program);
        check();
    }

    /** The action the filter returns for {@code data}. */
    int run(SeccompData data) {
        return trace(data).action();
    }

    /** Runs the filter over {@code data}, recording what it loaded. */
    Run trace(SeccompData data) {
        ByteBuffer mem = ByteBuffer.wrap(data.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        Set<Integer> loaded = new TreeSet<>();
        int a = 0;
        int pc = 0;
        // Jumps only go forward, so every run ends within program.size() steps.
        while (true) {
            BpfInstruction insn = program.get(pc);
            int k = insn.k();
            switch (insn.opcode()) {
                case BpfInstruction.LD_W_ABS -> {
                    a = mem.getInt(k);
                    loaded.add(k);
                    pc++;
                }
                case BpfInstruction.ALU_AND_K -> {
                    a &= k;
                    pc++;
                }
                case BpfInstruction.JMP_JA -> pc += 1 + k;
                case BpfInstruction.JMP_JEQ_K -> pc += 1 + (a == k ? insn.jumpIfTrue() : insn.jumpIfFalse());
                case BpfInstruction.JMP_JGT_K ->
                        pc += 1 + (Integer.compareUnsigned(a, k) > 0 ? insn.jumpIfTrue() : insn.jumpIfFalse());
                case BpfInstruction.JMP_JGE_K ->
                        pc += 1 + (Integer.compareUnsigned(a, k) >= 0 ? insn.jumpIfTrue() : insn.jumpIfFalse());
                case BpfInstruction.JMP_JSET_K -> pc += 1 + ((a & k) != 0 ? insn.jumpIfTrue() : insn.jumpIfFalse());
                case BpfInstruction.RET_K -> {
                    return new Run(k, loaded);
                }
                default -> throw unsupported(pc, insn);
            }
        }
    }

    private void check() {
        int len = program.size();
        if (len == 0 || len > BPF_MAXINSNS) {
            throw new AssertionError("program length " + len + " outside 1..4096");
        }
        for (int pc = 0; pc < len; pc++) {
            BpfInstruction insn = program.get(pc);
            switch (insn.opcode()) {
                case BpfInstruction.LD_W_ABS -> {
                    if (insn.k() < 0 || insn.k() % 4 != 0 || insn.k() + 4 > 64) {
                        throw bad(pc, "load outside seccomp_data or unaligned");
                    }
                }
                case BpfInstruction.ALU_AND_K, BpfInstruction.RET_K -> { }
                case BpfInstruction.JMP_JA -> {
                    if (Integer.toUnsignedLong(insn.k()) >= len - pc - 1) {
                        throw bad(pc, "BPF_JA past the end");
                    }
                }
                case BpfInstruction.JMP_JEQ_K, BpfInstruction.JMP_JGT_K, BpfInstruction.JMP_JGE_K,
                        BpfInstruction.JMP_JSET_K -> {
                    if (pc + 1 + insn.jumpIfTrue() >= len || pc + 1 + insn.jumpIfFalse() >= len) {
                        throw bad(pc, "conditional jump past the end");
                    }
                }
                default -> throw unsupported(pc, insn);
            }
        }
        if (program.get(len - 1).opcode() != BpfInstruction.RET_K) {
            throw bad(len - 1, "the last instruction must be a RET");
        }
    }

    private AssertionError unsupported(int pc, BpfInstruction insn) {
        return bad(pc, "opcode 0x" + Integer.toHexString(insn.opcode()) + " is not one the compiler emits");
    }

    private AssertionError bad(int pc, String why) {
        StringBuilder listing = new StringBuilder();
        for (int i = 0; i < program.size(); i++) {
            listing.append(String.format("%4d: %s%n", i, program.get(i)));
        }
        return new AssertionError("instruction " + pc + ": " + why + "\n" + listing);
    }
}
