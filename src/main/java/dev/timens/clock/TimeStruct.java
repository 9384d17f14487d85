package dev.timens.clock;

import dev.timens.engine.RemotePtr;
import dev.timens.engine.TraceeFault;
import dev.timens.engine.TraceeMemory;
import dev.timens.linux.Time;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

import static dev.timens.linux.Time.NANOS;

/**
 * The kernel's two time structs as a traced program holds them: struct
 * timespec (seconds, nanoseconds) and struct timeval (seconds, microseconds),
 * alone or as the pairs that struct itimerspec and struct itimerval are (the
 * interval at offset 0, the value at {@link #SIZE}). Their layouts are
 * {@link Time#TIMESPEC} and {@link Time#TIMEVAL}; every read, check and write
 * of one in the supervisor goes through here.
 */
enum TimeStruct {
    TIMESPEC(Time.TIMESPEC, "tv_nsec", 1),
    TIMEVAL(Time.TIMEVAL, "tv_usec", 1_000);

    /** Bytes of one struct (both are two longs on x86-64). */
    static final int SIZE = 16;
    /** Bytes of a pair: struct itimerspec or struct itimerval. */
    static final int PAIR_SIZE = 2 * SIZE;
    /** Where the value of a pair is; its interval is at 0. */
    static final int PAIR_VALUE = SIZE;

    private static final ValueLayout.OfLong FIELD = ValueLayout.JAVA_LONG_UNALIGNED;

    private final long secondsAt;
    private final long fractionAt;
    /** Nanoseconds in one unit of the fraction field. */
    private final long unit;

    TimeStruct(StructLayout layout, String fraction, long unit) {
        if (layout.byteSize() != SIZE) throw new AssertionError(layout + " is not " + SIZE + " bytes");
        this.secondsAt = layout.byteOffset(MemoryLayout.PathElement.groupElement("tv_sec"));
        this.fractionAt = layout.byteOffset(MemoryLayout.PathElement.groupElement(fraction));
        this.unit = unit;
    }

    /**
     * The span or instant of these two fields in nanoseconds, or null where the
     * kernel refuses it (timespec64_valid: a negative part, a fraction of a
     * whole second or more) or where it reaches KTIME_SEC_MAX, past which the
     * kernel clamps it.
     */
    Long nanos(long seconds, long fraction) {
        if (seconds < 0 || fraction < 0 || fraction >= NANOS / unit || seconds >= TimeSyscalls.KTIME_SEC_MAX) {
            return null;
        }
        return seconds * NANOS + fraction * unit;
    }

    /**
     * Whether the kernel takes the struct at {@code offset} (timespec64_valid:
     * seconds not negative, the fraction below a whole second); it clamps one
     * at or past KTIME_SEC_MAX.
     */
    boolean valid(byte[] bytes, int offset) {
        long fraction = fraction(bytes, offset);
        return seconds(bytes, offset) >= 0 && fraction >= 0 && fraction < NANOS / unit;
    }

    /**
     * The timeout of select(2), a struct timeval: the kernel carries whole
     * seconds out of tv_usec itself (kern_select), so that 1,500,000
     * microseconds are a second and a half, not an error.
     */
    static Long selectTimeout(byte[] timeval) {
        long seconds = TIMEVAL.seconds(timeval, 0);
        long micros = TIMEVAL.fraction(timeval, 0);
        if (seconds >= 0 && micros >= 1_000_000) {
            seconds = ClockTransform.saturatingAdd(seconds, micros / 1_000_000);
            micros %= 1_000_000;
        }
        return TIMEVAL.nanos(seconds, micros);
    }

    /** {@link #nanos(long, long)} of the struct at {@code offset} of {@code bytes}. */
    Long nanos(byte[] bytes, int offset) {
        return nanos(seconds(bytes, offset), fraction(bytes, offset));
    }

    /** {@link #nanos(long, long)} of the struct at {@code at} in a traced program. */
    Long read(TraceeMemory memory, RemotePtr at) throws TraceeFault {
        return nanos(memory.read(at, SIZE), 0);
    }

    /** The seconds field of the struct at {@code offset}, as it is. */
    long seconds(byte[] bytes, int offset) {
        return MemorySegment.ofArray(bytes).get(FIELD, offset + secondsAt);
    }

    /** The nanoseconds or microseconds field of the struct at {@code offset}, as it is. */
    long fraction(byte[] bytes, int offset) {
        return MemorySegment.ofArray(bytes).get(FIELD, offset + fractionAt);
    }

    /** Writes {@code nanos} (an instant before 1970 too) as this struct at {@code offset}; a timeval rounds down. */
    void put(byte[] bytes, int offset, long nanos) {
        MemorySegment s = MemorySegment.ofArray(bytes);
        s.set(FIELD, offset + secondsAt, Math.floorDiv(nanos, NANOS));
        s.set(FIELD, offset + fractionAt, Math.floorMod(nanos, NANOS) / unit);
    }

    /** {@code nanos} as a struct of this kind. */
    byte[] encode(long nanos) {
        byte[] bytes = new byte[SIZE];
        put(bytes, 0, nanos);
        return bytes;
    }

    /** A pair (itimerspec, itimerval) of {@code interval} and {@code value}. */
    byte[] encodePair(long interval, long value) {
        byte[] bytes = new byte[PAIR_SIZE];
        put(bytes, 0, interval);
        put(bytes, PAIR_VALUE, value);
        return bytes;
    }

    /** Whether the struct at {@code offset} is all zero (a timer's value that disarms it). */
    boolean isZero(byte[] bytes, int offset) {
        return seconds(bytes, offset) == 0 && fraction(bytes, offset) == 0;
    }
}
