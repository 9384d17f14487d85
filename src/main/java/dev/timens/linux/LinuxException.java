package dev.timens.linux;

/**
 * A system call made by the supervisor itself failed. Distinct from an errno
 * that timens returns to a traced program, which is an ordinary value.
 */
public final class LinuxException extends RuntimeException {
    private final int errno;

    public LinuxException(String call, int errno) {
        super(call + ": " + Errno.describe(errno));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
