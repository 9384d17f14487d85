package dev.timens.engine;

import static dev.timens.engine.ArgCondition.bitsClear;
import static dev.timens.engine.ArgCondition.bitsSet;
import static dev.timens.engine.ArgCondition.equalTo;
import static dev.timens.engine.ArgCondition.equalToInt;
import static dev.timens.engine.ArgCondition.maskedEquals;
import static dev.timens.engine.SeccompAction.ALLOW;
import static dev.timens.engine.SeccompAction.AUDIT_ARCH_X86_64;
import static dev.timens.engine.SeccompAction.ENOSYS;
import static dev.timens.engine.SeccompAction.KILL_PROCESS;
import static dev.timens.engine.SeccompAction.TRACE;
import static dev.timens.engine.SeccompAction.errno;
import static dev.timens.engine.SeccompData.i386;
import static dev.timens.engine.SeccompData.x32;
import static dev.timens.engine.SeccompData.x86_64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.timens.linux.SyscallNumbers;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Tag("pure")
class SeccompFilterTest {

    private static final int FUTEX_WAIT_BITSET = 9;
    private static final int FUTEX_PRIVATE_FLAG = 128;
    private static final int FUTEX_CLOCK_REALTIME = 256;
    private static final int FUTEX_CMD_MASK = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    private static final int TIMER_ABSTIME = 1;
    private static final int CLOCK_REALTIME = 0;
    private static final int ENOSYS_ACTION = errno(ENOSYS);

    /** Exercises each kind of condition; syscall numbers are real, the rules partly invented. */
    private static final SyscallSet SET = SyscallSet.builder()
            .always(SyscallNumbers.CLOCK_GETTIME)
            .always(SyscallNumbers.GETTIMEOFDAY)
            // futex: a FUTEX_WAIT_BITSET measured on CLOCK_REALTIME (masked int compare + single bit).
            .when(SyscallNumbers.FUTEX,
                    maskedEquals(1, FUTEX_CMD_MASK & 0xFFFF_FFFFL, FUTEX_WAIT_BITSET),
                    bitsSet(1, FUTEX_CLOCK_REALTIME))
            // clock_nanosleep: OR of two rules.
            .when(SyscallNumbers.CLOCK_NANOSLEEP, equalToInt(0, CLOCK_REALTIME))
            .when(SyscallNumbers.CLOCK_NANOSLEEP, bitsSet(1, TIMER_ABSTIME))
            // full 64-bit equality.
            .when(SyscallNumbers.MMAP, equalTo(0, 0x1234_5678_9ABC_DEF0L))
            // no bit of a mask spanning both words.
            .when(SyscallNumbers.TIMERFD_SETTIME, bitsClear(1, 0x0000_0010_0000_0001L))
            // several bits in both words.
            .when(SyscallNumbers.PPOLL, bitsSet(3, 0x0000_0003_0000_0005L))
            // a mask on the high word only: the low word must not even be looked at.
            .when(SyscallNumbers.WRITE, maskedEquals(2, 0xFFFF_0000_0000_0000L, 0x8000_0000_0000_0000L))
            // low-word-only, value not a single bit.
            .when(SyscallNumbers.IOCTL, maskedEquals(1, 0xFFFFL, 0x5401))
            .always(SyscallNumbers.EXECVE)
            .refuseI386(SyscallNumbers.I386_TIME, SyscallNumbers.I386_CLOCK_GETTIME,
                    SyscallNumbers.I386_CLOCK_GETTIME64)
            .refuseX32(SyscallNumbers.CLOCK_GETTIME, SyscallNumbers.GETTIMEOFDAY, 523 /* x32 rt_sigtimedwait */)
            .build();

    private static Arguments row(String what, SeccompData data, int expected) {
        return Arguments.of(what, data, expected);
    }

    static Stream<Arguments> table() {
        long hi = 0xDEAD_BEEF_0000_0000L;
        return Stream.of(
                row("always traced", x86_64(SyscallNumbers.CLOCK_GETTIME, 0, 0x7ffd_0000L), TRACE),
                row("always traced, other", x86_64(SyscallNumbers.GETTIMEOFDAY), TRACE),
                row("always traced, execve", x86_64(SyscallNumbers.EXECVE), TRACE),
                row("untraced", x86_64(SyscallNumbers.GETPID), ALLOW),
                row("untraced read", x86_64(SyscallNumbers.READ, 3, 0x1000, 10), ALLOW),
                row("untraced, number above every traced one", x86_64(499), ALLOW),
                row("futex wait_bitset realtime", x86_64(SyscallNumbers.FUTEX, 0x1000,
                        FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME), TRACE),
                row("futex op is an int: high garbage ignored", x86_64(SyscallNumbers.FUTEX, 0x1000,
                        hi | FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME), TRACE),
                row("futex wait_bitset monotonic", x86_64(SyscallNumbers.FUTEX, 0x1000,
                        FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG), ALLOW),
                row("futex plain wait realtime", x86_64(SyscallNumbers.FUTEX, 0x1000,
                        FUTEX_CLOCK_REALTIME), ALLOW),
                row("clock_nanosleep first rule", x86_64(SyscallNumbers.CLOCK_NANOSLEEP, CLOCK_REALTIME, 0), TRACE),
                row("clock_nanosleep second rule", x86_64(SyscallNumbers.CLOCK_NANOSLEEP, 1, TIMER_ABSTIME), TRACE),
                row("clock_nanosleep both rules", x86_64(SyscallNumbers.CLOCK_NANOSLEEP, 0, TIMER_ABSTIME), TRACE),
                row("clock_nanosleep neither rule", x86_64(SyscallNumbers.CLOCK_NANOSLEEP, 1, 0), ALLOW),
                row("clock id is an int", x86_64(SyscallNumbers.CLOCK_NANOSLEEP, hi, 0), TRACE),
                row("equalTo 64 bits", x86_64(SyscallNumbers.MMAP, 0x1234_5678_9ABC_DEF0L), TRACE),
                row("equalTo, low word differs", x86_64(SyscallNumbers.MMAP, 0x1234_5678_9ABC_DEF1L), ALLOW),
                row("equalTo, high word differs", x86_64(SyscallNumbers.MMAP, 0x1234_5679_9ABC_DEF0L), ALLOW),
                row("bitsClear, all clear", x86_64(SyscallNumbers.TIMERFD_SETTIME, 3, 0xFFFF_FFEF_FFFF_FFFEL), TRACE),
                row("bitsClear, low bit set", x86_64(SyscallNumbers.TIMERFD_SETTIME, 3, 1), ALLOW),
                row("bitsClear, high bit set", x86_64(SyscallNumbers.TIMERFD_SETTIME, 3, 0x10_0000_0000L), ALLOW),
                row("bitsSet both words", x86_64(SyscallNumbers.PPOLL, 0, 0, 0, 0xFFFF_FFFF_FFFF_FFFFL), TRACE),
                row("bitsSet, exact bits", x86_64(SyscallNumbers.PPOLL, 0, 0, 0, 0x0000_0003_0000_0005L), TRACE),
                row("bitsSet, one low bit missing", x86_64(SyscallNumbers.PPOLL, 0, 0, 0, 0x0000_0003_0000_0004L), ALLOW),
                row("bitsSet, one high bit missing", x86_64(SyscallNumbers.PPOLL, 0, 0, 0, 0x0000_0001_0000_0005L), ALLOW),
                row("high-word mask matches, low word anything",
                        x86_64(SyscallNumbers.WRITE, 1, 0, 0x8000_0000_FFFF_FFFFL), TRACE),
                row("high-word mask matches, ignored high bits differ",
                        x86_64(SyscallNumbers.WRITE, 1, 0, 0x8000_1234_0000_0000L), TRACE),
                row("high-word mask does not match", x86_64(SyscallNumbers.WRITE, 1, 0, 0xC000_0000_0000_0000L), ALLOW),
                row("high-word mask, value only in low word", x86_64(SyscallNumbers.WRITE, 1, 0, 0x8000_0000L), ALLOW),
                row("low-word mask", x86_64(SyscallNumbers.IOCTL, 1, hi | 0xAB_5401L), TRACE),
                row("low-word mask, other request", x86_64(SyscallNumbers.IOCTL, 1, 0x5402), ALLOW),
                row("x32 refused", x32(SyscallNumbers.CLOCK_GETTIME), ENOSYS_ACTION),
                row("x32 refused, x32-only number", x32(523), ENOSYS_ACTION),
                row("x32 other", x32(SyscallNumbers.GETPID), ALLOW),
                row("x32 number of a natively traced syscall is not traced", x32(SyscallNumbers.EXECVE), ALLOW),
                row("nr with bit 31 is not a traced number", x86_64(0x8000_0000 | SyscallNumbers.CLOCK_GETTIME), ALLOW),
                row("nr -1 (skipped syscall)", x86_64(-1), ALLOW),
                row("i386 refused time", i386(SyscallNumbers.I386_TIME), ENOSYS_ACTION),
                row("i386 refused clock_gettime", i386(SyscallNumbers.I386_CLOCK_GETTIME), ENOSYS_ACTION),
                row("i386 refused clock_gettime64", i386(SyscallNumbers.I386_CLOCK_GETTIME64), ENOSYS_ACTION),
                row("i386 other (getpid)", i386(20), ALLOW),
                row("i386 number of a natively traced syscall", i386(SyscallNumbers.CLOCK_GETTIME), ALLOW),
                row("aarch64", new SeccompData(SyscallNumbers.CLOCK_GETTIME, 0xC000_00B7, 0, new long[6]), KILL_PROCESS),
                row("arch 0", new SeccompData(0, 0, 0, new long[6]), KILL_PROCESS),
                row("x86_64 without the 64-bit flag", new SeccompData(0, 0x4000_003E, 0, new long[6]), KILL_PROCESS));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void actionForEachInput(String what, SeccompData data, int expected) {
        List<BpfInstruction> program = SeccompFilter.compile(SET);
        int actual = new BpfInterpreter(program).run(data);
        assertThat(SeccompAction.describe(actual))
                .as("%s for %s in\n%s", what, data, SeccompFilter.disassemble(program))
                .isEqualTo(SeccompAction.describe(expected));
    }

    @Test
    void theArchIsCheckedBeforeAnythingElse() {
        List<BpfInstruction> program = SeccompFilter.compile(SET);
        assertThat(program.get(0)).isEqualTo(BpfInstruction.stmt(BpfInstruction.LD_W_ABS, SeccompAction.OFFSET_ARCH));
        assertThat(program.get(1).opcode()).isEqualTo(BpfInstruction.JMP_JEQ_K);
        assertThat(program.get(1).k()).isEqualTo(AUDIT_ARCH_X86_64);
    }

    @Test
    void untracedSyscallsOnlyReadNrAndArchSoTheKernelCanCacheThem() {
        BpfInterpreter filter = new BpfInterpreter(SeccompFilter.compile(SET));
        for (int nr = 0; nr < 1024; nr++) {
            if (!SET.traces(nr)) {
                assertThat(filter.trace(x86_64(nr, -1, -1, -1, -1, -1, -1)).offsetsLoaded())
                        .as("x86_64 %d", nr).containsOnly(SeccompAction.OFFSET_ARCH, SeccompAction.OFFSET_NR);
            }
            assertThat(filter.trace(i386(nr)).offsetsLoaded())
                    .as("i386 %d", nr).containsOnly(SeccompAction.OFFSET_ARCH, SeccompAction.OFFSET_NR);
        }
    }

    @Test
    void emptySetAllowsEverythingOfBothArchitectures() {
        BpfInterpreter filter = new BpfInterpreter(SeccompFilter.compile(SyscallSet.empty()));
        for (int nr = 0; nr < 600; nr++) {
            assertThat(filter.run(x86_64(nr))).isEqualTo(ALLOW);
            assertThat(filter.run(x32(nr))).isEqualTo(ALLOW);
            assertThat(filter.run(i386(nr))).isEqualTo(ALLOW);
        }
        assertThat(filter.run(new SeccompData(0, 0xC000_00B7, 0, new long[6]))).isEqualTo(KILL_PROCESS);
    }

    @Test
    void notifiedSyscallsGoToTheListenerWithoutReadingArguments() {
        int notified = 0x3e00_0001;
        SyscallSet set = SyscallSet.builder()
                .always(SyscallNumbers.CLOCK_GETTIME)
                .when(SyscallNumbers.FUTEX, bitsSet(1, FUTEX_CLOCK_REALTIME))
                .notify(notified)
                .notify(SyscallNumbers.GETPID)
                .exemptInstructionPointer(0x7000_1234_5678L)
                .build();
        BpfInterpreter filter = new BpfInterpreter(SeccompFilter.compile(set));

        assertThat(filter.run(x86_64(notified))).isEqualTo(SeccompAction.USER_NOTIF);
        assertThat(filter.run(x86_64(SyscallNumbers.GETPID).withIp(0x7000_1234_5678L)))
                .as("exempt pointers only exempt traced calls").isEqualTo(SeccompAction.USER_NOTIF);
        assertThat(filter.run(x86_64(SyscallNumbers.CLOCK_GETTIME))).isEqualTo(TRACE);
        assertThat(filter.run(x86_64(SyscallNumbers.GETPPID))).isEqualTo(ALLOW);
        assertThat(filter.run(i386(notified))).as("only the x86_64 table").isEqualTo(ALLOW);
        assertThat(filter.run(x32(SyscallNumbers.GETPID))).isEqualTo(ALLOW);
        assertThat(filter.trace(x86_64(notified)).offsetsLoaded())
                .containsOnly(SeccompAction.OFFSET_ARCH, SeccompAction.OFFSET_NR);
        assertThatThrownBy(() -> SyscallSet.builder().always(SyscallNumbers.GETPID).notify(SyscallNumbers.GETPID).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both traced and notified");
    }

    @Test
    void conditionallyNotifiedSyscallsGoToTheListenerOnlyWhenARuleHolds() {
        SyscallSet set = SyscallSet.builder()
                .always(SyscallNumbers.CLOCK_GETTIME)
                .notifyWhen(SyscallNumbers.TIMERFD_SETTIME, bitsSet(1, 1))
                .notifyWhen(SyscallNumbers.TIMERFD_SETTIME, bitsSet(1, 8))
                .exemptInstructionPointer(0x7000_1234_5678L)
                .build();
        BpfInterpreter filter = new BpfInterpreter(SeccompFilter.compile(set));

        assertThat(filter.run(x86_64(SyscallNumbers.TIMERFD_SETTIME, 0, 1))).isEqualTo(SeccompAction.USER_NOTIF);
        assertThat(filter.run(x86_64(SyscallNumbers.TIMERFD_SETTIME, 0, 3))).isEqualTo(SeccompAction.USER_NOTIF);
        assertThat(filter.run(x86_64(SyscallNumbers.TIMERFD_SETTIME, 0, 8))).as("rules are OR-ed")
                .isEqualTo(SeccompAction.USER_NOTIF);
        assertThat(filter.run(x86_64(SyscallNumbers.TIMERFD_SETTIME, 0, 2))).isEqualTo(ALLOW);
        assertThat(filter.run(x86_64(SyscallNumbers.TIMERFD_SETTIME))).isEqualTo(ALLOW);
        assertThat(filter.run(x86_64(SyscallNumbers.CLOCK_GETTIME))).isEqualTo(TRACE);
        assertThat(SyscallSet.builder().notifyWhen(SyscallNumbers.TIMERFD_SETTIME, bitsSet(1, 1)).build())
                .as("built in any order, the same set")
                .isEqualTo(SyscallSet.builder().addAll(SyscallSet.builder()
                        .notifyWhen(SyscallNumbers.TIMERFD_SETTIME, bitsSet(1, 1)).build()).build());
        assertThatThrownBy(() -> SyscallSet.builder().when(SyscallNumbers.TIMERFD_SETTIME, bitsSet(1, 1))
                .notifyWhen(SyscallNumbers.TIMERFD_SETTIME, bitsSet(1, 2)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both traced and notified");
    }

    @Test
    void exemptInstructionPointerAllowsWhatWouldBeTraced() {
        long injectAt = 0x7000_1234_5678L;
        SyscallSet set = SyscallSet.builder()
                .always(SyscallNumbers.CLOCK_GETTIME)
                .when(SyscallNumbers.FUTEX, bitsSet(1, FUTEX_CLOCK_REALTIME))
                .exemptInstructionPointer(injectAt)
                .exemptInstructionPointer(0xFFFF_FFFF_FF60_0009L) // a second one, high half set
                .refuseI386(SyscallNumbers.I386_TIME)
                .build();
        BpfInterpreter filter = new BpfInterpreter(SeccompFilter.compile(set));
        SeccompData gettime = x86_64(SyscallNumbers.CLOCK_GETTIME);
        SeccompData futexRealtime = x86_64(SyscallNumbers.FUTEX, 0, FUTEX_CLOCK_REALTIME);

        assertThat(filter.run(gettime)).isEqualTo(TRACE);
        assertThat(filter.run(gettime.withIp(injectAt))).isEqualTo(ALLOW);
        assertThat(filter.run(gettime.withIp(0xFFFF_FFFF_FF60_0009L))).isEqualTo(ALLOW);
        assertThat(filter.run(gettime.withIp(injectAt + (1L << 32)))).as("same low word only").isEqualTo(TRACE);
        assertThat(filter.run(gettime.withIp(0x1234_5678L))).as("same low word only").isEqualTo(TRACE);
        assertThat(filter.run(futexRealtime)).isEqualTo(TRACE);
        assertThat(filter.run(futexRealtime.withIp(injectAt))).isEqualTo(ALLOW);
        assertThat(filter.run(x86_64(SyscallNumbers.FUTEX).withIp(injectAt))).isEqualTo(ALLOW);
        assertThat(filter.run(i386(SyscallNumbers.I386_TIME).withIp(injectAt))).isEqualTo(ENOSYS_ACTION);
        // Untraced syscalls still never look at the instruction pointer.
        assertThat(filter.trace(x86_64(SyscallNumbers.GETPID).withIp(injectAt)).offsetsLoaded())
                .containsOnly(SeccompAction.OFFSET_ARCH, SeccompAction.OFFSET_NR);
    }

    @Test
    void threeHundredConditionalRulesOnDistinctSyscalls() {
        SyscallSet.Builder b = SyscallSet.builder();
        for (int i = 0; i < 300; i++) {
            b.when(i, equalTo(i % 6, 1000L + i));
        }
        SyscallSet set = b.build();
        List<BpfInstruction> program = SeccompFilter.compile(set);
        BpfInterpreter filter = new BpfInterpreter(program);

        assertThat(program).as("long jumps went through trampolines")
                .anyMatch(insn -> insn.opcode() == BpfInstruction.JMP_JA);
        for (int i = 0; i < 300; i++) {
            long[] args = new long[6];
            args[i % 6] = 1000L + i;
            assertThat(filter.run(new SeccompData(i, AUDIT_ARCH_X86_64, 0, args))).as("rule %d holds", i)
                    .isEqualTo(TRACE);
            args[i % 6] = 1000L + i + 1;
            assertThat(filter.run(new SeccompData(i, AUDIT_ARCH_X86_64, 0, args))).as("rule %d fails", i)
                    .isEqualTo(ALLOW);
        }
        assertThat(filter.run(x86_64(300, 1300, 1300, 1300, 1300, 1300, 1300))).isEqualTo(ALLOW);
        assertThat(filter.run(i386(SyscallNumbers.I386_TIME))).isEqualTo(ALLOW);
        assertThat(filter.run(new SeccompData(0, 0, 0, new long[6]))).isEqualTo(KILL_PROCESS);
    }

    @Test
    void threeHundredRulesOnOneSyscallAreOred() {
        SyscallSet.Builder b = SyscallSet.builder().refuseI386(SyscallNumbers.I386_TIME);
        for (int i = 0; i < 300; i++) {
            b.when(SyscallNumbers.FUTEX, equalToInt(1, i), bitsSet(0, 1L << (i % 64)));
        }
        List<BpfInstruction> program = SeccompFilter.compile(b.build());
        BpfInterpreter filter = new BpfInterpreter(program);

        for (int i = 0; i < 300; i++) {
            assertThat(filter.run(x86_64(SyscallNumbers.FUTEX, 1L << (i % 64), i))).as("rule %d", i)
                    .isEqualTo(TRACE);
            assertThat(filter.run(x86_64(SyscallNumbers.FUTEX, ~(1L << (i % 64)), i))).as("rule %d, bit clear", i)
                    .isEqualTo(ALLOW);
        }
        assertThat(filter.run(x86_64(SyscallNumbers.FUTEX, -1L, 300))).isEqualTo(ALLOW);
        // Blocks placed after the long rule list are still reached.
        assertThat(filter.run(i386(SyscallNumbers.I386_TIME))).isEqualTo(ENOSYS_ACTION);
        assertThat(filter.run(x32(SyscallNumbers.CLOCK_GETTIME))).isEqualTo(ALLOW);
    }

    @Test
    void manyTracedAndRefusedNumbersStillDispatchCorrectly() {
        SyscallSet.Builder b = SyscallSet.builder();
        for (int nr = 0; nr < 500; nr += 2) {
            b.always(nr);
            b.refuseI386(nr + 1);
            b.refuseX32(nr);
        }
        BpfInterpreter filter = new BpfInterpreter(SeccompFilter.compile(b.build()));
        for (int nr = 0; nr < 520; nr++) {
            boolean even = nr % 2 == 0 && nr < 500;
            boolean odd = nr % 2 == 1 && nr < 500;
            assertThat(filter.run(x86_64(nr))).as("x86_64 %d", nr).isEqualTo(even ? TRACE : ALLOW);
            assertThat(filter.run(i386(nr))).as("i386 %d", nr).isEqualTo(odd ? ENOSYS_ACTION : ALLOW);
            assertThat(filter.run(x32(nr))).as("x32 %d", nr).isEqualTo(even ? ENOSYS_ACTION : ALLOW);
        }
    }

    @Test
    void encodesStructSockFilterLittleEndian() {
        BpfInstruction jeq = BpfInstruction.jump(BpfInstruction.JMP_JEQ_K, AUDIT_ARCH_X86_64, 1, 2);
        BpfInstruction ret = BpfInstruction.stmt(BpfInstruction.RET_K, SeccompAction.TRACE | 0x1234);
        byte[] bytes = SeccompFilter.toBytes(List.of(jeq, ret));
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(
                "15000102" + "3e0000c0" // code 0x0015, jt 1, jf 2, k 0xc000003e
                        + "06000000" + "3412f07f"); // code 0x0006, k 0x7ff01234
    }

    @Test
    void compiledProgramStartsByLoadingTheArch() {
        byte[] bytes = SeccompFilter.toBytes(SeccompFilter.compile(SET));
        assertThat(bytes.length).isEqualTo(SeccompFilter.compile(SET).size() * 8);
        assertThat(HexFormat.of().formatHex(bytes, 0, 8)).isEqualTo("20000000" + "04000000");
    }

    @Test
    void refusesFiltersOverTheKernelLimit() {
        SyscallSet.Builder b = SyscallSet.builder();
        for (int i = 0; i < 200; i++) {
            // Six 64-bit equalities: 6 x (2 loads + 2 jumps) + RET = 25 instructions a rule.
            b.when(SyscallNumbers.FUTEX, equalTo(0, i), equalTo(1, i), equalTo(2, i), equalTo(3, i),
                    equalTo(4, i), equalTo(5, i));
        }
        SyscallSet tooBig = b.build();
        assertThatThrownBy(() -> SeccompFilter.compile(tooBig))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4096");

        List<BpfInstruction> max = Collections.nCopies(4096, BpfInstruction.stmt(BpfInstruction.RET_K, ALLOW));
        assertThat(SeccompFilter.toBytes(max)).hasSize(4096 * 8);
        List<BpfInstruction> over = Collections.nCopies(4097, BpfInstruction.stmt(BpfInstruction.RET_K, ALLOW));
        assertThatThrownBy(() -> SeccompFilter.toBytes(over)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SeccompFilter.toBytes(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closeToTheLimitStillCompiles() {
        SyscallSet.Builder b = SyscallSet.builder();
        for (int i = 0; i < 150; i++) {
            b.when(SyscallNumbers.FUTEX, equalTo(0, i), equalTo(1, i), equalTo(2, i), equalTo(3, i),
                    equalTo(4, i), equalTo(5, i));
        }
        List<BpfInstruction> program = SeccompFilter.compile(b.build());
        assertThat(program.size()).isBetween(3700, 4096);
        BpfInterpreter filter = new BpfInterpreter(program);
        assertThat(filter.run(x86_64(SyscallNumbers.FUTEX, 149, 149, 149, 149, 149, 149))).isEqualTo(TRACE);
        assertThat(filter.run(x86_64(SyscallNumbers.FUTEX, 149, 149, 149, 149, 149, 148))).isEqualTo(ALLOW);
    }

    @Test
    void sameSetGivesSameBytesWhateverTheBuildOrder() {
        List<Runnable> steps = new ArrayList<>();
        SyscallSet.Builder[] builders = {SyscallSet.builder(), SyscallSet.builder()};
        List<SyscallSet> built = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            SyscallSet.Builder b = builders[round];
            steps.clear();
            steps.add(() -> b.always(SyscallNumbers.CLOCK_GETTIME));
            steps.add(() -> b.when(SyscallNumbers.FUTEX, bitsSet(1, 256), maskedEquals(1, 0x7F, 9)));
            steps.add(() -> b.when(SyscallNumbers.FUTEX, maskedEquals(1, 0x7F, 9), bitsSet(1, 256)));
            steps.add(() -> b.when(SyscallNumbers.CLOCK_NANOSLEEP, bitsSet(1, 1)));
            steps.add(() -> b.when(SyscallNumbers.CLOCK_NANOSLEEP, equalToInt(0, 0)));
            steps.add(() -> b.refuseI386(13, 265));
            steps.add(() -> b.refuseI386(403));
            steps.add(() -> b.refuseX32(228));
            steps.add(() -> b.exemptInstructionPointer(0x7000_0000_1000L));
            steps.add(() -> b.exemptInstructionPointer(-4096L));
            Collections.shuffle(steps, new Random(round));
            steps.forEach(Runnable::run);
            built.add(b.build());
        }
        assertThat(built.get(0)).isEqualTo(built.get(1));
        assertThat(SeccompFilter.toBytes(SeccompFilter.compile(built.get(0))))
                .isEqualTo(SeccompFilter.toBytes(SeccompFilter.compile(built.get(1))));
        assertThat(SeccompFilter.compile(SET)).isEqualTo(SeccompFilter.compile(SET));
    }

    @Test
    void disassemblyNamesJumpTargets() {
        String text = SeccompFilter.disassemble(SeccompFilter.compile(SyscallSet.builder().always(228).build()));
        assertThat(text).startsWith("   0: ld [4]\n   1: jeq #0xc000003e +2 +0  -> 4 / 2\n");
        assertThat(text).contains("ret TRACE").contains("ret KILL_PROCESS").contains("ret ALLOW");
    }
}
