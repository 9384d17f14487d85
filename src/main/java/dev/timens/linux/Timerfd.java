package dev.timens.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static dev.timens.linux.Time.NANOS;

/** timerfd_create(2), and timerfd_gettime(2) and timerfd_settime(2) on a timerfd of this process, in nanoseconds. */
public final class Timerfd {
    private Timerfd() {}
    /** struct itimerspec: it_interval, then it_value. */
    static final StructLayout ITIMERSPEC = MemoryLayout.structLayout(
            Time.TIMESPEC.withName("it_interval"), Time.TIMESPEC.withName("it_value"));
    /** sizeof(struct itimerspec). */
    public static final int ITIMERSPEC_SIZE = (int) ITIMERSPEC.byteSize();
    private static final VarHandle INTERVAL_SEC = field("it_interval", "tv_sec");
    private static final VarHandle INTERVAL_NSEC = field("it_interval", "tv_nsec");
    private static final VarHandle VALUE_SEC = field("it_value", "tv_sec");
    private static final VarHandle VALUE_NSEC = field("it_value", "tv_nsec");

    private static VarHandle field(String member, String part) {
        return ITIMERSPEC.varHandle(MemoryLayout.PathElement.groupElement(member),
                MemoryLayout.PathElement.groupElement(part));
    }

    /** A timer's setting: time to its next expiry (0: disarmed) and its period (0: one-shot). */
    public record Setting(long valueNanos, long intervalNanos) {}

    /** timerfd_create(2) in this process: the new descriptor, or {@code -errno}. */
    public static int create(int clock, int flags) {
        return (int) Native.syscall(SyscallNumbers.TIMERFD_CREATE, clock, flags, 0, 0, 0, 0);
    }

    /** The time to the next expiry and the interval, as the kernel reports them (relative); or throws. */
    public static Setting get(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment spec = arena.allocate(ITIMERSPEC);
            long result = Native.syscall(SyscallNumbers.TIMERFD_GETTIME, fd, spec.address(), 0, 0, 0, 0);
            if (result != 0) throw new LinuxException("timerfd_gettime", (int) -result);
            return new Setting(nanos(spec, VALUE_SEC, VALUE_NSEC), nanos(spec, INTERVAL_SEC, INTERVAL_NSEC));
        }
    }

    /**
     * Arms (or with value 0 disarms) the timer; {@code flags} as timerfd_settime's
     * (TFD_TIMER_ABSTIME: value is a reading of the timer's clock). Returns 0 or {@code -errno}.
     */
    public static int set(int fd, int flags, long valueNanos, long intervalNanos) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment spec = arena.allocate(ITIMERSPEC);
            INTERVAL_SEC.set(spec, 0L, intervalNanos / NANOS);
            INTERVAL_NSEC.set(spec, 0L, intervalNanos % NANOS);
            VALUE_SEC.set(spec, 0L, valueNanos / NANOS);
            VALUE_NSEC.set(spec, 0L, valueNanos % NANOS);
            return (int) Native.syscall(SyscallNumbers.TIMERFD_SETTIME, fd, flags, spec.address(), 0, 0, 0);
        }
    }

    /**
     * timerfd_settime with the program's own struct itimerspec, byte for byte
     * ({@link #ITIMERSPEC_SIZE} bytes, invalid values included: the kernel
     * judges them), and its old setting copied to {@code oldValue} (relative,
     * as the kernel reports it). Returns 0 or {@code -errno}.
     */
    public static int setExactly(int fd, int flags, byte[] newValue, byte[] oldValue) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment spec = arena.allocate(ITIMERSPEC);
            MemorySegment old = arena.allocate(ITIMERSPEC);
            MemorySegment.copy(newValue, 0, spec, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, ITIMERSPEC_SIZE);
            int result = (int) Native.syscall(SyscallNumbers.TIMERFD_SETTIME, fd, flags, spec.address(), old.address(),
                    0, 0);
            MemorySegment.copy(old, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, oldValue, 0, ITIMERSPEC_SIZE);
            return result;
        }
    }

    /** TFD_IOC_SET_TICKS, _IOW('T', 0, __u64): sets the count of expirations not yet read. */
    private static final long TFD_IOC_SET_TICKS = 0x4008_5400L;

    /**
     * Sets the expirations a read of the timer will report (a re-arm clears
     * them); returns 0 or {@code -errno} (ENOTTY without CONFIG_CHECKPOINT_RESTORE).
     */
    public static int setTicks(int fd, long ticks) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(Native.LONG);
            count.set(Native.LONG, 0, ticks);
            return (int) Native.syscall(SyscallNumbers.IOCTL, fd, TFD_IOC_SET_TICKS, count.address(), 0, 0, 0);
        }
    }

    private static long nanos(MemorySegment spec, VarHandle sec, VarHandle nsec) {
        long s = (long) sec.get(spec, 0L);
        long n = (long) nsec.get(spec, 0L);
        return s >= Long.MAX_VALUE / NANOS ? Long.MAX_VALUE : s * NANOS + n;
    }
}
