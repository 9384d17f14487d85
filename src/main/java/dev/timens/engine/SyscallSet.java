package dev.timens.engine;

import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which syscalls the seccomp filter sends to the supervisor, and which it refuses:
 * the subscription from which {@link SeccompFilter#compile} builds the filter.
 *
 * <p>Three tables, because Linux on x86_64 has three syscall ABIs that share one
 * filter:
 * <ul>
 *   <li>native x86_64 calls ({@code syscall} instruction): traced always
 *       ({@link Builder#always}) or when argument conditions hold
 *       ({@link Builder#when}); everything else runs untouched;</li>
 *   <li>i386 calls ({@code int $0x80}, allowed even in a 64-bit process) and x32
 *       calls: the supervisor does not decode them, so the ones that read or set a
 *       clock are refused with ENOSYS ({@link Builder#refuseI386},
 *       {@link Builder#refuseX32}); they would otherwise reach the real clock.</li>
 * </ul>
 *
 * <p>Instances are immutable and kept in a canonical form (numbers and rules
 * sorted, duplicates and always-true conditions dropped, rules of an always-traced
 * number discarded), so two sets that mean the same thing by construction are
 * {@link #equals equal} and compile to the same bytes, whatever order they were
 * built in.
 */
public final class SyscallSet {

    /** Rules of one syscall compare lexicographically, condition by condition. */
    private static final Comparator<List<ArgCondition>> RULE_ORDER = (a, b) -> {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = ArgCondition.ORDER.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    };

    private static final SyscallSet EMPTY = builder().build();

    private final SortedSet<Integer> always;
    private final SortedMap<Integer, List<List<ArgCondition>>> rules;
    private final SortedSet<Integer> traced;
    private final SortedSet<Integer> refusedI386;
    private final SortedSet<Integer> refusedX32;
    private final SortedSet<Long> exemptInstructionPointers;
    /** Every number some call of which is notified; {@link #notifiedAlways} those whose every call is. */
    private final SortedSet<Integer> notified;
    private final SortedSet<Integer> notifiedAlways;
    private final SortedMap<Integer, List<List<ArgCondition>>> notifyRules;

    private SyscallSet(Builder b) {
        this.always = Collections.unmodifiableSortedSet(new TreeSet<>(b.always));
        TreeMap<Integer, List<List<ArgCondition>>> r = new TreeMap<>();
        b.rules.forEach((nr, set) -> {
            if (!b.always.contains(nr)) {
                r.put(nr, List.copyOf(set));
            }
        });
        this.rules = Collections.unmodifiableSortedMap(r);
        TreeSet<Integer> all = new TreeSet<>(always);
        all.addAll(rules.keySet());
        this.traced = Collections.unmodifiableSortedSet(all);
        this.refusedI386 = Collections.unmodifiableSortedSet(new TreeSet<>(b.refusedI386));
        this.refusedX32 = Collections.unmodifiableSortedSet(new TreeSet<>(b.refusedX32));
        TreeSet<Long> ips = new TreeSet<>(Long::compareUnsigned);
        ips.addAll(b.exemptInstructionPointers);
        this.exemptInstructionPointers = Collections.unmodifiableSortedSet(ips);
        TreeMap<Integer, List<List<ArgCondition>>> nr = new TreeMap<>();
        b.notifyRules.forEach((number, set) -> {
            if (!b.notified.contains(number)) nr.put(number, List.copyOf(set));
        });
        this.notifyRules = Collections.unmodifiableSortedMap(nr);
        TreeSet<Integer> notify = new TreeSet<>(b.notified);
        notify.addAll(notifyRules.keySet());
        this.notifiedAlways = Collections.unmodifiableSortedSet(new TreeSet<>(b.notified));
        this.notified = Collections.unmodifiableSortedSet(new TreeSet<>(notify));
        notify.retainAll(traced);
        if (!notify.isEmpty()) {
            throw new IllegalArgumentException("syscalls both traced and notified: " + notify);
        }
    }

    /** A builder for a new set. */
    public static Builder builder() {
        return new Builder();
    }

    /** The set that traces and refuses nothing: its filter allows every x86_64 and i386 call. */
    public static SyscallSet empty() {
        return EMPTY;
    }

    /** Whether some call of x86_64 syscall {@code nr} can be sent to the supervisor. */
    public boolean traces(int nr) {
        return traced.contains(nr);
    }

    /** Whether every call of x86_64 syscall {@code nr} is sent to the supervisor. */
    public boolean tracesAlways(int nr) {
        return always.contains(nr);
    }

    /**
     * Whether this set traces {@code call}: its number is traced always, or all
     * the conditions of one of its rules hold for the call's arguments (as the
     * filter compiled from this set decides; instruction pointers are not looked
     * at). The engine asks this of a tool's set when a stop could be its own.
     */
    public boolean traces(SyscallCall call) {
        int nr = call.number();
        if (always.contains(nr)) return true;
        for (List<ArgCondition> rule : rules(nr)) {
            if (rule.stream().allMatch(c -> c.test(call.arg(c.index())))) return true;
        }
        return false;
    }

    /** The x86_64 syscall numbers that can be traced, in increasing order. */
    public SortedSet<Integer> tracedNumbers() {
        return traced;
    }

    /**
     * The rules under which x86_64 syscall {@code nr} is traced: it is traced when
     * all the conditions of at least one rule hold. Empty when {@code nr} is traced
     * always, or never. Each rule has at least one condition.
     */
    public List<List<ArgCondition>> rules(int nr) {
        return rules.getOrDefault(nr, List.of());
    }

    /** The i386 syscall numbers answered with ENOSYS, in increasing order. */
    public SortedSet<Integer> refusedI386() {
        return refusedI386;
    }

    /** The x32 syscall numbers (without {@code __X32_SYSCALL_BIT}) answered with ENOSYS. */
    public SortedSet<Integer> refusedX32() {
        return refusedX32;
    }

    /**
     * The x86_64 syscall numbers some call of which goes to the seccomp listener
     * ({@code SECCOMP_RET_USER_NOTIF}) instead of stopping for the tracer, in
     * increasing order. See {@link Builder#notify} and {@link Builder#notifyWhen}.
     */
    public SortedSet<Integer> notifiedNumbers() {
        return notified;
    }

    /** Whether every call of x86_64 syscall {@code nr} goes to the seccomp listener. */
    public boolean notifiesAlways(int nr) {
        return notifiedAlways.contains(nr);
    }

    /**
     * The rules under which x86_64 syscall {@code nr} goes to the seccomp
     * listener, as {@link #rules} are for tracing. Empty when every call of it
     * does, or none.
     */
    public List<List<ArgCondition>> notifyRules(int nr) {
        return notifyRules.getOrDefault(nr, List.of());
    }

    /**
     * Instruction pointers from which x86_64 calls are never traced (in unsigned
     * order). See {@link Builder#exemptInstructionPointer}.
     */
    public SortedSet<Long> exemptInstructionPointers() {
        return exemptInstructionPointers;
    }

    /**
     * The same set with every traced call notified instead (engine v2, which
     * traces nothing permanently): the same conditions, the same refusals;
     * exempt instruction pointers go, they only exempt traced calls.
     */
    public SyscallSet asNotifications() {
        Builder b = builder();
        always.forEach(b::notify);
        rules.forEach((nr, list) -> list.forEach(rule -> b.notifyWhen(nr, rule.toArray(ArgCondition[]::new))));
        notifiedAlways.forEach(b::notify);
        notifyRules.forEach((nr, list) -> list.forEach(rule -> b.notifyWhen(nr, rule.toArray(ArgCondition[]::new))));
        refusedI386.forEach(b::refuseI386);
        refusedX32.forEach(b::refuseX32);
        return b.build();
    }

    /**
     * Everything either set traces, refuses or exempts: a call is traced if either
     * set would trace it. This is how the engine adds what it needs for itself
     * (following execs, for instance) to what a tool subscribes to.
     */
    public SyscallSet union(SyscallSet other) {
        return builder().addAll(this).addAll(other).build();
    }

    /**
     * Whether this set sends the supervisor every call {@code other} does, the
     * same way (traced or notified): a filter built from this set serves a tool
     * that subscribes to {@code other}.
     */
    public boolean covers(SyscallSet other) {
        try {
            return union(other).equals(this);
        } catch (IllegalArgumentException e) {
            return false; // a call one set traces and the other notifies
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SyscallSet s
                && always.equals(s.always)
                && rules.equals(s.rules)
                && refusedI386.equals(s.refusedI386)
                && refusedX32.equals(s.refusedX32)
                && exemptInstructionPointers.equals(s.exemptInstructionPointers)
                && notifiedAlways.equals(s.notifiedAlways)
                && notifyRules.equals(s.notifyRules);
    }

    @Override
    public int hashCode() {
        return Objects.hash(always, rules, refusedI386, refusedX32, exemptInstructionPointers, notifiedAlways,
                notifyRules);
    }

    @Override
    public String toString() {
        return "SyscallSet[always=" + always + ", when=" + rules + ", refusedI386=" + refusedI386
                + ", refusedX32=" + refusedX32 + ", exemptInstructionPointers="
                + exemptInstructionPointers.stream().map(Long::toHexString).toList()
                + (notifiedAlways.isEmpty() ? "" : ", notified=" + notifiedAlways)
                + (notifyRules.isEmpty() ? "" : ", notifiedWhen=" + notifyRules) + "]";
    }

    /** Collects syscalls to trace and refuse; {@link #build()} makes the immutable set. */
    public static final class Builder {
        private final Set<Integer> always = new TreeSet<>();
        private final SortedMap<Integer, SortedSet<List<ArgCondition>>> rules = new TreeMap<>();
        private final Set<Integer> refusedI386 = new TreeSet<>();
        private final Set<Integer> refusedX32 = new TreeSet<>();
        private final Set<Long> exemptInstructionPointers = new TreeSet<>();
        private final Set<Integer> notified = new TreeSet<>();
        private final SortedMap<Integer, SortedSet<List<ArgCondition>>> notifyRules = new TreeMap<>();

        private Builder() {}

        /** Trace every call of x86_64 syscall {@code nr}, whatever its arguments. */
        public Builder always(int nr) {
            always.add(checkNumber(nr, "x86_64"));
            return this;
        }

        /**
         * Trace calls of x86_64 syscall {@code nr} whose arguments satisfy all of
         * {@code allOf}. Several {@code when} for one syscall are OR-ed; an
         * {@link #always} for it makes them moot. With no condition (or only
         * conditions whose mask is 0), this is the same as {@code always(nr)}.
         */
        public Builder when(int nr, ArgCondition... allOf) {
            checkNumber(nr, "x86_64");
            TreeSet<ArgCondition> rule = new TreeSet<>(ArgCondition.ORDER);
            for (ArgCondition c : allOf) {
                if (!Objects.requireNonNull(c, "condition").isAlwaysTrue()) {
                    rule.add(c);
                }
            }
            if (rule.isEmpty()) {
                return always(nr);
            }
            rules.computeIfAbsent(nr, k -> new TreeSet<>(RULE_ORDER)).add(List.copyOf(rule));
            return this;
        }

        /**
         * Answer these i386 syscalls ({@code int $0x80}, numbered as in
         * {@code syscall_32.tbl}) with ENOSYS instead of running them.
         */
        public Builder refuseI386(int... nrs) {
            for (int nr : nrs) {
                refusedI386.add(checkNumber(nr, "i386"));
            }
            return this;
        }

        /**
         * Answer these x32 syscalls with ENOSYS instead of running them. Numbers are
         * given without {@code __X32_SYSCALL_BIT}: 228 refuses x32
         * {@code clock_gettime}, which the program calls as {@code 0x40000000 | 228}.
         */
        public Builder refuseX32(int... nrs) {
            for (int nr : nrs) {
                if (nr >= 0 && (nr & SeccompAction.X32_SYSCALL_BIT) != 0) {
                    throw new IllegalArgumentException(String.format(
                            "give x32 syscall numbers without __X32_SYSCALL_BIT: 0x%x", nr));
                }
                refusedX32.add(checkNumber(nr, "x32"));
            }
            return this;
        }

        /**
         * Sends every call of x86_64 syscall {@code nr} to the seccomp listener
         * ({@code SECCOMP_RET_USER_NOTIF}): the caller waits, without a ptrace
         * stop, until the engine's notification thread answers (see
         * {@link Notifications}). A number cannot be both traced and notified.
         */
        public Builder notify(int nr) {
            notified.add(checkNumber(nr, "x86_64"));
            return this;
        }

        /**
         * Sends the calls of x86_64 syscall {@code nr} whose arguments satisfy all
         * of {@code allOf} to the seccomp listener, as {@link #notify} does, and
         * lets the others run. Several for one syscall are OR-ed, as with
         * {@link #when}; a {@code notify(nr)} makes them moot.
         */
        public Builder notifyWhen(int nr, ArgCondition... allOf) {
            checkNumber(nr, "x86_64");
            TreeSet<ArgCondition> rule = new TreeSet<>(ArgCondition.ORDER);
            for (ArgCondition c : allOf) {
                if (!Objects.requireNonNull(c, "condition").isAlwaysTrue()) rule.add(c);
            }
            if (rule.isEmpty()) return notify(nr);
            notifyRules.computeIfAbsent(nr, k -> new TreeSet<>(RULE_ORDER)).add(List.copyOf(rule));
            return this;
        }

        /**
         * Never trace an x86_64 call made from this instruction pointer: the filter
         * allows it where it would otherwise return {@code TRACE}. This is for
         * syscalls the supervisor injects into a tracee, which must not stop again.
         *
         * <p>The value is compared with {@code seccomp_data.instruction_pointer},
         * which on x86_64 is the address just past the {@code syscall} instruction.
         * Since one filter is inherited by every process and across execs, the
         * address is only useful if it is the same in all of them (a page mapped at
         * a fixed address, as rr does); anything else the address happens to hold in
         * some process escapes tracing.
         *
         * <p>The comparison sits on the traced path only: untraced syscalls still
         * never read the instruction pointer, so the kernel's constant-action cache
         * keeps allowing them without running the filter.
         */
        public Builder exemptInstructionPointer(long instructionPointer) {
            exemptInstructionPointers.add(instructionPointer);
            return this;
        }

        /** Adds everything {@code set} traces, refuses or exempts. */
        public Builder addAll(SyscallSet set) {
            set.always.forEach(this::always);
            set.rules.forEach((nr, list) -> list.forEach(
                    rule -> when(nr, rule.toArray(ArgCondition[]::new))));
            set.refusedI386.forEach(this::refuseI386);
            set.refusedX32.forEach(this::refuseX32);
            exemptInstructionPointers.addAll(set.exemptInstructionPointers);
            set.notifiedAlways.forEach(this::notify);
            set.notifyRules.forEach((nr, list) -> list.forEach(
                    rule -> notifyWhen(nr, rule.toArray(ArgCondition[]::new))));
            return this;
        }

        /** The immutable set. The builder can still be used afterwards. */
        public SyscallSet build() {
            return new SyscallSet(this);
        }

        private static int checkNumber(int nr, String abi) {
            // Real numbers are small; anything from the X32 bit up is either an x32
            // number given to the wrong method or a mistake.
            if (nr < 0 || nr >= SeccompAction.X32_SYSCALL_BIT) {
                throw new IllegalArgumentException(abi + " syscall number out of range: " + nr);
            }
            return nr;
        }
    }
}
