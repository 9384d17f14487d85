package dev.timens.engine;

import static dev.timens.engine.ArgCondition.bitsClear;
import static dev.timens.engine.ArgCondition.bitsSet;
import static dev.timens.engine.ArgCondition.equalTo;
import static dev.timens.engine.ArgCondition.equalToInt;
import static dev.timens.engine.ArgCondition.maskedEquals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.timens.linux.SyscallNumbers;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("pure")
class SyscallSetTest {

    @Test
    void conditionFactoriesMeanWhatTheySay() {
        assertThat(equalTo(0, 5)).isEqualTo(new ArgCondition(0, -1L, 5));
        assertThat(equalToInt(1, -1)).isEqualTo(new ArgCondition(1, 0xFFFF_FFFFL, 0xFFFF_FFFFL));
        assertThat(bitsSet(2, 0x101)).isEqualTo(new ArgCondition(2, 0x101, 0x101));
        assertThat(bitsClear(3, 0x101)).isEqualTo(new ArgCondition(3, 0x101, 0));
        assertThat(maskedEquals(5, 0xF0, 0x30).test(0xFF3F)).isTrue();
        assertThat(maskedEquals(5, 0xF0, 0x30).test(0xFF4F)).isFalse();
        assertThat(equalToInt(0, 7).test(0xDEAD_0000_0000_0007L)).isTrue();
        assertThat(equalTo(0, 7).test(0xDEAD_0000_0000_0007L)).isFalse();
    }

    @Test
    void conditionsThatCouldNeverHoldAreRejected() {
        assertThatThrownBy(() -> maskedEquals(0, 0xF0, 0x0F)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("never hold");
        assertThatThrownBy(() -> equalTo(6, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> equalTo(-1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void alwaysOverridesConditionsWhicheverComesFirst() {
        SyscallSet a = SyscallSet.builder().when(202, bitsSet(1, 256)).always(202).build();
        SyscallSet b = SyscallSet.builder().always(202).when(202, bitsSet(1, 256)).build();
        assertThat(a).isEqualTo(b);
        assertThat(a.tracesAlways(202)).isTrue();
        assertThat(a.rules(202)).isEmpty();
    }

    @Test
    void whenWithNothingToTestIsAlways() {
        SyscallSet s = SyscallSet.builder().when(230).when(231, maskedEquals(0, 0, 0)).build();
        assertThat(s.tracesAlways(230)).isTrue();
        assertThat(s.tracesAlways(231)).isTrue();
    }

    @Test
    void rulesAreKeptInCanonicalOrderWithoutDuplicates() {
        SyscallSet s = SyscallSet.builder()
                .when(230, bitsSet(1, 1), equalToInt(0, 0))
                .when(230, equalToInt(0, 0), bitsSet(1, 1), bitsSet(1, 1))
                .when(230, equalToInt(0, 1))
                .build();
        assertThat(s.rules(230)).containsExactly(
                List.of(equalToInt(0, 0), bitsSet(1, 1)),
                List.of(equalToInt(0, 1)));
        assertThat(s.traces(230)).isTrue();
        assertThat(s.tracesAlways(230)).isFalse();
    }

    @Test
    void accessors() {
        SyscallSet s = SyscallSet.builder().always(228).when(202, bitsSet(1, 256)).refuseI386(13, 265)
                .refuseX32(228).exemptInstructionPointer(-4096L).exemptInstructionPointer(0x1000L).build();
        assertThat(s.tracedNumbers()).containsExactly(202, 228);
        assertThat(s.traces(228)).isTrue();
        assertThat(s.traces(39)).isFalse();
        assertThat(s.refusedI386()).containsExactly(13, 265);
        assertThat(s.refusedX32()).containsExactly(228);
        assertThat(s.exemptInstructionPointers()).as("unsigned order").containsExactly(0x1000L, -4096L);
        assertThatThrownBy(() -> s.tracedNumbers().add(1)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(s.toString()).contains("always=[228]").contains("fffffffffffff000");
    }

    @Test
    void unionMergesEverything() {
        SyscallSet tool = SyscallSet.builder().always(228).when(202, bitsSet(1, 256)).refuseI386(13).build();
        SyscallSet engine = SyscallSet.builder().always(59).always(202).refuseX32(228)
                .exemptInstructionPointer(0x1000).build();
        SyscallSet u = tool.union(engine);
        assertThat(u.tracedNumbers()).containsExactly(59, 202, 228);
        assertThat(u.tracesAlways(202)).as("always in one set wins over conditions in the other").isTrue();
        assertThat(u.refusedI386()).containsExactly(13);
        assertThat(u.refusedX32()).containsExactly(228);
        assertThat(u.exemptInstructionPointers()).containsExactly(0x1000L);
        assertThat(u).isEqualTo(engine.union(tool));
        assertThat(tool.union(SyscallSet.empty())).isEqualTo(tool);
    }

    @Test
    void numbersOutOfRangeAreRejected() {
        SyscallSet.Builder b = SyscallSet.builder();
        assertThatThrownBy(() -> b.always(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.when(0x4000_0000 | 228, bitsSet(0, 1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.refuseI386(-5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.refuseX32(0x4000_0000 | 228)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without __X32_SYSCALL_BIT");
    }

    /** What the engine asks of a tool's set at a stop that may be the engine's alone. */
    @Test
    void aCallIsTracedWhenItsNumberAlwaysIsOrOneOfItsRulesHolds() {
        SyscallSet set = SyscallSet.builder().always(SyscallNumbers.CLONE)
                .when(SyscallNumbers.PTRACE, equalTo(0, 0))
                .when(SyscallNumbers.PTRACE, equalTo(0, 16), bitsSet(1, 0x10)).build();
        try (Arena arena = Arena.ofConfined()) {
            assertThat(set.traces(call(arena, SyscallNumbers.CLONE, 0x800000))).isTrue();
            assertThat(set.traces(call(arena, SyscallNumbers.PTRACE, 0))).isTrue();
            assertThat(set.traces(call(arena, SyscallNumbers.PTRACE, 16, 0x11))).isTrue();
            assertThat(set.traces(call(arena, SyscallNumbers.PTRACE, 16, 0x1))).as("one condition fails").isFalse();
            assertThat(set.traces(call(arena, SyscallNumbers.PTRACE, 0x4206))).as("no rule holds").isFalse();
            assertThat(set.traces(call(arena, SyscallNumbers.CLONE3))).as("not subscribed").isFalse();
        }
    }

    private static SyscallStop call(Arena arena, int number, long... args) {
        Registers registers = new Registers(arena);
        registers.origRax(number);
        for (int i = 0; i < args.length; i++) registers.arg(i, args[i]);
        return new SyscallStop(1, 1, registers, null, () -> 0);
    }

    /** A filter built from a set serves a tool whose set it covers: the same calls, sent the same way. */
    @Test
    void aSetCoversWhatItSendsTheSameWay() {
        SyscallSet outer = SyscallSet.builder().always(SyscallNumbers.SETTIMEOFDAY)
                .notifyWhen(SyscallNumbers.CLOCK_GETTIME, ArgCondition.equalToInt(0, 0)).build();
        SyscallSet same = SyscallSet.builder().notifyWhen(SyscallNumbers.CLOCK_GETTIME, ArgCondition.equalToInt(0, 0))
                .build();
        assertThat(outer.covers(same)).isTrue();
        assertThat(outer.covers(SyscallSet.empty())).isTrue();
        // More calls, and the same call traced rather than notified, are not covered.
        assertThat(outer.covers(SyscallSet.builder().always(SyscallNumbers.ADJTIMEX).build())).isFalse();
        assertThat(outer.covers(SyscallSet.builder().when(SyscallNumbers.CLOCK_GETTIME, ArgCondition.equalToInt(0, 0))
                .build())).isFalse();
    }
}
