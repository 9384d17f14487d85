package dev.timens.linux;

/** prctl(2) options timens uses, from linux/prctl.h. */
public final class Prctl {
    private Prctl() {}

    private static final int PR_GET_DUMPABLE = 3;
    private static final int PR_SET_DUMPABLE = 4;
    private static final int PR_SET_CHILD_SUBREAPER = 36;

    /**
     * Makes this process non-dumpable: no core dump, and its /proc files,
     * memory and ptrace are closed to every process without CAP_SYS_PTRACE,
     * including those of its own user.
     */
    public static void makeNonDumpable() {
        long result = Native.syscall(SyscallNumbers.PRCTL, PR_SET_DUMPABLE, 0, 0, 0, 0, 0);
        if (result != 0) throw new LinuxException("prctl(PR_SET_DUMPABLE)", (int) -result);
    }

    /**
     * Makes this process the reaper of its orphaned descendants: they stay its
     * descendants (which Yama's ptrace_scope 1 requires of a process it
     * attaches to), and their ends are reported to it.
     */
    public static void becomeChildSubreaper() {
        long result = Native.syscall(SyscallNumbers.PRCTL, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0, 0);
        if (result != 0) throw new LinuxException("prctl(PR_SET_CHILD_SUBREAPER)", (int) -result);
    }

    private static final int PR_SET_PTRACER = 0x59616d61;
    private static final long PR_SET_PTRACER_ANY = -1;

    /**
     * Lets any process of this user trace this one where Yama's ptrace_scope is
     * 1 (only ancestors otherwise): a supervisor this process starts, which is
     * its child, attaches to it (timens-junit). Without Yama it changes nothing.
     */
    public static void allowAnyTracer() {
        long result = Native.syscall(SyscallNumbers.PRCTL, PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0, 0);
        if (result != 0 && result != -Errno.EINVAL) throw new LinuxException("prctl(PR_SET_PTRACER)", (int) -result);
    }

    public static boolean isDumpable() {
        return Native.syscall(SyscallNumbers.PRCTL, PR_GET_DUMPABLE, 0, 0, 0, 0, 0) == 1;
    }
}
