package dev.timens.engine;

import dev.timens.linux.SyscallNumbers;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Conditions that hold when a masked argument differs: "this pointer is not NULL". */
class NegatedConditionTest {
    private static final int FUTEX = SyscallNumbers.FUTEX;
    private static final int WAIT_BITSET_REALTIME = 9 | 256;

    /** futex(WAIT_BITSET | CLOCK_REALTIME) with a non-NULL timeout (args[3]), as timens traps it. */
    private static final SyscallSet SET = SyscallSet.builder()
            .when(FUTEX, ArgCondition.maskedEquals(1, 0x17f, WAIT_BITSET_REALTIME),
                    ArgCondition.anyBitSet(3, 0xFFFF_FFFFL))
            .when(FUTEX, ArgCondition.maskedEquals(1, 0x17f, WAIT_BITSET_REALTIME),
                    ArgCondition.anyBitSet(3, 0xFFFF_FFFF_0000_0000L))
            .build();

    private static int run(long op, long timeout) {
        long[] args = {0x1000, op, 0, timeout, 0, 0};
        return new BpfInterpreter(SeccompFilter.compile(SET))
                .run(new SeccompData(FUTEX, SeccompAction.AUDIT_ARCH_X86_64, 0, args));
    }

    @Test
    void nullTimeoutsAreNotTraced() {
        assertThat(run(WAIT_BITSET_REALTIME | 128, 0)).isEqualTo(SeccompAction.ALLOW);
        assertThat(run(WAIT_BITSET_REALTIME, 0x7ffd_1234_5670L)).isEqualTo(SeccompAction.TRACE);
        assertThat(run(WAIT_BITSET_REALTIME, 0x7ffd_0000_0000L)).as("low half zero").isEqualTo(SeccompAction.TRACE);
        assertThat(run(9, 0x7ffd_1234_5670L)).as("MONOTONIC").isEqualTo(SeccompAction.ALLOW);
    }

    @Property
    void filterAgreesWithTheConditions(@ForAll long op, @ForAll long timeout) {
        boolean expected = SET.rules(FUTEX).stream()
                .anyMatch(rule -> rule.stream().allMatch(c -> c.test(new long[] {0x1000, op, 0, timeout, 0, 0}[c.index()])));
        assertThat(run(op, timeout)).isEqualTo(expected ? SeccompAction.TRACE : SeccompAction.ALLOW);
    }

    @Test
    void aNegationMustStayInOneHalf() {
        assertThatThrownBy(() -> ArgCondition.anyBitSet(3, -1L)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ArgCondition.anyBitSet(3, 0xFFL).test(0x100)).isFalse();
        assertThat(ArgCondition.anyBitSet(3, 0xFFL).test(0x101)).isTrue();
    }
}
