package dev.timens.linux;

import java.lang.foreign.MemorySegment;

import static dev.timens.linux.Native.INT;
import static dev.timens.linux.Native.LONG;

/**
 * A seccomp listener's side of SECCOMP_RET_USER_NOTIF (linux/seccomp.h, Linux
 * 5.0+; answering with a descriptor, 5.14+): receiving the calls the filter
 * hands over and answering them.
 */
public final class SeccompNotify {
    private SeccompNotify() {}

    /** sizeof(struct seccomp_notif): id, pid, flags, then struct seccomp_data. */
    public static final long NOTIF_SIZE = 80;
    public static final long NOTIF_ID = 0;
    public static final long NOTIF_PID = 8;
    /** Where struct seccomp_data starts in struct seccomp_notif. */
    public static final long NOTIF_DATA = 16;

    // _IOWR('!', 0, struct seccomp_notif), _IOWR('!', 1, struct seccomp_notif_resp),
    // _IOW('!', 3, struct seccomp_notif_addfd); checked against the header by a test.
    static final long IOCTL_NOTIF_RECV = 0xC050_2100L;
    static final long IOCTL_NOTIF_SEND = 0xC018_2101L;
    static final long IOCTL_NOTIF_ADDFD = 0x4018_2103L;
    /** SECCOMP_IOW(4, __u64). */
    static final long IOCTL_NOTIF_SET_FLAGS = 0x4008_2104L;
    private static final long USER_NOTIF_FD_SYNC_WAKE_UP = 1;
    private static final int USER_NOTIF_FLAG_CONTINUE = 1;
    /** SECCOMP_IOW(2, __u64): the kernel also takes the older _IOR spelling. */
    static final long IOCTL_NOTIF_ID_VALID = 0x4008_2102L;
    private static final long RESP_SIZE = 24;
    private static final long ADDFD_SIZE = 24;
    private static final int ADDFD_FLAG_SETFD = 1;
    private static final int ADDFD_FLAG_SEND = 2;
    private static final int EINPROGRESS = 115;
    private static final int POLLIN = 1;
    private static final int POLLHUP = 0x10;

    /**
     * Asks the kernel to wake the listener's reader, and then the caller, on
     * the CPU that wakes them (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, Linux 6.6):
     * a call and its answer then hand the CPU over instead of migrating, which
     * roughly halves a round trip. Returns 0, or {@code -errno} (EINVAL before
     * Linux 6.6, where round trips simply stay as they are).
     */
    public static int wakeUpSynchronously(int listener) {
        return (int) Native.syscall(SyscallNumbers.IOCTL, listener, IOCTL_NOTIF_SET_FLAGS, USER_NOTIF_FD_SYNC_WAKE_UP,
                0, 0, 0);
    }

    /**
     * Whether every process that could make a call to {@code listener} is gone
     * (it polls as hung up and has nothing left to receive). Asked only when
     * {@link #receive} found nothing: that is also how an orphaned listener
     * answers, at once, where a live one waits for the next call.
     */
    /**
     * Waits up to {@code millis} for a call (or the end of every process) on
     * {@code listener}; returns whether something is there to receive or see.
     */
    public static boolean await(int listener, MemorySegment scratch, int millis) {
        scratch.set(INT, 0, listener);
        scratch.set(INT, 4, POLLIN); // events; revents = 0
        long n = Native.syscall(SyscallNumbers.POLL, scratch.address(), 1, millis, 0, 0, 0);
        if (n < 0 && n != -Errno.EINTR) throw new LinuxException("poll", (int) -n);
        return n > 0;
    }

    public static boolean orphaned(int listener, MemorySegment scratch) {
        while (true) {
            scratch.set(INT, 0, listener);
            scratch.set(INT, 4, POLLIN); // events; revents = 0
            long n = Native.syscall(SyscallNumbers.POLL, scratch.address(), 1, 0, 0, 0, 0);
            if (n == -Errno.EINTR) continue;
            if (n < 0) throw new LinuxException("poll", (int) -n);
            short revents = scratch.get(java.lang.foreign.ValueLayout.JAVA_SHORT, 6);
            return (revents & POLLIN) == 0 && (revents & POLLHUP) != 0;
        }
    }

    /**
     * Receives one call into {@code notif} ({@link #NOTIF_SIZE} bytes), waiting
     * for one; returns 0, or {@code -ENOENT} when its caller went away before it
     * could be received, or when nobody is left to call ({@link #orphaned}).
     */
    public static int receive(int listener, MemorySegment notif) {
        notif.fill((byte) 0); // the kernel refuses a buffer that is not zeroed
        long result;
        do {
            result = Native.syscall(SyscallNumbers.IOCTL, listener, IOCTL_NOTIF_RECV, notif.address(), 0, 0, 0);
        } while (result == -Errno.EINTR);
        if (result == -Errno.ENOENT) return (int) result;
        if (result < 0) throw new LinuxException("ioctl(SECCOMP_IOCTL_NOTIF_RECV)", (int) -result);
        return 0;
    }

    /**
     * Installs a duplicate of {@code fd} in the caller of call {@code id} with
     * {@code newFdFlags} (O_CLOEXEC, say) and makes it the call's result. Returns
     * the new descriptor's number there, or {@code -errno}: {@code -ENOENT} when
     * the caller is gone or was interrupted; any other error leaves the call
     * waiting for an answer.
     */
    public static long answerWithDescriptor(int listener, MemorySegment scratch, long id, int fd, int newFdFlags) {
        return answerWithDescriptor(listener, scratch, id, fd, -1, newFdFlags);
    }

    /**
     * As above, but the descriptor gets number {@code newFd} in the caller
     * (ADDFD_FLAG_SETFD, like dup2: whatever was there is closed), unless
     * {@code newFd} is -1.
     */
    public static long answerWithDescriptor(int listener, MemorySegment scratch, long id, int fd, int newFd,
                                            int newFdFlags) {
        MemorySegment addfd = scratch.asSlice(0, ADDFD_SIZE);
        addfd.fill((byte) 0);
        addfd.set(LONG, 0, id);
        addfd.set(INT, 8, ADDFD_FLAG_SEND | (newFd >= 0 ? ADDFD_FLAG_SETFD : 0));
        addfd.set(INT, 12, fd);
        addfd.set(INT, 16, Math.max(newFd, 0));
        addfd.set(INT, 20, newFdFlags);
        long result;
        do {
            result = Native.syscall(SyscallNumbers.IOCTL, listener, IOCTL_NOTIF_ADDFD, addfd.address(), 0, 0, 0);
        } while (result == -Errno.EINTR);
        return result;
    }

    /**
     * Makes call {@code id} fail with {@code errno} without running it. Returns
     * 0, {@code -ENOENT} when the caller is gone, or {@code -EINPROGRESS} when
     * the call was answered already.
     */
    public static int answerWithError(int listener, MemorySegment scratch, long id, int errno) {
        return answer(listener, scratch, id, 0, -errno);
    }

    /**
     * Makes call {@code id} return {@code value} without running it. Returns
     * as {@link #answerWithError} does.
     */
    public static int answerWithValue(int listener, MemorySegment scratch, long id, long value) {
        return answer(listener, scratch, id, value, 0);
    }

    /**
     * Whether call {@code id} still waits for its answer: its caller was not
     * killed or interrupted since it was received, so the pid it came with
     * still names that caller. Check it after reading the caller's memory and
     * before acting on what was read.
     */
    public static boolean isValid(int listener, MemorySegment scratch, long id) {
        scratch.set(LONG, 0, id);
        return Native.syscall(SyscallNumbers.IOCTL, listener, IOCTL_NOTIF_ID_VALID, scratch.address(), 0, 0, 0) == 0;
    }

    /**
     * Lets call {@code id} run in the kernel as made
     * (SECCOMP_USER_NOTIF_FLAG_CONTINUE). Returns as {@link #answerWithError} does.
     */
    public static int answerContinue(int listener, MemorySegment scratch, long id) {
        return answer(listener, scratch, id, 0, 0, USER_NOTIF_FLAG_CONTINUE);
    }

    private static int answer(int listener, MemorySegment scratch, long id, long value, int error) {
        return answer(listener, scratch, id, value, error, 0);
    }

    private static int answer(int listener, MemorySegment scratch, long id, long value, int error, int flags) {
        MemorySegment resp = scratch.asSlice(0, RESP_SIZE);
        resp.fill((byte) 0);
        resp.set(LONG, 0, id);
        resp.set(LONG, 8, value);
        resp.set(INT, 16, error);
        resp.set(INT, 20, flags);
        long result = Native.syscall(SyscallNumbers.IOCTL, listener, IOCTL_NOTIF_SEND, resp.address(), 0, 0, 0);
        if (result == -Errno.ENOENT || result == -EINPROGRESS) return (int) result;
        if (result < 0) throw new LinuxException("ioctl(SECCOMP_IOCTL_NOTIF_SEND)", (int) -result);
        return 0;
    }
}
