package dev.timens.clock;

/**
 * The map from a host clock reading to the namespace's reading of the same clock,
 * in nanoseconds: {@code virtual = baseVirtual + ((real - baseReal) * mult) >> shift}.
 *
 * <p>The multiplication is 64 × 64 → 128 bits and the shift arithmetic, exactly as
 * the clock code inside traced programs does it (src/main/native/vdso/wrapper.c),
 * so that a raw syscall answered here and a vDSO call answered there agree to
 * the nanosecond. {@code mult / 2^shift} is the rate: 1 unless clocks run
 * faster or slower. An inactive transform leaves the host clock untouched.
 *
 * <p>The result saturates to the range of a kernel clock, {@code [0, KTIME_MAX]}
 * ({@link #MAX}, 2^63 - 1 ns: 2262-04-11T23:47:16.854775807Z on REALTIME, 292
 * years of uptime on MONOTONIC and BOOTTIME): the sum is taken in 128 bits and
 * clamped, so a clock that reaches the end of its range stays there, and one
 * that would go below zero (the host's REALTIME stepped back before the
 * namespace's epoch) reads zero. It never wraps, and it never goes backwards
 * unless the host's own clock does. The clock code clamps the same way.
 *
 * @param mult  rate numerator, in [0, 2^63)
 * @param shift rate denominator exponent, in [0, 63]
 */
public record ClockTransform(long baseReal, long baseVirtual, long mult, int shift, boolean active) {
    public static final int SHIFT = 32;
    public static final long UNIT_RATE = 1L << SHIFT;
    /** KTIME_MAX: the last nanosecond a clock of the namespace can read; it stays there. */
    public static final long MAX = Long.MAX_VALUE;

    /** The host clock as it is. */
    public static final ClockTransform IDENTITY = new ClockTransform(0, 0, UNIT_RATE, SHIFT, false);

    public ClockTransform {
        if (mult < 0) throw new IllegalArgumentException("rate multiplier must be non-negative: " + mult);
        if (shift < 0 || shift > 63) throw new IllegalArgumentException("shift must be 0..63: " + shift);
    }

    /** The host clock shifted by {@code offsetNanos}, ticking at the host's rate. */
    public static ClockTransform offset(long offsetNanos) {
        return new ClockTransform(0, offsetNanos, UNIT_RATE, SHIFT, true);
    }

    /** Whether the clock ticks at the host's rate (mult / 2^shift == 1). */
    public boolean isUnitRate() {
        return shift < 63 && mult == 1L << shift;
    }

    /** The namespace's reading for host reading {@code real}, within {@code [0, MAX]}. */
    public long apply(long real) {
        return apply(real, 0);
    }

    /**
     * The namespace's reading for host reading {@code real} of the group's
     * reference clock, plus {@code aside} (the host's distance from it to TAI or
     * MONOTONIC_RAW, which is not scaled), within {@code [0, MAX]}: the sum is
     * exact in 128 bits, then clamped, as in the clock code's apply_scaled.
     */
    public long apply(long real, long aside) {
        if (!active) return real + aside; // the host's own clock, untouched
        long delta = real - baseReal;
        long high = Math.multiplyHigh(delta, mult);
        long low = delta * mult;
        // The 128-bit product shifted right arithmetically: high word and low word.
        long scaledLow = shift == 0 ? low : (high << (64 - shift)) | (low >>> shift);
        long scaledHigh = high >> shift;
        // + baseVirtual, sign-extended to 128 bits.
        long sumLow = scaledLow + baseVirtual;
        long sumHigh = scaledHigh + (baseVirtual >> 63) + (Long.compareUnsigned(sumLow, scaledLow) < 0 ? 1 : 0);
        return clamp(sumLow, sumHigh, aside);
    }

    /** The 128-bit value {@code high:low} plus {@code aside}, clamped to {@code [0, MAX]}. */
    private static long clamp(long low, long high, long aside) {
        long sumLow = low + aside;
        long sumHigh = high + (aside >> 63) + (Long.compareUnsigned(sumLow, low) < 0 ? 1 : 0);
        if (sumHigh < 0) return 0;
        if (sumHigh > 0 || sumLow < 0) return MAX;
        return sumLow;
    }

    /**
     * The host reading at which this clock reads {@code virtual}: how an absolute
     * deadline on the namespace's clock becomes one the kernel can wait for.
     * Saturates at the ends of the long range; a stopped clock (rate 0) reaches
     * a later reading never ({@code Long.MAX_VALUE}).
     */
    public long inverse(long virtual) {
        if (!active) return virtual;
        if (isUnitRate()) {
            long delta = virtual - baseVirtual;
            if (((virtual ^ baseVirtual) & (virtual ^ delta)) < 0) return virtual < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
            return saturatingAdd(baseReal, delta);
        }
        if (mult == 0) return virtual <= baseVirtual ? Long.MIN_VALUE : Long.MAX_VALUE;
        java.math.BigInteger real = java.math.BigInteger.valueOf(virtual).subtract(java.math.BigInteger.valueOf(baseVirtual))
                .shiftLeft(shift).divide(java.math.BigInteger.valueOf(mult)).add(java.math.BigInteger.valueOf(baseReal));
        if (real.bitLength() > 63) return real.signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        return real.longValue();
    }

    /** {@code a + b}, stopping at the ends of the long range rather than wrapping. */
    static long saturatingAdd(long a, long b) {
        long sum = a + b;
        if (((a ^ sum) & (b ^ sum)) < 0) return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        return sum;
    }

    /**
     * How long the host must wait for this clock to advance {@code virtual}
     * nanoseconds (a relative timeout). A stopped clock (rate 0) keeps real
     * durations: its waits take as long as they say. Never rounds a positive
     * duration down to zero, which would turn a wait into a poll.
     */
    public long hostDuration(long virtual) {
        if (!active || isUnitRate() || mult == 0 || virtual <= 0) return virtual;
        java.math.BigInteger host = java.math.BigInteger.valueOf(virtual).shiftLeft(shift)
                .divide(java.math.BigInteger.valueOf(mult));
        if (host.bitLength() > 63) return Long.MAX_VALUE;
        return Math.max(1, host.longValue());
    }

    /**
     * How far this clock advances while the host advances {@code host} nanoseconds
     * (a stopped one: as much). Saturates at {@code Long.MAX_VALUE} (and at
     * {@code Long.MIN_VALUE} for a negative span) rather than wrap.
     */
    public long virtualDuration(long host) {
        if (!active || isUnitRate() || mult == 0) return host;
        long high = Math.multiplyHigh(host, mult);
        long low = host * mult;
        long scaled = shift == 0 ? low : (high << (64 - shift)) | (low >>> shift);
        long scaledHigh = high >> shift;
        if (scaledHigh != scaled >> 63) return scaledHigh < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        return scaled;
    }

    /**
     * Whether {@link #hostDuration} and {@link #virtualDuration} are the same
     * functions under {@code other}: the same rate, or both keeping real
     * durations (rate 1, a stopped clock, the host's own).
     */
    public boolean scalesDurationsAs(ClockTransform other) {
        boolean real = !active || isUnitRate() || mult == 0;
        boolean otherReal = !other.active || other.isUnitRate() || other.mult == 0;
        return real ? otherReal : !otherReal && mult == other.mult && shift == other.shift;
    }

    /**
     * This transform read as a function of {@code outer}'s clock instead of the
     * host's, made one transform of the host's: a nested namespace's clock, whose
     * "host" is its parent namespace's clock. Exact at host reading
     * {@code hostNow} and wherever both run at the host's rate; elsewhere the
     * product of the two rates, rounded to the multiplier's 2^-32.
     *
     * @throws IllegalArgumentException when the two rates multiply past the
     *                                  largest rate a clock can run at
     */
    public ClockTransform after(ClockTransform outer, long hostNow) {
        if (!outer.active) return this; // the outer clock is the host's
        if (!active) return outer;
        long virtualNow = apply(outer.apply(hostNow));
        java.math.BigInteger product = java.math.BigInteger.valueOf(mult).multiply(java.math.BigInteger.valueOf(outer.mult))
                .shiftRight(shift + outer.shift - SHIFT);
        if (product.bitLength() > 63) {
            throw new IllegalArgumentException("the nested clock would run faster than 2^31 times the host's");
        }
        return new ClockTransform(hostNow, virtualNow, product.longValue(), SHIFT, true);
    }

    /**
     * The transform {@code r} with {@code r.after(outer, hostNow)} equal to this
     * one: where this clock stands against {@code outer}'s now, and its rate
     * relative to it ({@code previous}'s relative rate when {@code outer} stands
     * still, and so tells none).
     */
    public ClockTransform relativeTo(ClockTransform outer, long hostNow, ClockTransform previous) {
        long outerNow = outer.apply(hostNow);
        long relative;
        if (!outer.active || outer.isUnitRate()) {
            relative = shift == SHIFT ? mult : java.math.BigInteger.valueOf(mult).shiftLeft(SHIFT).shiftRight(shift).longValue();
        } else if (outer.mult == 0) {
            relative = previous.mult;
        } else {
            java.math.BigInteger r = java.math.BigInteger.valueOf(mult).shiftLeft(outer.shift + SHIFT - shift)
                    .divide(java.math.BigInteger.valueOf(outer.mult));
            relative = r.bitLength() > 63 ? Long.MAX_VALUE : r.longValue();
        }
        return new ClockTransform(outerNow, apply(hostNow), relative, SHIFT, true);
    }

    /** The same rate, re-based so that host reading {@code real} now reads as {@code virtual}. */
    public ClockTransform setTo(long real, long virtual) {
        return new ClockTransform(real, virtual, mult, shift, true);
    }
}
