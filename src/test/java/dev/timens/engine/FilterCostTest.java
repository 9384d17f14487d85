package dev.timens.engine;

import dev.timens.clock.NamespaceSyscalls;
import dev.timens.linux.SyscallNumbers;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The time namespace's real filter, with every optional part subscribed: a
 * syscall it does not trace must be decided from its number and the arch
 * alone, so that the kernel's seccomp cache can skip the filter for it.
 */
class FilterCostTest {
    @Test
    void untracedSyscallsReadOnlyTheNumberAndTheArch() {
        SyscallSet set = NamespaceSyscalls.all();
        BpfInterpreter filter = new BpfInterpreter(SeccompFilter.compile(set));
        for (int nr = 0; nr < 512; nr++) {
            if (set.traces(nr)) continue;
            BpfInterpreter.Run run = filter.trace(new SeccompData(nr, SeccompAction.AUDIT_ARCH_X86_64, 0x1234, new long[6]));
            assertThat(run.action()).as("syscall %d", nr).isEqualTo(SeccompAction.ALLOW);
            assertThat(run.offsetsLoaded()).as("syscall %d", nr)
                    .containsOnly(SeccompAction.OFFSET_NR, SeccompAction.OFFSET_ARCH);
        }
        assertThat(set.traces(SyscallNumbers.GETPPID)).isFalse();
    }
}
