package dev.timens.linux;

/**
 * ptrace(2), from sys/ptrace.h. Every request for a tracee must come from the
 * thread that attached it; callers keep that rule (dev.timens.engine runs its
 * whole tracer loop on one platform thread).
 */
public final class Ptrace {
    private Ptrace() {}

    public static final int POKEDATA = 5;
    public static final int CONT = 7;
    public static final int SINGLESTEP = 9;
    public static final int SYSCALL = 24;
    public static final int DETACH = 17;
    public static final int GETREGS = 12;
    public static final int SETREGS = 13;
    public static final int GETEVENTMSG = 0x4201;
    public static final int GETSIGINFO = 0x4202;
    public static final int TRACEME = 0;
    public static final int ATTACH = 16;
    public static final int SEIZE = 0x4206;
    public static final int INTERRUPT = 0x4207;
    public static final int LISTEN = 0x4208;

    public static final int O_TRACESYSGOOD = 0x1;
    public static final int O_TRACEFORK = 0x2;
    public static final int O_TRACEVFORK = 0x4;
    public static final int O_TRACECLONE = 0x8;
    public static final int O_TRACEEXEC = 0x10;
    public static final int O_TRACEEXIT = 0x40;
    public static final int O_TRACESECCOMP = 0x80;
    public static final int O_EXITKILL = 0x100000;

    public static final int EVENT_FORK = 1;
    public static final int EVENT_VFORK = 2;
    public static final int EVENT_CLONE = 3;
    public static final int EVENT_EXEC = 4;
    public static final int EVENT_VFORK_DONE = 5;
    public static final int EVENT_EXIT = 6;
    public static final int EVENT_SECCOMP = 7;
    public static final int EVENT_STOP = 128;

    /**
     * Makes one request. Returns the call's result (never negative for the
     * requests timens uses), or {@code -errno} on failure, so that the caller
     * decides what ESRCH means without an exception on the hot path.
     */
    public static long request(int request, int pid, long addr, long data) {
        return Native.syscall(SyscallNumbers.PTRACE, request, pid, addr, data, 0, 0);
    }
}
