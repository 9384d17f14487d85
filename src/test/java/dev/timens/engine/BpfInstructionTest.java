package dev.timens.engine;

import static dev.timens.engine.BpfInstruction.JMP_JEQ_K;
import static dev.timens.engine.BpfInstruction.JMP_JSET_K;
import static dev.timens.engine.BpfInstruction.LD_W_ABS;
import static dev.timens.engine.BpfInstruction.RET_K;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("pure")
class BpfInstructionTest {

    @Test
    void opcodesMatchTheKernelHeaders() {
        // Values of the combined opcodes as written in <linux/bpf_common.h> terms.
        assertThat(LD_W_ABS).isEqualTo(0x20);
        assertThat(BpfInstruction.ALU_AND_K).isEqualTo(0x54);
        assertThat(BpfInstruction.JMP_JA).isEqualTo(0x05);
        assertThat(JMP_JEQ_K).isEqualTo(0x15);
        assertThat(BpfInstruction.JMP_JGT_K).isEqualTo(0x25);
        assertThat(BpfInstruction.JMP_JGE_K).isEqualTo(0x35);
        assertThat(JMP_JSET_K).isEqualTo(0x45);
        assertThat(RET_K).isEqualTo(0x06);
    }

    @Test
    void jumpOffsetsAreUnsignedBytes() {
        BpfInstruction far = BpfInstruction.jump(JMP_JEQ_K, 1, 255, 128);
        assertThat(far.jumpIfTrue()).isEqualTo(255);
        assertThat(far.jumpIfFalse()).isEqualTo(128);
        assertThatThrownBy(() -> BpfInstruction.jump(JMP_JEQ_K, 1, 256, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BpfInstruction.jump(JMP_JEQ_K, 1, 0, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BpfInstruction.stmt(0x1_0000, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void actionsMatchTheKernelHeaders() {
        assertThat(SeccompAction.errno(SeccompAction.ENOSYS)).isEqualTo(0x0005_0026);
        assertThat(SeccompAction.trace(7)).isEqualTo(0x7FF0_0007);
        assertThat(SeccompAction.offsetOfArg(5)).isEqualTo(56);
        assertThat(SeccompAction.offsetOfArg(5) + 8).isEqualTo(SeccompAction.SECCOMP_DATA_SIZE);
        assertThatThrownBy(() -> SeccompAction.errno(4096)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SeccompAction.trace(0x10000)).isInstanceOf(IllegalArgumentException.class);
        assertThat(SeccompAction.describe(SeccompAction.errno(38))).isEqualTo("ERRNO(38)");
        assertThat(SeccompAction.describe(SeccompAction.TRACE)).isEqualTo("TRACE");
        assertThat(SeccompAction.describe(SeccompAction.KILL_PROCESS)).isEqualTo("KILL_PROCESS");
    }
}
