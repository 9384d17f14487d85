package dev.timens.engine;

import static dev.timens.engine.BpfInstruction.ALU_AND_K;
import static dev.timens.engine.BpfInstruction.JMP_JEQ_K;
import static dev.timens.engine.BpfInstruction.JMP_JGE_K;
import static dev.timens.engine.BpfInstruction.JMP_JSET_K;
import static dev.timens.engine.BpfInstruction.LD_W_ABS;
import static dev.timens.engine.BpfInstruction.RET_K;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * Compiles a {@link SyscallSet} into the seccomp-bpf program that decides, for every
 * syscall of every traced process, whether it runs, stops for the supervisor, or is
 * refused.
 *
 * <p>The program, in order:
 * <pre>
 *   A = arch
 *   x86_64?  → X86_64
 *   i386?    → I386
 *   KILL_PROCESS                      an ABI we cannot reason about
 * X86_64:
 *   A = nr
 *   A has __X32_SYSCALL_BIT?  → X32
 *   search the traced numbers         a balanced tree of JGE, then JEQ in small leaves
 *     always traced   → TRACE
 *     traced on args  → that syscall's rules
 *     notified        → USER_NOTIF
 *     notified on args → that syscall's rules, each ending in USER_NOTIF
 *     otherwise       → ALLOW
 *   rules of each syscall:            rule 1 holds? → TRACE; rule 2 holds? → TRACE; ... ALLOW
 * TRACE:
 *   instruction pointer exempt? → ALLOW   (only when the set has exempt pointers)
 *   TRACE
 * X32:
 *   refused x32 number? → ERRNO(ENOSYS), otherwise ALLOW
 * I386:
 *   A = nr
 *   refused i386 number? → ERRNO(ENOSYS), otherwise ALLOW
 * </pre>
 *
 * <p>Why this shape:
 * <ul>
 *   <li>The architecture comes first because a syscall number means nothing
 *       without it: a 64-bit process can still make i386 calls with
 *       {@code int $0x80}, where 13 is {@code time} rather than
 *       {@code rt_sigaction}, and x32 calls use the x86_64 audit arch with
 *       {@code __X32_SYSCALL_BIT} set in the number. Any other arch is killed: a
 *       filter that cannot tell which table applies cannot keep the clock
 *       virtual.</li>
 *   <li>Untraced syscalls only ever read {@code nr} and {@code arch} on their way to
 *       {@code ALLOW}. Since Linux 5.11 the kernel notices that (by emulating the
 *       filter once per syscall number, {@code seccomp_cache_prepare} in
 *       {@code kernel/seccomp.c}) and stops running the filter for them at all:
 *       ordinary syscalls keep their native cost. Argument and instruction-pointer
 *       loads therefore appear only on paths that may end in {@code TRACE}.</li>
 *   <li>Traced syscalls that depend on arguments (a {@code futex} wait, say) are
 *       frequent and run the filter every time, so the search over traced numbers
 *       is a tree (about log2 of their count comparisons) rather than a list.</li>
 *   <li>Conditional jumps reach only 255 instructions ahead; longer ones go through
 *       a {@code BPF_JA} trampoline (see {@link BpfAssembler}), so any number of
 *       rules compiles correctly up to the kernel's 4096-instruction limit.</li>
 *   <li>The output depends only on the set, never on hash order: the same set
 *       always gives the same bytes.</li>
 * </ul>
 */
public final class SeccompFilter {

    /** {@code BPF_MAXINSNS}: the kernel refuses longer programs. */
    public static final int BPF_MAXINSNS = 4096;

    /** {@code sizeof(struct sock_filter)}. */
    public static final int INSTRUCTION_SIZE = 8;

    /** Numbers per leaf of the search tree, compared one by one. */
    private static final int LEAF_SIZE = 4;

    private SeccompFilter() {}

    /**
     * The filter for {@code set}.
     *
     * @throws IllegalArgumentException if it would exceed {@link #BPF_MAXINSNS}
     */
    public static List<BpfInstruction> compile(SyscallSet set) {
        List<BpfInstruction> program = new Compiler(set).compile();
        if (program.size() > BPF_MAXINSNS) {
            throw new IllegalArgumentException("the seccomp filter for this syscall set needs "
                    + program.size() + " instructions, more than the kernel's limit of "
                    + BPF_MAXINSNS + " (BPF_MAXINSNS); trace fewer syscalls or use fewer rules");
        }
        return program;
    }

    /**
     * The program as the kernel reads it: an array of {@code struct sock_filter}
     * (u16 code, u8 jt, u8 jf, u32 k; 8 bytes each) in x86_64 byte order
     * (little-endian), ready to be pointed at by {@code struct sock_fprog}, whose
     * {@code len} is {@code bytes.length / 8}.
     *
     * @throws IllegalArgumentException if the program is empty or longer than
     *         {@link #BPF_MAXINSNS}
     */
    public static byte[] toBytes(List<BpfInstruction> program) {
        if (program.isEmpty() || program.size() > BPF_MAXINSNS) {
            throw new IllegalArgumentException("a seccomp filter has 1 to " + BPF_MAXINSNS
                    + " instructions, not " + program.size());
        }
        ByteBuffer buf = ByteBuffer.allocate(program.size() * INSTRUCTION_SIZE)
                .order(ByteOrder.LITTLE_ENDIAN);
        for (BpfInstruction insn : program) {
            buf.putShort(insn.code()).put(insn.jt()).put(insn.jf()).putInt(insn.k());
        }
        return buf.array();
    }

    /** One instruction per line, numbered, with jump targets as absolute lines. */
    public static String disassemble(List<BpfInstruction> program) {
        StringBuilder sb = new StringBuilder();
        for (int pc = 0; pc < program.size(); pc++) {
            BpfInstruction insn = program.get(pc);
            sb.append(String.format("%4d: %s", pc, insn));
            int op = insn.opcode();
            if (op == BpfInstruction.JMP_JA) {
                sb.append("  -> ").append(pc + 1 + insn.k());
            } else if ((op & 0x07) == BpfInstruction.BPF_JMP) {
                sb.append("  -> ").append(pc + 1 + insn.jumpIfTrue())
                        .append(" / ").append(pc + 1 + insn.jumpIfFalse());
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** One compilation: the assembler and the labels shared between blocks. */
    private static final class Compiler {
        private final SyscallSet set;
        private final BpfAssembler asm = new BpfAssembler();
        private final BpfAssembler.Label refuse = asm.newLabel();
        private final BpfAssembler.Label trace = asm.newLabel();
        private boolean refuseUsed;
        private boolean traceUsed;

        Compiler(SyscallSet set) {
            this.set = set;
        }

        List<BpfInstruction> compile() {
            BpfAssembler.Label x86 = asm.newLabel();
            BpfAssembler.Label i386 = asm.newLabel();
            BpfAssembler.Label x32 = asm.newLabel();

            load(SeccompAction.OFFSET_ARCH);
            asm.jump(JMP_JEQ_K, SeccompAction.AUDIT_ARCH_X86_64, x86, null);
            asm.jump(JMP_JEQ_K, SeccompAction.AUDIT_ARCH_I386, i386, null);
            ret(SeccompAction.KILL_PROCESS);

            asm.bind(x86);
            load(SeccompAction.OFFSET_NR);
            asm.jump(JMP_JSET_K, SeccompAction.X32_SYSCALL_BIT, x32, null);
            x86Dispatch();

            asm.bind(x32);
            // A still holds nr: the only way here is the JSET right after loading it.
            List<Integer> x32Numbers = new ArrayList<>();
            set.refusedX32().forEach(nr -> x32Numbers.add(nr | SeccompAction.X32_SYSCALL_BIT));
            search(x32Numbers, nr -> refuse(), SeccompAction.ALLOW);

            asm.bind(i386);
            load(SeccompAction.OFFSET_NR);
            search(List.copyOf(set.refusedI386()), nr -> refuse(), SeccompAction.ALLOW);

            if (refuseUsed) {
                asm.bind(refuse);
                ret(SeccompAction.errno(SeccompAction.ENOSYS));
            }
            return asm.assemble();
        }

        /** The native table: search, then each conditional syscall's rules, then TRACE. */
        private void x86Dispatch() {
            Map<Integer, BpfAssembler.Label> bodies = new TreeMap<>();
            for (int nr : set.tracedNumbers()) {
                if (!set.tracesAlways(nr)) {
                    bodies.put(nr, asm.newLabel());
                }
            }
            Map<Integer, BpfAssembler.Label> notifyBodies = new TreeMap<>();
            for (int nr : set.notifiedNumbers()) {
                if (!set.notifiesAlways(nr)) notifyBodies.put(nr, asm.newLabel());
            }
            BpfAssembler.Label notify = asm.newLabel();
            java.util.SortedSet<Integer> numbers = new java.util.TreeSet<>(set.tracedNumbers());
            numbers.addAll(set.notifiedNumbers());
            search(List.copyOf(numbers),
                    nr -> notifyBodies.containsKey(nr) ? notifyBodies.get(nr)
                            : set.notifiesAlways(nr) ? notify
                            : bodies.containsKey(nr) ? bodies.get(nr) : traceLabel(),
                    SeccompAction.ALLOW);
            if (!set.notifiedNumbers().isEmpty()) {
                asm.bind(notify);
                ret(SeccompAction.USER_NOTIF);
            }
            bodies.forEach((nr, label) -> {
                asm.bind(label);
                rules(set.rules(nr), this::traced);
            });
            notifyBodies.forEach((nr, label) -> {
                asm.bind(label);
                rules(set.notifyRules(nr), () -> ret(SeccompAction.USER_NOTIF));
            });
            if (traceUsed) {
                asm.bind(trace);
                exemptInstructionPointers();
                ret(SeccompAction.TRACE);
            }
        }

        /**
         * Jumps to {@code target(nr)} when A equals one of {@code numbers} (sorted,
         * all below 2^31 so signed and unsigned order agree), returns
         * {@code otherwise} if none. Every path ends in a jump or a return.
         */
        private void search(List<Integer> numbers, IntFunction<BpfAssembler.Label> target, int otherwise) {
            if (numbers.size() <= LEAF_SIZE) {
                for (int nr : numbers) {
                    asm.jump(JMP_JEQ_K, nr, target.apply(nr), null);
                }
                ret(otherwise);
                return;
            }
            int mid = numbers.size() / 2;
            BpfAssembler.Label upper = asm.newLabel();
            asm.jump(JMP_JGE_K, numbers.get(mid), upper, null);
            search(numbers.subList(0, mid), target, otherwise);
            asm.bind(upper);
            search(numbers.subList(mid, numbers.size()), target, otherwise);
        }

        /** Rules are OR-ed: the first that holds takes {@code onMatch} (TRACE or USER_NOTIF); if none holds, ALLOW. */
        private void rules(List<List<ArgCondition>> rules, Runnable onMatch) {
            for (List<ArgCondition> rule : rules) {
                BpfAssembler.Label nextRule = asm.newLabel();
                for (ArgCondition c : rule) {
                    condition(c, nextRule);
                }
                onMatch.run();
                asm.bind(nextRule);
            }
            ret(SeccompAction.ALLOW);
        }

        /** Falls through when {@code c} holds, jumps to {@code fail} when it does not. */
        private void condition(ArgCondition c, BpfAssembler.Label fail) {
            int offset = SeccompAction.offsetOfArg(c.index());
            if (c.negated()) {
                // Its mask lies in one half (checked by ArgCondition): that half must differ.
                boolean high = (int) c.mask() == 0;
                load(high ? offset + SeccompAction.HIGH_WORD : offset);
                int mask = (int) (high ? c.mask() >>> 32 : c.mask());
                int value = (int) (high ? c.value() >>> 32 : c.value());
                if (value == 0) {
                    asm.jump(JMP_JSET_K, mask, null, fail); // some tested bit set: holds
                } else {
                    if (mask != -1) asm.stmt(ALU_AND_K, mask);
                    asm.jump(JMP_JEQ_K, value, fail, null);
                }
                return;
            }
            word(offset, (int) c.mask(), (int) c.value(), fail);
            word(offset + SeccompAction.HIGH_WORD, (int) (c.mask() >>> 32), (int) (c.value() >>> 32), fail);
        }

        /** One 32-bit half of a condition: {@code (word & mask) == value}. */
        private void word(int offset, int mask, int value, BpfAssembler.Label fail) {
            if (mask == 0) {
                return; // nothing tested in this half: not even loaded
            }
            load(offset);
            if (value == 0) {
                asm.jump(JMP_JSET_K, mask, fail, null); // any tested bit set: fails
            } else if (value == mask && Integer.bitCount(mask) == 1) {
                asm.jump(JMP_JSET_K, mask, null, fail); // the one tested bit must be set
            } else {
                if (mask != -1) {
                    asm.stmt(ALU_AND_K, mask);
                }
                asm.jump(JMP_JEQ_K, value, null, fail);
            }
        }

        /** Allows calls made from an exempt instruction pointer; falls through otherwise. */
        private void exemptInstructionPointers() {
            for (long ip : set.exemptInstructionPointers()) {
                BpfAssembler.Label next = asm.newLabel();
                load(SeccompAction.OFFSET_INSTRUCTION_POINTER);
                asm.jump(JMP_JEQ_K, (int) ip, null, next);
                load(SeccompAction.OFFSET_INSTRUCTION_POINTER + SeccompAction.HIGH_WORD);
                asm.jump(JMP_JEQ_K, (int) (ip >>> 32), null, next);
                ret(SeccompAction.ALLOW);
                asm.bind(next);
            }
        }

        /** The end of a rule that holds: TRACE, through the exemption check if there is one. */
        private void traced() {
            if (set.exemptInstructionPointers().isEmpty()) {
                ret(SeccompAction.TRACE);
            } else {
                asm.jumpAlways(traceLabel());
            }
        }

        private BpfAssembler.Label traceLabel() {
            traceUsed = true;
            return trace;
        }

        private BpfAssembler.Label refuse() {
            refuseUsed = true;
            return refuse;
        }

        private void load(int offset) {
            asm.stmt(LD_W_ABS, offset);
        }

        private void ret(int action) {
            asm.stmt(RET_K, action);
        }
    }
}
