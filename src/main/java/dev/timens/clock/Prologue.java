package dev.timens.clock;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The first instructions of a kernel vDSO function, to be run elsewhere: when
 * timens writes a jump over a function's first bytes in a process taken in
 * while it runs, its clock code can still call the kernel's function through a
 * trampoline (those instructions, then a jump back to the first one they do
 * not cover) instead of making a syscall. Only instructions known to mean the
 * same elsewhere are taken: register pushes, register-to-register moves and
 * arithmetic, stack alignment, endbr64, and {@code lea disp(%rip), %reg}, which
 * becomes a {@code movabs} of the address it computes. Anything else (another
 * memory operand, a branch) and there is no trampoline.
 */
final class Prologue {
    private Prologue() {}

    /** The instructions to run elsewhere, and how many bytes of the function they stand for. */
    record Copy(byte[] bytes, int covered) {}

    /**
     * The whole instructions from {@code offset} in {@code code} that cover at
     * least {@code atLeast} bytes, as they run elsewhere, when {@code offset}
     * is at address {@code address} in the process; null when one of them is
     * not known to.
     */
    static Copy copy(byte[] code, int offset, int atLeast, long address) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = offset;
        while (at - offset < atLeast) {
            if (at + 8 > code.length) return null;
            int n = plain(code, at);
            if (n > 0) {
                out.write(code, at, n);
            } else {
                n = ripLea(code, at, address + (at - offset), out);
                if (n < 0) return null;
            }
            at += n;
        }
        return new Copy(out.toByteArray(), at - offset);
    }

    /** The length of the instruction at {@code at}, if it runs the same anywhere as it is; else -1. */
    private static int plain(byte[] code, int at) {
        int b0 = code[at] & 0xff;
        if (b0 == 0xf3 && (code[at + 1] & 0xff) == 0x0f && (code[at + 2] & 0xff) == 0x1e
                && (code[at + 3] & 0xff) == 0xfa) {
            return 4; // endbr64
        }
        int rex = b0 >= 0x40 && b0 <= 0x4f ? 1 : 0;
        int op = code[at + rex] & 0xff;
        if (op >= 0x50 && op <= 0x57) return rex + 1; // push r64
        int modrm = code[at + rex + 1] & 0xff;
        if ((modrm >> 6) != 3) return -1; // a memory operand (RIP-relative, perhaps)
        return switch (op) {
            // mov, add, or, and, sub, xor, cmp, test between registers
            case 0x89, 0x8b, 0x01, 0x03, 0x09, 0x0b, 0x21, 0x23, 0x29, 0x2b, 0x31, 0x33, 0x39, 0x3b, 0x85 -> rex + 2;
            case 0x83 -> rex + 3; // group 1, 8-bit immediate: and $-16, %rsp; sub $16, %rsp
            case 0x81 -> rex + 6; // group 1, 32-bit immediate
            default -> -1;
        };
    }

    /**
     * {@code lea disp32(%rip), %r64} at {@code at} (whose address is
     * {@code address}) written to {@code out} as {@code movabs $target, %r64};
     * returns its length, or -1 when it is not one.
     */
    private static int ripLea(byte[] code, int at, long address, ByteArrayOutputStream out) {
        int rex = code[at] & 0xff;
        if ((rex & 0xf8) != 0x48 || (code[at + 1] & 0xff) != 0x8d) return -1; // REX.W, lea
        int modrm = code[at + 2] & 0xff;
        if ((modrm & 0xc7) != 0x05) return -1; // mod 00, r/m 101: disp32(%rip)
        int disp = ByteBuffer.wrap(code, at + 3, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        long target = address + 7 + disp;
        int reg = ((rex & 0x04) << 1) | ((modrm >> 3) & 7);
        out.write(0x48 | (reg >> 3)); // REX.W, and REX.B for r8-r15
        out.write(0xb8 + (reg & 7));
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(target).array());
        return 7;
    }
}
