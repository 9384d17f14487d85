package dev.timens.engine;

import static dev.timens.engine.SeccompAction.ALLOW;
import static dev.timens.engine.SeccompAction.AUDIT_ARCH_I386;
import static dev.timens.engine.SeccompAction.AUDIT_ARCH_X86_64;
import static dev.timens.engine.SeccompAction.KILL_PROCESS;
import static dev.timens.engine.SeccompAction.TRACE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.Tuple;

/**
 * The compiled filter, run by {@link BpfInterpreter}, against a direct Java reading
 * of what a set of subscriptions means, over random sets and random
 * {@code seccomp_data}.
 */
@Tag("pure")
class SeccompFilterPropertyTest {

    private static final int X32 = SeccompAction.X32_SYSCALL_BIT;
    private static final int REFUSED = SeccompAction.errno(SeccompAction.ENOSYS);

    /** One {@code when(nr, allOf...)} call. */
    record Rule(int nr, List<ArgCondition> allOf) {}

    /**
     * What a builder was told, kept as given: the reference semantics below read
     * this, never the {@link SyscallSet} (whose normalisation is under test too).
     */
    record Model(Set<Integer> always, List<Rule> rules, Set<Integer> i386, Set<Integer> x32, Set<Long> ips) {

        SyscallSet build() {
            return build(new Random(0), false);
        }

        /** Builds the set, optionally issuing the builder calls in a random order. */
        SyscallSet build(Random random, boolean shuffle) {
            SyscallSet.Builder b = SyscallSet.builder();
            List<Runnable> calls = new ArrayList<>();
            always.forEach(nr -> calls.add(() -> b.always(nr)));
            rules.forEach(r -> calls.add(() -> b.when(r.nr(), r.allOf().toArray(ArgCondition[]::new))));
            i386.forEach(nr -> calls.add(() -> b.refuseI386(nr)));
            x32.forEach(nr -> calls.add(() -> b.refuseX32(nr)));
            ips.forEach(ip -> calls.add(() -> b.exemptInstructionPointer(ip)));
            if (shuffle) {
                Collections.shuffle(calls, random);
            }
            calls.forEach(Runnable::run);
            return b.build();
        }

        Model union(Model o) {
            List<Rule> r = new ArrayList<>(rules);
            r.addAll(o.rules);
            return new Model(merged(always, o.always), r, merged(i386, o.i386), merged(x32, o.x32), merged(ips, o.ips));
        }

        boolean traced(int nr, long[] args) {
            return always.contains(nr) || rules.stream().anyMatch(r -> r.nr() == nr
                    && r.allOf().stream().allMatch(c -> (args[c.index()] & c.mask()) == c.value()));
        }

        boolean mayTrace(int nr) {
            return always.contains(nr) || rules.stream().anyMatch(r -> r.nr() == nr);
        }

        /** The action the filter must return, straight from the meaning of each builder call. */
        int expected(SeccompData d) {
            int nr = d.nr();
            if (d.arch() == AUDIT_ARCH_X86_64) {
                if ((nr & X32) != 0) {
                    return x32.contains(nr & ~X32) ? REFUSED : ALLOW;
                }
                return traced(nr, d.args()) && !ips.contains(d.ip()) ? TRACE : ALLOW;
            }
            if (d.arch() == AUDIT_ARCH_I386) {
                return i386.contains(nr) ? REFUSED : ALLOW;
            }
            return KILL_PROCESS;
        }

        List<Integer> interestingNumbers() {
            Set<Integer> s = new TreeSet<>(always);
            rules.forEach(r -> s.add(r.nr()));
            s.addAll(i386);
            s.addAll(x32);
            return List.copyOf(s);
        }

        List<ArgCondition> conditionsOn(int index) {
            return rules.stream().flatMap(r -> r.allOf().stream()).filter(c -> c.index() == index).toList();
        }

        private static <T> Set<T> merged(Set<T> a, Set<T> b) {
            Set<T> s = new HashSet<>(a);
            s.addAll(b);
            return s;
        }
    }

    record Case(Model model, List<SeccompData> inputs) {}

    record UnionCase(Model a, Model b, List<SeccompData> inputs) {}

    @Property(tries = 500)
    void filterAgreesWithTheMeaningOfTheSet(@ForAll("cases") Case c) {
        SyscallSet set = c.model().build();
        List<BpfInstruction> program = SeccompFilter.compile(set);
        BpfInterpreter filter = new BpfInterpreter(program);
        for (SeccompData d : c.inputs()) {
            assertThat(SeccompAction.describe(filter.run(d)))
                    .as("%s for %s\n%s", set, d, SeccompFilter.disassemble(program))
                    .isEqualTo(SeccompAction.describe(c.model().expected(d)));
        }
        for (int nr = 0; nr <= 500; nr++) {
            assertThat(set.traces(nr)).as("traces(%d)", nr).isEqualTo(c.model().mayTrace(nr));
        }
    }

    @Property(tries = 300)
    void unionTracesWhatEitherSetTraces(@ForAll("unionCases") UnionCase c) {
        SyscallSet a = c.a().build();
        SyscallSet b = c.b().build();
        SyscallSet union = a.union(b);
        assertThat(union).isEqualTo(b.union(a));
        BpfInterpreter filter = new BpfInterpreter(SeccompFilter.compile(union));
        Model expected = c.a().union(c.b());
        for (SeccompData d : c.inputs()) {
            assertThat(SeccompAction.describe(filter.run(d))).as("%s", d)
                    .isEqualTo(SeccompAction.describe(expected.expected(d)));
        }
        assertThat(union.tracedNumbers()).containsAll(a.tracedNumbers()).containsAll(b.tracedNumbers());
    }

    @Property(tries = 300)
    void bytesDependOnlyOnTheSetNotOnBuildOrder(@ForAll("models") Model m, @ForAll Random random) {
        SyscallSet inOrder = m.build();
        SyscallSet shuffled = m.build(random, true);
        assertThat(shuffled).isEqualTo(inOrder);
        assertThat(SeccompFilter.toBytes(SeccompFilter.compile(shuffled)))
                .isEqualTo(SeccompFilter.toBytes(SeccompFilter.compile(inOrder)));
    }

    @Provide
    Arbitrary<Model> models() {
        Arbitrary<Integer> nr = Arbitraries.integers().between(0, 500);
        Arbitrary<Rule> rule = Combinators.combine(nr, condition().list().ofMaxSize(3)).as(Rule::new);
        return Combinators.combine(
                        nr.set().ofMaxSize(5),
                        rule.list().ofMaxSize(15),
                        Arbitraries.integers().between(0, 450).set().ofMaxSize(6),
                        Arbitraries.integers().between(0, 600).set().ofMaxSize(6),
                        Arbitraries.longs().set().ofMaxSize(2))
                .as(Model::new);
    }

    @Provide
    Arbitrary<Case> cases() {
        return models().flatMap(m -> input(m).list().ofMinSize(1).ofMaxSize(40).map(in -> new Case(m, in)));
    }

    @Provide
    Arbitrary<UnionCase> unionCases() {
        return Combinators.combine(models(), models()).as((a, b) -> Tuple.of(a, b))
                .flatMap(t -> input(t.get1().union(t.get2())).list().ofMinSize(1).ofMaxSize(40)
                        .map(in -> new UnionCase(t.get1(), t.get2(), in)));
    }

    /** Masks that reach each compilation path: full, one word, one bit, arbitrary, none. */
    private static Arbitrary<ArgCondition> condition() {
        Arbitrary<Long> mask = Arbitraries.oneOf(
                Arbitraries.just(-1L),
                Arbitraries.just(0xFFFF_FFFFL),
                Arbitraries.just(0xFFFF_FFFF_0000_0000L),
                Arbitraries.integers().between(0, 63).map(bit -> 1L << bit),
                Arbitraries.longs().between(0, 0xFF),
                Arbitraries.longs(),
                Arbitraries.just(0L));
        return Combinators.combine(Arbitraries.integers().between(0, 5), mask, Arbitraries.longs())
                .as((index, m, v) -> new ArgCondition(index, m, v & m));
    }

    /** seccomp_data biased towards what the model mentions, so rules both hold and fail. */
    private static Arbitrary<SeccompData> input(Model m) {
        List<Integer> known = m.interestingNumbers();
        Arbitrary<Integer> anyNr = Arbitraries.oneOf(Arbitraries.integers().between(0, 600), Arbitraries.integers());
        Arbitrary<Integer> nr = known.isEmpty() ? anyNr
                : Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.of(known)), Tuple.of(1, anyNr));
        Arbitrary<Integer> arch = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just(AUDIT_ARCH_X86_64)),
                Tuple.of(2, Arbitraries.just(AUDIT_ARCH_I386)),
                Tuple.of(1, Arbitraries.integers()));
        Arbitrary<Boolean> x32 = Arbitraries.frequency(Tuple.of(4, false), Tuple.of(1, true));
        Arbitrary<Long> anyIp = Arbitraries.longs();
        Arbitrary<Long> ip = m.ips().isEmpty() ? anyIp
                : Arbitraries.oneOf(anyIp, Arbitraries.of(m.ips()),
                        // same low word as an exempt pointer, different high word
                        Combinators.combine(Arbitraries.of(m.ips()), Arbitraries.integers().between(1, 255))
                                .as((p, d) -> p + ((long) d << 32)));
        Arbitrary<long[]> args = Combinators.combine(arg(m, 0), arg(m, 1), arg(m, 2), arg(m, 3), arg(m, 4), arg(m, 5))
                .as((a, b, c, d, e, f) -> new long[] {a, b, c, d, e, f});
        return Combinators.combine(nr, arch, x32, ip, args)
                .as((n, a, isX32, p, as) -> new SeccompData(isX32 && a == AUDIT_ARCH_X86_64 ? n | X32 : n, a, p, as));
    }

    private static Arbitrary<Long> arg(Model m, int index) {
        Arbitrary<Long> any = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.longs().between(0, 300),
                Arbitraries.of(0L, -1L));
        List<ArgCondition> conditions = m.conditionsOn(index);
        if (conditions.isEmpty()) {
            return any;
        }
        Arbitrary<Long> satisfying = Combinators.combine(Arbitraries.of(conditions), Arbitraries.longs())
                .as((c, noise) -> c.value() | (noise & ~c.mask()));
        return Arbitraries.frequencyOf(Tuple.of(3, satisfying), Tuple.of(1, any));
    }
}
