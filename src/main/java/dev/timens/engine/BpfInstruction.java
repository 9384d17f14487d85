package dev.timens.engine;

/**
 * One classic-BPF instruction, exactly {@code struct sock_filter} from
 * {@code <linux/filter.h>}: a 16-bit opcode, two 8-bit forward jump offsets and a
 * 32-bit operand.
 *
 * <p>The jump offsets count instructions to skip after the current one, so a
 * conditional jump reaches at most 255 instructions ahead; only {@code BPF_JA}
 * (which uses {@code k}) goes further. Classic BPF has no backward jumps, which is
 * why the kernel can prove every filter terminates.
 *
 * <p>The opcode constants mirror {@code <linux/bpf_common.h>} and keep the kernel's
 * names so that a reader can check them against the header.
 *
 * @param code opcode: class | size | mode, or class | op | source
 * @param jt   instructions to skip when a conditional jump is taken (unsigned)
 * @param jf   instructions to skip when it is not taken (unsigned)
 * @param k    operand (unsigned 32 bits: offset, constant, jump distance or return value)
 */
public record BpfInstruction(short code, byte jt, byte jf, int k) {

    // Instruction classes.
    public static final int BPF_LD = 0x00;
    public static final int BPF_ALU = 0x04;
    public static final int BPF_JMP = 0x05;
    public static final int BPF_RET = 0x06;

    // Load size and mode.
    public static final int BPF_W = 0x00;
    public static final int BPF_ABS = 0x20;

    // ALU operations.
    public static final int BPF_AND = 0x50;

    // Jump operations.
    public static final int BPF_JA = 0x00;
    public static final int BPF_JEQ = 0x10;
    public static final int BPF_JGT = 0x20;
    public static final int BPF_JGE = 0x30;
    public static final int BPF_JSET = 0x40;

    // Operand source: the constant k (the alternative, BPF_X, is never used here).
    public static final int BPF_K = 0x00;

    /** {@code A = *(u32 *)(seccomp_data + k)}; k must be 4-aligned and inside the struct. */
    public static final int LD_W_ABS = BPF_LD | BPF_W | BPF_ABS;
    /** {@code A &= k}. */
    public static final int ALU_AND_K = BPF_ALU | BPF_AND | BPF_K;
    /** {@code pc += k}: the only jump that can go further than 255 instructions. */
    public static final int JMP_JA = BPF_JMP | BPF_JA;
    /** {@code pc += (A == k) ? jt : jf}. */
    public static final int JMP_JEQ_K = BPF_JMP | BPF_JEQ | BPF_K;
    /** {@code pc += (A > k) ? jt : jf}, unsigned. */
    public static final int JMP_JGT_K = BPF_JMP | BPF_JGT | BPF_K;
    /** {@code pc += (A >= k) ? jt : jf}, unsigned. */
    public static final int JMP_JGE_K = BPF_JMP | BPF_JGE | BPF_K;
    /** {@code pc += (A & k) != 0 ? jt : jf}. */
    public static final int JMP_JSET_K = BPF_JMP | BPF_JSET | BPF_K;
    /** {@code return k}: for seccomp, k is a {@link SeccompAction} value. */
    public static final int RET_K = BPF_RET | BPF_K;

    /** The largest jump offset a conditional jump can encode. */
    public static final int MAX_CONDITIONAL_OFFSET = 0xFF;

    /** A non-jumping instruction (load, ALU, return, or {@code BPF_JA} with its offset in k). */
    public static BpfInstruction stmt(int code, int k) {
        return new BpfInstruction(checkedCode(code), (byte) 0, (byte) 0, k);
    }

    /**
     * A conditional jump.
     *
     * @throws IllegalArgumentException if {@code jt} or {@code jf} does not fit in 0..255
     */
    public static BpfInstruction jump(int code, int k, int jt, int jf) {
        return new BpfInstruction(checkedCode(code), checkedOffset(jt), checkedOffset(jf), k);
    }

    /** The opcode as the kernel reads it (an unsigned 16-bit value). */
    public int opcode() {
        return Short.toUnsignedInt(code);
    }

    /** Instructions skipped when a conditional jump is taken. */
    public int jumpIfTrue() {
        return Byte.toUnsignedInt(jt);
    }

    /** Instructions skipped when a conditional jump is not taken. */
    public int jumpIfFalse() {
        return Byte.toUnsignedInt(jf);
    }

    /** A one-line disassembly, in the spirit of the kernel's {@code bpf_dbg}. */
    @Override
    public String toString() {
        String operand = "#0x" + Integer.toHexString(k);
        return switch (opcode()) {
            case LD_W_ABS -> "ld [" + k + "]";
            case ALU_AND_K -> "and " + operand;
            case JMP_JA -> "ja +" + Integer.toUnsignedString(k);
            case JMP_JEQ_K -> conditional("jeq", operand);
            case JMP_JGT_K -> conditional("jgt", operand);
            case JMP_JGE_K -> conditional("jge", operand);
            case JMP_JSET_K -> conditional("jset", operand);
            case RET_K -> "ret " + SeccompAction.describe(k);
            default -> "op 0x" + Integer.toHexString(opcode()) + " " + operand
                    + " +" + jumpIfTrue() + " +" + jumpIfFalse();
        };
    }

    private String conditional(String mnemonic, String operand) {
        return mnemonic + " " + operand + " +" + jumpIfTrue() + " +" + jumpIfFalse();
    }

    private static short checkedCode(int code) {
        if (code < 0 || code > 0xFFFF) {
            throw new IllegalArgumentException("opcode does not fit in 16 bits: " + code);
        }
        return (short) code;
    }

    private static byte checkedOffset(int offset) {
        if (offset < 0 || offset > MAX_CONDITIONAL_OFFSET) {
            throw new IllegalArgumentException(
                    "conditional jump offset must be in 0.." + MAX_CONDITIONAL_OFFSET + ": " + offset);
        }
        return (byte) offset;
    }
}
