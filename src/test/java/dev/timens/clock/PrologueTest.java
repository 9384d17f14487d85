package dev.timens.clock;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Which first instructions of a kernel vDSO function {@link Prologue} copies, and how. */
class PrologueTest {
    private static byte[] hex(String text) {
        return HexFormat.of().parseHex(text.replace(" ", "") + "9090909090909090");
    }

    /** Linux 6.18's __vdso_clock_gettime: six plain instructions, 15 bytes, copied as they are. */
    @Test
    void plainInstructionsAreCopiedAsTheyAre() {
        byte[] code = hex("55 4889e5 4156 53 4883e4f0 4883ec10 83ff17");
        Prologue.Copy copy = Prologue.copy(code, 0, 14, 0x7fff0000_0b10L);
        assertThat(copy).isNotNull();
        assertThat(copy.covered()).isEqualTo(15);
        assertThat(HexFormat.of().formatHex(copy.bytes())).isEqualTo("554889e54156534883e4f04883ec10");
    }

    /** Its __vdso_gettimeofday: lea disp(%rip), %r10 becomes movabs of the address it computes. */
    @Test
    void aRipRelativeLeaBecomesAnAbsoluteMove() {
        byte[] code = hex("55 4c8d15c897ffff 4889e5 4883e4f0 4883ec10");
        long at = 0x7fff0000_0830L;
        Prologue.Copy copy = Prologue.copy(code, 0, 14, at);
        assertThat(copy).isNotNull();
        assertThat(copy.covered()).isEqualTo(15);
        long target = at + 1 + 7 + (int) 0xffff97c8L;
        String movabs = "49ba" + HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(target).array());
        assertThat(HexFormat.of().formatHex(copy.bytes())).isEqualTo("55" + movabs + "4889e54883e4f0");
    }

    @Test
    void endbr64AndPushesOfHighRegisters() {
        Prologue.Copy copy = Prologue.copy(hex("f30f1efa 4157 4156 55 4889e5 53 4881ec00010000"), 0, 14, 0);
        assertThat(copy).isNotNull();
        assertThat(copy.covered()).isEqualTo(20);
    }

    /** A memory operand other than a lea of %rip, a branch or a call: no trampoline. */
    @Test
    void whatMightMeanSomethingElseElsewhereIsRefused() {
        assertThat(Prologue.copy(hex("55 488b0500100000 4889e5 4883ec10"), 0, 14, 0)).as("mov disp(%rip)").isNull();
        assertThat(Prologue.copy(hex("55 e800000000 4889e5 4883ec10"), 0, 14, 0)).as("call").isNull();
        assertThat(Prologue.copy(hex("55 7405 4889e5 4883ec10 90"), 0, 14, 0)).as("je").isNull();
        assertThat(Prologue.copy(hex("55 488b07 4889e5 4883ec10 90"), 0, 14, 0)).as("mov (%rdi)").isNull();
    }
}
