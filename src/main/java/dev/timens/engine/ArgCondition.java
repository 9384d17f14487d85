package dev.timens.engine;

import java.util.Comparator;

/**
 * A test on one syscall argument that a seccomp filter can make: true when
 * {@code (args[index] & mask) == value} on the full 64-bit argument.
 *
 * <p>Classic BPF only loads 32 bits at a time, so the filter compiles this to one
 * comparison per 32-bit half, and leaves out a half whose mask is zero.
 * {@code struct seccomp_data} holds whole registers: for an argument the kernel
 * declares as {@code int} (a futex op, a clock id, timer flags), the high half is
 * whatever the caller left in the register and the kernel ignores it, so such
 * conditions must mask it out ({@code maskedEquals(i, 0xFFFF_FFFFL, v)} rather than
 * {@code equalTo(i, v)}), or a caller could slip past the filter.
 *
 * <p>Several conditions in one rule are AND-ed; OR is expressed by giving a
 * syscall several rules (see {@link SyscallSet.Builder#when}).
 *
 * @param index which argument, 0..5
 * @param mask  the bits that are tested
 * @param value the bits expected under {@code mask}; must have no bit outside it
 */
public record ArgCondition(int index, long mask, long value, boolean negated) {

    /** A fixed order (index, then mask, then value, unsigned) so that filters are reproducible. */
    static final Comparator<ArgCondition> ORDER = Comparator.comparingInt(ArgCondition::index)
            .thenComparing(ArgCondition::mask, Long::compareUnsigned)
            .thenComparing(ArgCondition::value, Long::compareUnsigned)
            .thenComparing(ArgCondition::negated);

    /**
     * A condition on {@code args[index]}.
     *
     * @throws IllegalArgumentException if {@code index} is not 0..5, or if
     *         {@code value} has a bit outside {@code mask} (such a condition could
     *         never hold, which is always a caller's mistake)
     */
    public ArgCondition {
        if (index < 0 || index >= SeccompAction.ARG_COUNT) {
            throw new IllegalArgumentException("syscall argument index must be in 0..5: " + index);
        }
        if ((value & ~mask) != 0) {
            throw new IllegalArgumentException(String.format(
                    "value 0x%x has bits outside mask 0x%x: the condition could never hold",
                    value, mask));
        }
        if (negated && (mask >>> 32) != 0 && (int) mask != 0) {
            // NOT(low == a AND high == b) is a disjunction: express it as two rules.
            throw new IllegalArgumentException("a negated condition must test one 32-bit half of the argument");
        }
    }

    /** {@code (args[index] & mask) == value}. */
    public ArgCondition(int index, long mask, long value) {
        this(index, mask, value, false);
    }

    /**
     * {@code args[index] == value}, all 64 bits. For an argument the kernel reads as
     * an {@code int}, use {@link #equalToInt} instead.
     */
    public static ArgCondition equalTo(int index, long value) {
        return new ArgCondition(index, -1L, value);
    }

    /**
     * {@code (int) args[index] == value}: compares the low 32 bits only, as the
     * kernel does for an argument declared {@code int}.
     */
    public static ArgCondition equalToInt(int index, int value) {
        return new ArgCondition(index, 0xFFFF_FFFFL, Integer.toUnsignedLong(value));
    }

    /** Every bit of {@code bits} is set in {@code args[index]}. */
    public static ArgCondition bitsSet(int index, long bits) {
        return new ArgCondition(index, bits, bits);
    }

    /** No bit of {@code bits} is set in {@code args[index]}. */
    public static ArgCondition bitsClear(int index, long bits) {
        return new ArgCondition(index, bits, 0);
    }

    /** {@code (args[index] & mask) == value}. */
    public static ArgCondition maskedEquals(int index, long mask, long value) {
        return new ArgCondition(index, mask, value);
    }

    /**
     * Some bit of {@code bits} is set in {@code args[index]}; {@code bits} must lie
     * within one 32-bit half. A 64-bit pointer is non-null when its low or its high
     * half is: two rules, {@code anyBitSet(i, 0xFFFF_FFFFL)} and
     * {@code anyBitSet(i, 0xFFFF_FFFF_0000_0000L)}.
     */
    public static ArgCondition anyBitSet(int index, long bits) {
        return new ArgCondition(index, bits, 0, true);
    }

    /** Whether this condition holds for an argument value. */
    public boolean test(long argument) {
        return ((argument & mask) == value) != negated;
    }

    /** Whether the condition holds whatever the argument (its mask is zero). */
    public boolean isAlwaysTrue() {
        return mask == 0 && !negated;
    }

    @Override
    public String toString() {
        return String.format("(args[%d] & 0x%x) %s 0x%x", index, mask, negated ? "!=" : "==", value);
    }
}
