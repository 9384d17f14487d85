package dev.timens.clock;

import dev.timens.engine.RemotePtr;
import dev.timens.engine.SyscallOutcome;
import dev.timens.engine.SyscallSet;
import dev.timens.engine.SyscallStop;
import dev.timens.engine.TraceeFault;
import dev.timens.linux.SyscallNumbers;
import dev.timens.linux.Time;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.timens.linux.Time.NANOS;

/**
 * {@code --file-times}: file timestamps on the namespace's CLOCK_REALTIME. The
 * times the stat calls report are shifted by the distance between the
 * namespace's CLOCK_REALTIME and the host's at the moment of the call, and
 * explicit times given to the utime calls are shifted back by it. Files keep
 * their host times on disk, so the view from outside is unchanged.
 *
 * <p>Shifting by the distance of the moment, rather than mapping each time
 * through the clock's transform, keeps files in their order in every mode (a
 * frozen clock would map every file to one instant), and a file written inside
 * never reads as later than the namespace's now: under {@code --rate} or
 * {@code --freeze} the times of older files move with the distance. Each call
 * costs a stop (two for the stat calls, whose answer is rewritten at the exit).
 */
final class FileTimes {
    /** utimensat's tv_nsec values that name no time: the kernel's now, and "leave it". */
    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;
    /** struct stat (x86_64): st_atim, st_mtim and st_ctim, three timespecs from offset 72. */
    private static final int STAT_TIMES = 72;
    private static final int STAT_TIMES_SIZE = 48;
    /** struct statx: stx_mask at 0; from 0x40, stx_atime, stx_btime, stx_ctime, stx_mtime ({s64 sec; u32 nsec; s32 pad}). */
    private static final int STATX_TIMES = 0x40;
    private static final int[] STATX_TIME_BITS = {0x20 /* ATIME */, 0x800 /* BTIME */, 0x80 /* CTIME */, 0x40 /* MTIME */};

    private static final int[] CALLS = {SyscallNumbers.STAT, SyscallNumbers.FSTAT, SyscallNumbers.LSTAT,
            SyscallNumbers.NEWFSTATAT, SyscallNumbers.STATX, SyscallNumbers.UTIMENSAT, SyscallNumbers.FUTIMESAT,
            SyscallNumbers.UTIMES, SyscallNumbers.UTIME};

    private final ClockPage page;

    FileTimes(ClockPage page) {
        this.page = page;
    }

    static SyscallSet syscalls() {
        SyscallSet.Builder b = SyscallSet.builder();
        for (int nr : CALLS) b.always(nr);
        return b.build();
    }

    static boolean handles(int nr) {
        for (int call : CALLS) {
            if (call == nr) return true;
        }
        return false;
    }

    SyscallOutcome handle(SyscallStop stop) throws TraceeFault {
        return switch (stop.number()) {
            case SyscallNumbers.STAT, SyscallNumbers.FSTAT, SyscallNumbers.LSTAT -> statAtExit(stop, 1);
            case SyscallNumbers.NEWFSTATAT -> statAtExit(stop, 2);
            case SyscallNumbers.STATX -> statxAtExit(stop);
            case SyscallNumbers.UTIMENSAT -> timesIn(stop, 2, true);
            case SyscallNumbers.FUTIMESAT -> timesIn(stop, 2, false);
            case SyscallNumbers.UTIMES -> timesIn(stop, 1, false);
            case SyscallNumbers.UTIME -> utimbufIn(stop);
            default -> SyscallOutcome.proceed();
        };
    }

    /** The namespace's CLOCK_REALTIME minus the host's, now, in nanoseconds. */
    long shift() {
        long host = Time.clockGettimeNanos(Time.CLOCK_REALTIME);
        return page.transform(ClockGroup.REALTIME).apply(host) - host;
    }

    /** stat, fstat, lstat, newfstatat: the struct stat at argument {@code arg} is shifted once the call filled it. */
    private SyscallOutcome statAtExit(SyscallStop stop, int arg) {
        RemotePtr times = new RemotePtr(stop.arg(arg) + STAT_TIMES);
        stop.atExit(exit -> {
            if (exit.result() != 0) return;
            ByteBuffer b = wrap(exit.memory().read(times, STAT_TIMES_SIZE));
            long shift = shift();
            for (int at = 0; at < STAT_TIMES_SIZE; at += 16) shiftTimespec(b, at, shift);
            exit.memory().write(times, b.array());
        });
        return SyscallOutcome.proceed();
    }

    /** statx: each timestamp the kernel says it filled (stx_mask) is shifted. */
    private SyscallOutcome statxAtExit(SyscallStop stop) {
        RemotePtr buffer = stop.pointerArg(4);
        stop.atExit(exit -> {
            if (exit.result() != 0) return;
            int mask = wrap(exit.memory().read(buffer, 4)).getInt(0);
            RemotePtr times = new RemotePtr(buffer.address() + STATX_TIMES);
            ByteBuffer b = wrap(exit.memory().read(times, 16 * STATX_TIME_BITS.length));
            long shift = shift();
            for (int i = 0; i < STATX_TIME_BITS.length; i++) {
                if ((mask & STATX_TIME_BITS[i]) != 0) shiftStatxTimestamp(b, 16 * i, shift);
            }
            exit.memory().write(times, b.array());
        });
        return SyscallOutcome.proceed();
    }

    /**
     * utimensat (two timespecs), utimes and futimesat (two timevals) at argument
     * {@code arg}: a copy shifted back to host time goes in, and the program's
     * pointer is put back at the exit. No times (NULL), UTIME_NOW and UTIME_OMIT
     * stay as they are; invalid ones go to the kernel untouched, for its EINVAL.
     */
    private SyscallOutcome timesIn(SyscallStop stop, int arg, boolean timespec) throws TraceeFault {
        RemotePtr user = stop.pointerArg(arg);
        if (user.isNull()) return SyscallOutcome.proceed();
        ByteBuffer b;
        try {
            b = wrap(stop.memory().read(user, 32));
        } catch (TraceeFault e) {
            return SyscallOutcome.proceed(); // the kernel answers EFAULT itself
        }
        long unit = timespec ? 1 : 1000;
        long limit = NANOS / unit;
        for (int at = 0; at < 32; at += 16) {
            long fraction = b.getLong(at + 8);
            if (timespec && (fraction == UTIME_NOW || fraction == UTIME_OMIT)) continue;
            if (fraction < 0 || fraction >= limit) return SyscallOutcome.proceed();
        }
        long back = -shift();
        for (int at = 0; at < 32; at += 16) {
            long fraction = b.getLong(at + 8);
            if (timespec && (fraction == UTIME_NOW || fraction == UTIME_OMIT)) continue;
            long[] t = shifted(b.getLong(at), fraction * unit, back);
            b.putLong(at, t[0]).putLong(at + 8, t[1] / unit);
        }
        RemotePtr copy = stop.pushScratch(b.array());
        stop.setArg(arg, copy.address());
        stop.atExit(exit -> exit.setArg(arg, user.address())); // a restarted call must see the program's own pointer
        return SyscallOutcome.proceed();
    }

    /** utime: struct utimbuf {actime, modtime}, in seconds, shifted back as above. */
    private SyscallOutcome utimbufIn(SyscallStop stop) throws TraceeFault {
        RemotePtr user = stop.pointerArg(1);
        if (user.isNull()) return SyscallOutcome.proceed();
        ByteBuffer b;
        try {
            b = wrap(stop.memory().read(user, 16));
        } catch (TraceeFault e) {
            return SyscallOutcome.proceed();
        }
        long back = -shift();
        for (int at = 0; at < 16; at += 8) b.putLong(at, shifted(b.getLong(at), 0, back)[0]);
        RemotePtr copy = stop.pushScratch(b.array());
        stop.setArg(1, copy.address());
        stop.atExit(exit -> exit.setArg(1, user.address()));
        return SyscallOutcome.proceed();
    }

    /** The timespec at {@code at} of {@code b}, shifted. */
    private static void shiftTimespec(ByteBuffer b, int at, long shift) {
        long[] t = shifted(b.getLong(at), b.getLong(at + 8), shift);
        b.putLong(at, t[0]).putLong(at + 8, t[1]);
    }

    /** A struct statx_timestamp at {@code at}: s64 seconds, u32 nanoseconds, 4 bytes of padding left alone. */
    private static void shiftStatxTimestamp(ByteBuffer b, int at, long shift) {
        long[] t = shifted(b.getLong(at), Integer.toUnsignedLong(b.getInt(at + 8)), shift);
        b.putLong(at, t[0]).putInt(at + 8, (int) t[1]);
    }

    /**
     * {@code seconds} and {@code nanos} (below a second) plus {@code shift}
     * nanoseconds, as seconds and nanoseconds below a second; the seconds
     * saturate at the ends of their range rather than wrap.
     */
    static long[] shifted(long seconds, long nanos, long shift) {
        long s = ClockTransform.saturatingAdd(seconds, Math.floorDiv(shift, NANOS));
        long n = nanos + Math.floorMod(shift, NANOS);
        if (n >= NANOS) {
            s = ClockTransform.saturatingAdd(s, 1);
            n -= NANOS;
        }
        return new long[] {s, n};
    }

    private static ByteBuffer wrap(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
