package dev.timens.engine;

import static dev.timens.engine.BpfInstruction.JMP_JEQ_K;
import static dev.timens.engine.BpfInstruction.JMP_JSET_K;
import static dev.timens.engine.BpfInstruction.LD_W_ABS;
import static dev.timens.engine.BpfInstruction.RET_K;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The label assembler, and the test interpreter's own load-time checks. */
@Tag("pure")
class BpfAssemblerTest {

    @Test
    void assemblerAddsATrampolineOnlyWhereAJumpIsTooLong() {
        BpfAssembler asm = new BpfAssembler();
        BpfAssembler.Label far = asm.newLabel();
        BpfAssembler.Label near = asm.newLabel();
        asm.stmt(LD_W_ABS, 0);
        asm.jump(JMP_JEQ_K, 1, far, null); // 300 instructions away
        asm.jump(JMP_JSET_K, 2, near, null); // 1 instruction away
        asm.stmt(RET_K, 0);
        asm.bind(near);
        for (int i = 0; i < 298; i++) {
            asm.stmt(RET_K, i);
        }
        asm.bind(far);
        asm.stmt(RET_K, 12345);
        List<BpfInstruction> p = asm.assemble();

        assertThat(p).hasSize(1 + 1 + 1 + 1 + 1 + 298 + 1);
        assertThat(p.get(1)).isEqualTo(BpfInstruction.jump(JMP_JEQ_K, 1, 0, 1));
        assertThat(p.get(2)).as("trampoline").isEqualTo(BpfInstruction.stmt(BpfInstruction.JMP_JA, 300));
        assertThat(p.get(2 + 1 + 300).k()).isEqualTo(12345);
        assertThat(p.get(3)).isEqualTo(BpfInstruction.jump(JMP_JSET_K, 2, 1, 0));
        assertThat(new BpfInterpreter(p).run(SeccompData.x86_64(1))).isEqualTo(12345);
        assertThat(new BpfInterpreter(p).run(SeccompData.x86_64(2))).isEqualTo(0);
        assertThat(new BpfInterpreter(p).run(SeccompData.x86_64(3))).isEqualTo(0);
    }

    @Test
    void assemblerRejectsBackwardJumpsAndDanglingLabels() {
        BpfAssembler back = new BpfAssembler();
        BpfAssembler.Label top = back.newLabel();
        back.bind(top);
        back.stmt(LD_W_ABS, 0);
        back.jumpAlways(top);
        assertThatThrownBy(back::assemble).isInstanceOf(IllegalStateException.class).hasMessageContaining("backward");

        BpfAssembler dangling = new BpfAssembler();
        dangling.jumpAlways(dangling.newLabel());
        dangling.stmt(RET_K, 0);
        assertThatThrownBy(dangling::assemble).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void interpreterRefusesWhatTheKernelWouldRefuse() {
        BpfInstruction ret = BpfInstruction.stmt(RET_K, 0);
        assertThatThrownBy(() -> new BpfInterpreter(List.of(BpfInstruction.stmt(LD_W_ABS, 0))))
                .isInstanceOf(AssertionError.class).hasMessageContaining("RET");
        assertThatThrownBy(() -> new BpfInterpreter(List.of(BpfInstruction.stmt(LD_W_ABS, 64), ret)))
                .isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> new BpfInterpreter(List.of(BpfInstruction.jump(JMP_JEQ_K, 0, 1, 0), ret)))
                .isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> new BpfInterpreter(List.of(BpfInstruction.stmt(0x07 /* BPF_MISC|TAX */, 0), ret)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("not one the compiler emits");
    }
}
