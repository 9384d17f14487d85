package dev.timens.engine;

/**
 * Syscall numbers on x86_64 Linux, for building {@link SyscallSet}s.
 *
 * <p>Native (x86_64) numbers come from the kernel's
 * {@code arch/x86/entry/syscalls/syscall_64.tbl} (ABI "common" or "64"), and the
 * {@code I386_} numbers, used by {@code int $0x80} from any process, from
 * {@code arch/x86/entry/syscalls/syscall_32.tbl}. Numbers never change once a
 * syscall is released (they are ABI), so these are constants. They match
 * {@code <asm/unistd_64.h>} and {@code <asm/unistd_32.h>}; a test checks that
 * when the headers are installed.
 *
 * <p>x32 numbers are the x86_64 ones (or the x32-only 512..547) with
 * {@link SeccompAction#X32_SYSCALL_BIT} set; {@link SyscallSet.Builder#refuseX32}
 * takes them without the bit, so the native constants serve for x32 too where the
 * two tables agree.
 */
public final class SyscallNumbers {

    private SyscallNumbers() {}

    /** x86_64 names by number, from the constants below (without the I386_ and X32_ ones). */
    private static final java.util.Map<Integer, String> NAMES = new java.util.HashMap<>();
    private static final java.util.Map<String, Integer> NUMBERS = new java.util.HashMap<>();

    static {
        for (java.lang.reflect.Field f : SyscallNumbers.class.getFields()) {
            String name = f.getName().toLowerCase(java.util.Locale.ROOT);
            if (name.startsWith("i386_") || name.startsWith("x32_")) continue;
            try {
                NAMES.put(f.getInt(null), name);
                NUMBERS.put(name, f.getInt(null));
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
        }
    }

    /**
     * The name of x86_64 syscall {@code nr} as {@code syscall_64.tbl} spells it
     * ("openat"), or null when there is none by that number.
     */
    public static String name(int nr) {
        return NAMES.get(nr);
    }

    /**
     * The number of the x86_64 syscall called {@code name} in
     * {@code syscall_64.tbl} ("openat" gives 257), or -1 when there is none.
     */
    public static int number(String name) {
        return NUMBERS.getOrDefault(name, -1);
    }

    // x86_64, syscall_64.tbl.
    public static final int READ = 0;
    public static final int WRITE = 1;
    public static final int CLOSE = 3;
    public static final int PWRITE64 = 18;
    public static final int POLL = 7;
    public static final int MMAP = 9;
    public static final int MPROTECT = 10;
    public static final int MUNMAP = 11;
    public static final int RT_SIGACTION = 13;
    public static final int RT_SIGPROCMASK = 14;
    public static final int IOCTL = 16;
    public static final int PREAD64 = 17;
    public static final int READV = 19;
    public static final int WRITEV = 20;
    public static final int SELECT = 23;
    public static final int SCHED_YIELD = 24;
    public static final int PAUSE = 34;
    public static final int MREMAP = 25;
    public static final int NANOSLEEP = 35;
    public static final int GETITIMER = 36;
    public static final int ALARM = 37;
    public static final int SETITIMER = 38;
    public static final int GETPID = 39;
    public static final int RECVMSG = 47;
    public static final int SOCKETPAIR = 53;
    public static final int SETSOCKOPT = 54;
    public static final int GETSOCKOPT = 55;
    public static final int CLONE = 56;
    public static final int FORK = 57;
    public static final int VFORK = 58;
    public static final int EXECVE = 59;
    public static final int EXIT = 60;
    public static final int WAIT4 = 61;
    public static final int KILL = 62;
    public static final int SEMOP = 65;
    public static final int MSGSND = 69;
    public static final int MSGRCV = 70;
    public static final int FCNTL = 72;
    public static final int FLOCK = 73;
    public static final int FTRUNCATE = 77;
    public static final int GETTIMEOFDAY = 96;
    public static final int PTRACE = 101;
    public static final int GETEUID = 107;
    public static final int GETPPID = 110;
    public static final int SYSINFO = 99;
    public static final int RT_SIGTIMEDWAIT = 128;
    public static final int RT_SIGSUSPEND = 130;
    public static final int PRCTL = 157;
    public static final int ADJTIMEX = 159;
    public static final int SETTIMEOFDAY = 164;
    public static final int TIME = 201;
    public static final int FUTEX = 202;
    public static final int IO_GETEVENTS = 208;
    public static final int RESTART_SYSCALL = 219;
    public static final int TIMER_CREATE = 222;
    public static final int SEMTIMEDOP = 220;
    public static final int TIMER_SETTIME = 223;
    public static final int TIMER_GETTIME = 224;
    public static final int TIMER_GETOVERRUN = 225;
    public static final int TIMER_DELETE = 226;
    public static final int CLOCK_SETTIME = 227;
    public static final int CLOCK_GETTIME = 228;
    public static final int CLOCK_GETRES = 229;
    public static final int CLOCK_NANOSLEEP = 230;
    public static final int EXIT_GROUP = 231;
    public static final int EPOLL_WAIT = 232;
    public static final int TGKILL = 234;
    public static final int MQ_TIMEDSEND = 242;
    public static final int MQ_TIMEDRECEIVE = 243;
    public static final int WAITID = 247;
    public static final int OPENAT = 257;
    public static final int PSELECT6 = 270;
    public static final int PPOLL = 271;
    public static final int EPOLL_PWAIT = 281;
    public static final int TIMERFD_CREATE = 283;
    public static final int TIMERFD_SETTIME = 286;
    public static final int TIMERFD_GETTIME = 287;
    public static final int RECVMMSG = 299;
    public static final int CLOCK_ADJTIME = 305;
    public static final int PIPE2 = 293;
    public static final int PROCESS_VM_READV = 310;
    public static final int PROCESS_VM_WRITEV = 311;
    public static final int KCMP = 312;
    public static final int SECCOMP = 317;
    public static final int GETRANDOM = 318;
    public static final int MEMFD_CREATE = 319;
    public static final int EXECVEAT = 322;
    public static final int IO_PGETEVENTS = 333;
    public static final int IO_URING_SETUP = 425;
    public static final int IO_URING_ENTER = 426;
    public static final int PIDFD_OPEN = 434;
    public static final int CLONE3 = 435;
    public static final int PIDFD_GETFD = 438;
    public static final int EPOLL_PWAIT2 = 441;
    public static final int FUTEX_WAITV = 449;

    // i386, syscall_32.tbl. The *_time64 and *64 calls take 64-bit time_t (Linux 5.1).
    public static final int I386_TIME = 13;
    public static final int I386_STIME = 25;
    public static final int I386_ALARM = 27;
    public static final int I386_GETTIMEOFDAY = 78;
    public static final int I386_SETTIMEOFDAY = 79;
    public static final int I386_SELECT = 82;
    public static final int I386_SETITIMER = 104;
    public static final int I386_GETITIMER = 105;
    public static final int I386_SYSINFO = 116;
    /** The SysV IPC multiplexer: semtimedop among its calls. */
    public static final int I386_IPC = 117;
    public static final int I386_CLONE = 120;
    public static final int I386_ADJTIMEX = 124;
    public static final int I386_NEWSELECT = 142;
    public static final int I386_NANOSLEEP = 162;
    public static final int I386_POLL = 168;
    public static final int I386_RT_SIGTIMEDWAIT = 177;
    public static final int I386_FUTEX = 240;
    public static final int I386_IO_GETEVENTS = 247;
    public static final int I386_EPOLL_WAIT = 256;
    public static final int I386_TIMER_CREATE = 259;
    public static final int I386_TIMER_SETTIME = 260;
    public static final int I386_TIMER_GETTIME = 261;
    public static final int I386_CLOCK_SETTIME = 264;
    public static final int I386_CLOCK_GETTIME = 265;
    public static final int I386_CLOCK_GETRES = 266;
    public static final int I386_CLOCK_NANOSLEEP = 267;
    public static final int I386_MQ_TIMEDSEND = 279;
    public static final int I386_MQ_TIMEDRECEIVE = 280;
    public static final int I386_PSELECT6 = 308;
    public static final int I386_PPOLL = 309;
    public static final int I386_EPOLL_PWAIT = 319;
    public static final int I386_TIMERFD_CREATE = 322;
    public static final int I386_TIMERFD_SETTIME = 325;
    public static final int I386_TIMERFD_GETTIME = 326;
    public static final int I386_RECVMMSG = 337;
    public static final int I386_CLOCK_ADJTIME = 343;
    public static final int I386_IO_PGETEVENTS = 385;
    public static final int I386_CLOCK_GETTIME64 = 403;
    public static final int I386_CLOCK_SETTIME64 = 404;
    public static final int I386_CLOCK_ADJTIME64 = 405;
    public static final int I386_CLOCK_GETRES_TIME64 = 406;
    public static final int I386_CLOCK_NANOSLEEP_TIME64 = 407;
    public static final int I386_TIMER_GETTIME64 = 408;
    public static final int I386_TIMER_SETTIME64 = 409;
    public static final int I386_TIMERFD_GETTIME64 = 410;
    public static final int I386_TIMERFD_SETTIME64 = 411;
    public static final int I386_PSELECT6_TIME64 = 413;
    public static final int I386_PPOLL_TIME64 = 414;
    public static final int I386_IO_PGETEVENTS_TIME64 = 416;
    public static final int I386_RECVMMSG_TIME64 = 417;
    public static final int I386_MQ_TIMEDSEND_TIME64 = 418;
    public static final int I386_MQ_TIMEDRECEIVE_TIME64 = 419;
    public static final int I386_SEMTIMEDOP_TIME64 = 420;
    public static final int I386_RT_SIGTIMEDWAIT_TIME64 = 421;
    public static final int I386_FUTEX_TIME64 = 422;
    public static final int I386_IO_URING_SETUP = 425;
    public static final int I386_CLONE3 = 435;
    public static final int I386_EPOLL_PWAIT2 = 441;
    public static final int I386_FUTEX_WAITV = 449;

    // x32-only numbers (syscall_64.tbl, ABI "x32"), without __X32_SYSCALL_BIT:
    // calls whose structures differ between x32 and x86_64.
    public static final int X32_RT_SIGTIMEDWAIT = 523;
    public static final int X32_TIMER_CREATE = 526;
    public static final int X32_RECVMMSG = 537;
}
