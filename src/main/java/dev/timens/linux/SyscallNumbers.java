package dev.timens.linux;

/**
 * Syscall numbers on x86_64 Linux, for building the engine's syscall sets.
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
 * {@code __X32_SYSCALL_BIT} (0x40000000) set; the engine's
 * {@code SyscallSet.Builder.refuseX32} takes them without the bit, so the native
 * constants serve for x32 too where the two tables agree.
 *
 * <p>The constants are the syscalls timens names in its code; {@link #name} and
 * {@link #number} know every x86_64 syscall, for tools that take names from
 * their users.
 */
public final class SyscallNumbers {

    private SyscallNumbers() {}

    /**
     * Every x86_64 syscall by number, as {@code syscall_64.tbl} names it (its
     * "common" and "64" entries, which {@code <asm/unistd_64.h>} defines as
     * {@code __NR_name}): 0 to 334, then 424 on, the numbers shared by every
     * architecture since Linux 5.1 (x86_64 leaves 335..423 unused, and 512..547
     * are x32's alone). Typed from the kernel's table up to 469 (Linux 6.17); a
     * test checks every entry the installed header has.
     */
    private static final String[] NAMES_FROM_0 = {
        /*   0 */ "read", "write", "open", "close", "stat", "fstat", "lstat", "poll",
        /*   8 */ "lseek", "mmap", "mprotect", "munmap", "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
        /*  16 */ "ioctl", "pread64", "pwrite64", "readv", "writev", "access", "pipe", "select",
        /*  24 */ "sched_yield", "mremap", "msync", "mincore", "madvise", "shmget", "shmat", "shmctl",
        /*  32 */ "dup", "dup2", "pause", "nanosleep", "getitimer", "alarm", "setitimer", "getpid",
        /*  40 */ "sendfile", "socket", "connect", "accept", "sendto", "recvfrom", "sendmsg", "recvmsg",
        /*  48 */ "shutdown", "bind", "listen", "getsockname", "getpeername", "socketpair", "setsockopt", "getsockopt",
        /*  56 */ "clone", "fork", "vfork", "execve", "exit", "wait4", "kill", "uname",
        /*  64 */ "semget", "semop", "semctl", "shmdt", "msgget", "msgsnd", "msgrcv", "msgctl",
        /*  72 */ "fcntl", "flock", "fsync", "fdatasync", "truncate", "ftruncate", "getdents", "getcwd",
        /*  80 */ "chdir", "fchdir", "rename", "mkdir", "rmdir", "creat", "link", "unlink",
        /*  88 */ "symlink", "readlink", "chmod", "fchmod", "chown", "fchown", "lchown", "umask",
        /*  96 */ "gettimeofday", "getrlimit", "getrusage", "sysinfo", "times", "ptrace", "getuid", "syslog",
        /* 104 */ "getgid", "setuid", "setgid", "geteuid", "getegid", "setpgid", "getppid", "getpgrp",
        /* 112 */ "setsid", "setreuid", "setregid", "getgroups", "setgroups", "setresuid", "getresuid", "setresgid",
        /* 120 */ "getresgid", "getpgid", "setfsuid", "setfsgid", "getsid", "capget", "capset", "rt_sigpending",
        /* 128 */ "rt_sigtimedwait", "rt_sigqueueinfo", "rt_sigsuspend", "sigaltstack", "utime", "mknod", "uselib", "personality",
        /* 136 */ "ustat", "statfs", "fstatfs", "sysfs", "getpriority", "setpriority", "sched_setparam", "sched_getparam",
        /* 144 */ "sched_setscheduler", "sched_getscheduler", "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval", "mlock", "munlock", "mlockall",
        /* 152 */ "munlockall", "vhangup", "modify_ldt", "pivot_root", "_sysctl", "prctl", "arch_prctl", "adjtimex",
        /* 160 */ "setrlimit", "chroot", "sync", "acct", "settimeofday", "mount", "umount2", "swapon",
        /* 168 */ "swapoff", "reboot", "sethostname", "setdomainname", "iopl", "ioperm", "create_module", "init_module",
        /* 176 */ "delete_module", "get_kernel_syms", "query_module", "quotactl", "nfsservctl", "getpmsg", "putpmsg", "afs_syscall",
        /* 184 */ "tuxcall", "security", "gettid", "readahead", "setxattr", "lsetxattr", "fsetxattr", "getxattr",
        /* 192 */ "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr", "removexattr", "lremovexattr", "fremovexattr",
        /* 200 */ "tkill", "time", "futex", "sched_setaffinity", "sched_getaffinity", "set_thread_area", "io_setup", "io_destroy",
        /* 208 */ "io_getevents", "io_submit", "io_cancel", "get_thread_area", "lookup_dcookie", "epoll_create", "epoll_ctl_old", "epoll_wait_old",
        /* 216 */ "remap_file_pages", "getdents64", "set_tid_address", "restart_syscall", "semtimedop", "fadvise64", "timer_create", "timer_settime",
        /* 224 */ "timer_gettime", "timer_getoverrun", "timer_delete", "clock_settime", "clock_gettime", "clock_getres", "clock_nanosleep", "exit_group",
        /* 232 */ "epoll_wait", "epoll_ctl", "tgkill", "utimes", "vserver", "mbind", "set_mempolicy", "get_mempolicy",
        /* 240 */ "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr", "kexec_load", "waitid",
        /* 248 */ "add_key", "request_key", "keyctl", "ioprio_set", "ioprio_get", "inotify_init", "inotify_add_watch", "inotify_rm_watch",
        /* 256 */ "migrate_pages", "openat", "mkdirat", "mknodat", "fchownat", "futimesat", "newfstatat", "unlinkat",
        /* 264 */ "renameat", "linkat", "symlinkat", "readlinkat", "fchmodat", "faccessat", "pselect6", "ppoll",
        /* 272 */ "unshare", "set_robust_list", "get_robust_list", "splice", "tee", "sync_file_range", "vmsplice", "move_pages",
        /* 280 */ "utimensat", "epoll_pwait", "signalfd", "timerfd_create", "eventfd", "fallocate", "timerfd_settime", "timerfd_gettime",
        /* 288 */ "accept4", "signalfd4", "eventfd2", "epoll_create1", "dup3", "pipe2", "inotify_init1", "preadv",
        /* 296 */ "pwritev", "rt_tgsigqueueinfo", "perf_event_open", "recvmmsg", "fanotify_init", "fanotify_mark", "prlimit64", "name_to_handle_at",
        /* 304 */ "open_by_handle_at", "clock_adjtime", "syncfs", "sendmmsg", "setns", "getcpu", "process_vm_readv", "process_vm_writev",
        /* 312 */ "kcmp", "finit_module", "sched_setattr", "sched_getattr", "renameat2", "seccomp", "getrandom", "memfd_create",
        /* 320 */ "kexec_file_load", "bpf", "execveat", "userfaultfd", "membarrier", "mlock2", "copy_file_range", "preadv2",
        /* 328 */ "pwritev2", "pkey_mprotect", "pkey_alloc", "pkey_free", "statx", "io_pgetevents", "rseq",
    };
    private static final int SHARED_FROM = 424;
    private static final String[] NAMES_FROM_424 = {
        /* 424 */ "pidfd_send_signal", "io_uring_setup", "io_uring_enter", "io_uring_register", "open_tree", "move_mount", "fsopen", "fsconfig",
        /* 432 */ "fsmount", "fspick", "pidfd_open", "clone3", "close_range", "openat2", "pidfd_getfd", "faccessat2",
        /* 440 */ "process_madvise", "epoll_pwait2", "mount_setattr", "quotactl_fd", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "memfd_secret",
        /* 448 */ "process_mrelease", "futex_waitv", "set_mempolicy_home_node", "cachestat", "fchmodat2", "map_shadow_stack", "futex_wake", "futex_wait",
        /* 456 */ "futex_requeue", "statmount", "listmount", "lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules", "mseal", "setxattrat",
        /* 464 */ "getxattrat", "listxattrat", "removexattrat", "open_tree_attr", "file_getattr", "file_setattr",
    };
    private static final java.util.SortedMap<Integer, String> NAMES;
    private static final java.util.Map<String, Integer> NUMBERS;

    static {
        java.util.SortedMap<Integer, String> names = new java.util.TreeMap<>();
        java.util.Map<String, Integer> numbers = new java.util.HashMap<>();
        for (int nr = 0; nr < NAMES_FROM_0.length; nr++) names.put(nr, NAMES_FROM_0[nr]);
        for (int i = 0; i < NAMES_FROM_424.length; i++) names.put(SHARED_FROM + i, NAMES_FROM_424[i]);
        names.forEach((nr, name) -> numbers.put(name, nr));
        NAMES = java.util.Collections.unmodifiableSortedMap(names);
        NUMBERS = java.util.Map.copyOf(numbers);
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

    /** Every x86_64 syscall this table knows, by number. */
    public static java.util.SortedMap<Integer, String> names() {
        return NAMES;
    }

    // x86_64, syscall_64.tbl.
    public static final int READ = 0;
    public static final int WRITE = 1;
    public static final int OPEN = 2;
    public static final int CLOSE = 3;
    public static final int STAT = 4;
    public static final int FSTAT = 5;
    public static final int LSTAT = 6;
    public static final int PWRITE64 = 18;
    public static final int POLL = 7;
    public static final int MMAP = 9;
    public static final int MPROTECT = 10;
    public static final int MUNMAP = 11;
    public static final int MADVISE = 28;
    public static final int RT_SIGACTION = 13;
    public static final int RT_SIGPROCMASK = 14;
    public static final int IOCTL = 16;
    public static final int PREAD64 = 17;
    public static final int READV = 19;
    public static final int WRITEV = 20;
    public static final int UNSHARE = 272;
    public static final int GETPGRP = 111;
    public static final int LSEEK = 8;
    public static final int PWRITEV2 = 328;
    public static final int PWRITEV = 296;
    public static final int SELECT = 23;
    public static final int SCHED_YIELD = 24;
    public static final int PAUSE = 34;
    public static final int MREMAP = 25;
    public static final int NANOSLEEP = 35;
    public static final int GETITIMER = 36;
    public static final int ALARM = 37;
    public static final int SETITIMER = 38;
    public static final int GETPID = 39;
    public static final int SETSID = 112;
    public static final int DUP3 = 292;
    public static final int SOCKET = 41;
    public static final int CONNECT = 42;
    public static final int SENDMSG = 46;
    public static final int RECVMSG = 47;
    public static final int SHUTDOWN = 48;
    public static final int BIND = 49;
    public static final int LISTEN = 50;
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
    public static final int UTIME = 132;
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
    public static final int UTIMES = 235;
    public static final int TGKILL = 234;
    public static final int MQ_TIMEDSEND = 242;
    public static final int MQ_TIMEDRECEIVE = 243;
    public static final int WAITID = 247;
    public static final int OPENAT = 257;
    public static final int FUTIMESAT = 261;
    public static final int NEWFSTATAT = 262;
    public static final int PSELECT6 = 270;
    public static final int PPOLL = 271;
    public static final int UTIMENSAT = 280;
    public static final int EPOLL_PWAIT = 281;
    public static final int TIMERFD_CREATE = 283;
    public static final int TIMERFD_SETTIME = 286;
    public static final int TIMERFD_GETTIME = 287;
    public static final int ACCEPT4 = 288;
    public static final int RECVMMSG = 299;
    public static final int CLOCK_ADJTIME = 305;
    public static final int PIPE2 = 293;
    public static final int PROCESS_VM_READV = 310;
    public static final int PROCESS_VM_WRITEV = 311;
    public static final int KCMP = 312;
    public static final int SETNS = 308;
    public static final int SECCOMP = 317;
    public static final int GETRANDOM = 318;
    public static final int MEMFD_CREATE = 319;
    public static final int EXECVEAT = 322;
    public static final int STATX = 332;
    public static final int IO_PGETEVENTS = 333;
    public static final int IO_URING_SETUP = 425;
    public static final int IO_URING_ENTER = 426;
    public static final int PIDFD_OPEN = 434;
    public static final int OPENAT2 = 437;
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
