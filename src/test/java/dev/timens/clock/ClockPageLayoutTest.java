package dev.timens.clock;

import dev.timens.testing.LayoutProbe;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ClockPageLayoutTest {
    @Test
    void clockPageMatchesClockH() {
        assertThat(LayoutProbe.get("TIMENS_LAYOUT_VERSION")).isEqualTo(ClockPage.LAYOUT_VERSION);
        assertThat(LayoutProbe.get("timens_clock_page.seq")).isEqualTo(ClockPage.OFF_SEQ);
        assertThat(LayoutProbe.get("timens_clock_page.version")).isEqualTo(ClockPage.OFF_VERSION);
        assertThat(LayoutProbe.get("timens_clock_page.group")).isEqualTo(ClockPage.OFF_GROUPS);
        assertThat(LayoutProbe.get("timens_clock_page"))
                .isEqualTo(ClockPage.OFF_GROUPS + 3L * ClockPage.GROUP_SIZE);
        assertThat(LayoutProbe.get("timens_transform")).isEqualTo(ClockPage.GROUP_SIZE);
        assertThat(LayoutProbe.get("timens_transform.base_real")).isEqualTo(ClockPage.G_BASE_REAL);
        assertThat(LayoutProbe.get("timens_transform.base_virt")).isEqualTo(ClockPage.G_BASE_VIRT);
        assertThat(LayoutProbe.get("timens_transform.mult")).isEqualTo(ClockPage.G_MULT);
        assertThat(LayoutProbe.get("timens_transform.shift")).isEqualTo(ClockPage.G_SHIFT);
        assertThat(LayoutProbe.get("timens_transform.mode")).isEqualTo(ClockPage.G_MODE);
        assertThat(LayoutProbe.get("timens_transform.offset_sec")).isEqualTo(ClockPage.G_OFFSET_SEC);
        assertThat(LayoutProbe.get("timens_transform.offset_nsec")).isEqualTo(ClockPage.G_OFFSET_NSEC);
        assertThat(LayoutProbe.get("TIMENS_MODE_OFFSET")).isEqualTo(ClockPage.MODE_OFFSET);
        assertThat(LayoutProbe.get("TIMENS_MODE_SCALED")).isEqualTo(ClockPage.MODE_SCALED);
    }

    @Test
    void entryDataMatchesImageDataH() {
        long data = LayoutProbe.get("ENTRY_DATA");
        assertThat(LayoutProbe.get("timens_image_data.image_size")).isZero();
        assertThat(LayoutProbe.get("timens_image_data.image_kernel")).isEqualTo(24);
        assertThat(LayoutProbe.get("timens_image_data.image_auxv")).isEqualTo(32);
        assertThat(LayoutProbe.get("timens_image_data")).isEqualTo(TimeNamespace.IMAGE_DATA);
        assertThat(LayoutProbe.get("IMAGE_DATA_END") - data).isEqualTo(TimeNamespace.IMAGE_DATA);
        assertThat(LayoutProbe.get("IMAGE_SYSCALL")).isEqualTo(TimeNamespace.IMAGE_SYSCALL);
    }

    @Test
    void processPageMatchesClockH() {
        assertThat(LayoutProbe.get("timens_process_page.kernel_vdso")).isEqualTo(VdsoImage.PP_KERNEL_VDSO);
        assertThat(LayoutProbe.get("timens_process_page.off_clock_gettime")).isEqualTo(VdsoImage.PP_OFF_CLOCK_GETTIME);
        assertThat(LayoutProbe.get("timens_process_page.off_gettimeofday")).isEqualTo(VdsoImage.PP_OFF_GETTIMEOFDAY);
        assertThat(LayoutProbe.get("timens_process_page.forward")).isEqualTo(VdsoImage.PP_FORWARD);
        assertThat(LayoutProbe.get("timens_process_page.kernel_time_data")).isEqualTo(VdsoImage.PP_KERNEL_TIME_DATA);
        assertThat(LayoutProbe.get("timens_process_page.clock_page_offset")).isEqualTo(VdsoImage.PP_CLOCK_PAGE_OFFSET);
        assertThat(LayoutProbe.get("timens_process_page.fork_check")).isEqualTo(VdsoImage.PP_FORK_CHECK);
        assertThat(LayoutProbe.get("timens_process_page.children_token")).isEqualTo(VdsoImage.PP_CHILDREN_TOKEN);
        assertThat(LayoutProbe.get("TIMENS_FORKED_SYSCALL")).isEqualTo(NamespaceTree.FORKED_SYSCALL);
        assertThat(LayoutProbe.get("timens_fork_page.entry_token")).isEqualTo(VdsoImage.FP_ENTRY_TOKEN);
        assertThat(LayoutProbe.get("TIMENS_PROCESS_PAGE_SCRATCH")).isEqualTo(VdsoImage.PP_SCRATCH);
    }

    @Test
    void kernelTimeDataMatchesClockH() {
        assertThat(LayoutProbe.get("kernel_vdso_clock")).isEqualTo(KernelTimeData.CLOCK_SIZE);
        assertThat(LayoutProbe.get("kernel_vdso_clock.seq")).isEqualTo(KernelTimeData.OFF_SEQ);
        assertThat(LayoutProbe.get("kernel_vdso_clock.clock_mode")).isEqualTo(KernelTimeData.OFF_MODE);
        assertThat(LayoutProbe.get("kernel_vdso_clock.cycle_last")).isEqualTo(KernelTimeData.OFF_CYCLE_LAST);
        assertThat(LayoutProbe.get("kernel_vdso_clock.max_cycles")).isEqualTo(KernelTimeData.OFF_MAX_CYCLES);
        assertThat(LayoutProbe.get("kernel_vdso_clock.mask")).isEqualTo(KernelTimeData.OFF_MASK);
        assertThat(LayoutProbe.get("kernel_vdso_clock.mult")).isEqualTo(KernelTimeData.OFF_MULT);
        assertThat(LayoutProbe.get("kernel_vdso_clock.shift")).isEqualTo(KernelTimeData.OFF_SHIFT);
        assertThat(LayoutProbe.get("kernel_vdso_clock.base")).isEqualTo(KernelTimeData.OFF_BASE);
        assertThat(LayoutProbe.get("kernel_clock_base")).isEqualTo(KernelTimeData.BASE_SIZE);
        assertThat(LayoutProbe.get("KERNEL_CLOCK_MODE_TSC")).isEqualTo(KernelTimeData.MODE_TSC);
    }
}
