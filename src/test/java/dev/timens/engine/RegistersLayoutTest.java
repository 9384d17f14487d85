package dev.timens.engine;

import dev.timens.testing.LayoutProbe;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout.PathElement;

import static org.assertj.core.api.Assertions.assertThat;

class RegistersLayoutTest {
    @Test
    void userRegsStructMatchesTheCompiler() {
        assertThat(Registers.LAYOUT.byteSize()).isEqualTo(LayoutProbe.get("user_regs_struct"));
        for (String field : new String[] {"rax", "orig_rax", "rip", "rsp", "rdi", "r10", "r9", "gs"}) {
            assertThat(Registers.LAYOUT.byteOffset(PathElement.groupElement(field)))
                    .as(field).isEqualTo(LayoutProbe.get("user_regs_struct." + field));
        }
    }

    @Test
    void seccompDataOffsetsMatchTheCompiler() {
        assertThat(LayoutProbe.get("seccomp_data")).isEqualTo(64);
        assertThat(LayoutProbe.get("seccomp_data.arch")).isEqualTo(4);
        assertThat(LayoutProbe.get("seccomp_data.instruction_pointer")).isEqualTo(8);
        assertThat(LayoutProbe.get("seccomp_data.args")).isEqualTo(16);
        assertThat(LayoutProbe.get("sock_filter")).isEqualTo(SeccompFilter.INSTRUCTION_SIZE);
    }
}
