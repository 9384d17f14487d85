package dev.timens.linux;

/**
 * Descriptors of other processes: pidfd_open(2), pidfd_getfd(2) (a duplicate of
 * another process's descriptor, referring to the same open file) and kcmp(2)
 * (whether two descriptors are the same open file). The caller must be allowed
 * to ptrace the other process; the supervisor traces it.
 */
public final class Descriptors {
    private Descriptors() {}

    private static final int KCMP_FILE = 0;

    /** A pidfd for process {@code pid}, close-on-exec; or {@code -errno}. */
    public static int pidfdOpen(int pid) {
        return (int) Native.syscall(SyscallNumbers.PIDFD_OPEN, pid, 0, 0, 0, 0, 0);
    }

    /** A close-on-exec duplicate, in this process, of descriptor {@code fd} of the pidfd's process; or {@code -errno}. */
    public static int pidfdGetfd(int pidfd, int fd) {
        return (int) Native.syscall(SyscallNumbers.PIDFD_GETFD, pidfd, fd, 0, 0, 0, 0);
    }

    /**
     * Whether descriptor {@code fd1} of process {@code pid1} and {@code fd2} of
     * {@code pid2} are the same open file; false when either is gone.
     */
    public static boolean sameFile(int pid1, int fd1, int pid2, int fd2) {
        return Native.syscall(SyscallNumbers.KCMP, pid1, pid2, KCMP_FILE, fd1, fd2, 0) == 0;
    }
}
