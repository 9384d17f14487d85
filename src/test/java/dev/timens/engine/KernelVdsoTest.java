package dev.timens.engine;

import dev.timens.linux.Auxv;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KernelVdsoTest {
    @Test
    void readsTheRunningKernelsVdsoAndFindsASyscallInstruction() {
        KernelVdso vdso = KernelVdso.current();
        byte[] image = vdso.image();
        assertThat(image).startsWith(0x7f, 'E', 'L', 'F');
        int gadget = vdso.syscallGadget();
        assertThat(image[gadget] & 0xff).isEqualTo(0x0f);
        assertThat(image[gadget + 1] & 0xff).isEqualTo(0x05);
        assertThat(image[gadget - 5] & 0xff).as("preceded by mov $imm32, %eax").isEqualTo(0xb8);
    }

    @Test
    void ignoresSyscallBytesThatAreNotAnInstruction() {
        byte[] image = {0x0f, 0x05, 0x00, (byte) 0xb8, 0x01, 0x00, 0x0f, 0x05, (byte) 0xb8, (byte) 0xe4, 0, 0, 0, 0x0f, 0x05};
        assertThat(KernelVdso.findSyscallGadget(image)).isEqualTo(13);
        assertThatThrownBy(() -> KernelVdso.findSyscallGadget(new byte[] {0x0f, 0x05}))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void findsAProcesssVdsoInItsProcAuxv() {
        int self = (int) ProcessHandle.current().pid();
        assertThat(KernelVdso.addressIn(self)).isEqualTo(Auxv.getauxval(Auxv.AT_SYSINFO_EHDR)).isNotZero();
        assertThat(KernelVdso.addressIn(Integer.MAX_VALUE)).as("no such process").isZero();
    }
}
