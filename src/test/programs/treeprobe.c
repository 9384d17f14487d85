/*
 * treeprobe: checks that every way of starting a process or thread stays inside
 * the time namespace (timens must follow each of them with ptrace and give each
 * new program image its vDSO).
 *
 *   treeprobe MODE PROGRAM [ARGS...]
 *
 * starts PROGRAM (a path: execv, no PATH search) through MODE, lets its stdout
 * through, waits for it and prints
 *   TREE mode=MODE status=<exit status of PROGRAM, or 128+N if killed by signal N>
 * and exits with that status (0 on success). MODEs:
 *   fork         fork(), child execv()s PROGRAM
 *   vfork        vfork(), child execv()s PROGRAM
 *   posix_spawn  posix_spawn() (glibc: clone(CLONE_VM|CLONE_VFORK) internally)
 *   clone        clone(2) with SIGCHLD and no CLONE_VM, child execv()s PROGRAM
 *   clone-vm     clone(2) with CLONE_VM|CLONE_VFORK|SIGCHLD, child execv()s PROGRAM
 *   thread       no exec: a new pthread reads the clocks itself and prints a
 *                PROBE line (like clockprobe's, with ctx=thread); PROGRAM is ignored
 *   exec-thread  a non-main pthread execv()s PROGRAM: the kernel kills the other
 *                threads and the exec'ing thread takes over the process (see
 *                execve(2), "All threads other than the calling thread are
 *                destroyed"), so PROGRAM's output is the last thing printed and
 *                NO TREE line follows; the exit status is PROGRAM's
 *   nested       fork(); the child forks again and the grandchild execv()s PROGRAM;
 *                the child exits with the grandchild's status
 *   seccomp      fork(); the child installs a seccomp filter of its own (getppid
 *                fails with EPERM, everything else is allowed), prints
 *                FILTER getppid=<errno name or the pid> and execv()s PROGRAM,
 *                which runs under both filters (timens's, if any, and this one)
 *   landlock     fork(); the child restricts itself with Landlock so that it may
 *                open files for writing only beneath /dev, prints
 *                LANDLOCK proc_self_mem=<errno name, "open", or "unsupported"> (can
 *                it open /proc/self/mem for writing, which timens's exec code
 *                uses to put the entry point back) and execv()s PROGRAM
 *   deny-rdwr    fork(); the child installs a seccomp filter of its own under
 *                which openat() with exactly O_RDWR|O_CLOEXEC fails with EACCES
 *                (everything else is allowed), prints FILTER
 *                proc_self_mem=<errno name or "open"> and execv()s PROGRAM
 *   vfork-threads  8 threads, released together, each vfork()s and execv()s
 *                PROGRAM at once; the status is the first non-zero one, else 0
 *   clone3       clone3(2) (exit signal SIGCHLD, no flags), child execv()s
 *                PROGRAM; prints SPAWN call=clone3 result=0 (or error-ENAME) and, on
 *                ENOSYS, falls back to fork() as glibc does
 *   stopped-exit two children stop themselves (SIGSTOP) and die while stopped:
 *                the first by SIGKILL, the second by a SIGTERM sent while it is
 *                stopped and delivered at SIGCONT; prints
 *                STOPPED first=<waitpid statuses> second=<...>; PROGRAM ignored
 *   pid-reuse    a child execv()s PROGRAM and is reaped; then, through
 *                /proc/sys/kernel/ns_last_pid (needs CAP_SYS_ADMIN over the PID
 *                namespace, e.g. under unshare --pid), the next child gets the
 *                same pid, prints its own PROBE line (ctx=reused) and execv()s
 *                PROGRAM; prints REUSE same_pid=1|0 (or error-ENAME)
 *   signals      signals between processes: the parent queues SIGRTMIN+1 three
 *                times with values 1, 2, 3 (sigqueue) and sends SIGUSR1 (kill)
 *                to a child that blocks them and takes them with sigwaitinfo;
 *                the child prints SIGNALS rt_values=1,2,3 rt_code=SI_QUEUE
 *                rt_from_parent=1 usr1_code=SI_USER; then the parent stops and
 *                continues it (SIGSTOP, SIGCONT) and prints
 *                SIGSTATES child=stopped-19,continued,killed-15 (SIGTERM after
 *                the SIGCONT); PROGRAM ignored
 *   daemon       a daemon the classic way: fork(), the child setsid()s and forks
 *                again, the grandchild sleeps 1 s and execv()s PROGRAM, the
 *                child exits at once; treeprobe reaps the child and is done
 *                while the daemon still runs
 *   core         a child with RLIMIT_CORE raised to its hard limit calls
 *                abort(); prints CORE signal=6 dumped=0|1 (WCOREDUMP, which
 *                depends on the machine's core_pattern); PROGRAM ignored
 */
#include "probe.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

extern char **environ;

static char **prog_argv;

static int decode_status(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return 255;
}

/* waitpid, retried when a signal interrupts it: 0, or -1 with errno set. */
static int wait_status(pid_t pid, int options, int *st)
{
    while (waitpid(pid, st, options) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return 0;
}

static int wait_for(pid_t pid)
{
    int st;
    if (wait_status(pid, 0, &st) != 0) {
        fprintf(stderr, "treeprobe: waitpid: %s\n", strerror(errno));
        return 255;
    }
    return decode_status(st);
}

/* Appends a wait status to the list in out: ",stopped-19", ",continued", ",killed-9", ",exited-0". */
static void append_status(char *out, size_t size, size_t *used, int st)
{
    const char *sep = *used ? "," : "";
    if (WIFSTOPPED(st))
        *used += snprintf(out + *used, size - *used, "%sstopped-%d", sep, WSTOPSIG(st));
    else if (WIFCONTINUED(st))
        *used += snprintf(out + *used, size - *used, "%scontinued", sep);
    else if (WIFSIGNALED(st))
        *used += snprintf(out + *used, size - *used, "%skilled-%d", sep, WTERMSIG(st));
    else
        *used += snprintf(out + *used, size - *used, "%sexited-%d", sep, WEXITSTATUS(st));
}

static void exec_program(void)
{
    execv(prog_argv[0], prog_argv);
    fprintf(stderr, "treeprobe: execv %s: %s\n", prog_argv[0], strerror(errno));
    _exit(127);
}

/* Installs a seccomp filter of the program's own (after NO_NEW_PRIVS, as an unprivileged program must). */
static void install_filter(struct sock_filter *code, unsigned short len)
{
    struct sock_fprog prog = { .len = len, .filter = code };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        fprintf(stderr, "treeprobe: seccomp: %s\n", strerror(errno));
        _exit(126);
    }
}

/* A filter of the program's own: getppid fails with EPERM; any other call, or another arch, is allowed. */
static void install_own_filter(void)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xC000003E /* AUDIT_ARCH_X86_64 */, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    install_filter(code, sizeof code / sizeof code[0]);
    long ppid = syscall(SYS_getppid);
    if (ppid < 0)
        printf("FILTER getppid=%s\n", errno_name(errno));
    else
        printf("FILTER getppid=%ld\n", ppid);
    fflush(stdout);
}

static int child_fn(void *arg)
{
    (void)arg;
    exec_program();
    return 127;
}

static int run_clone(int flags)
{
    size_t size = 256 * 1024;
    char *stack = malloc(size);
    if (!stack) {
        perror("treeprobe: malloc");
        return 255;
    }
    /* x86-64 stacks grow down: pass the top. */
    pid_t pid = clone(child_fn, stack + size, flags, NULL);
    if (pid < 0) {
        perror("treeprobe: clone");
        return 255;
    }
    int status = wait_for(pid);
    free(stack);
    return status;
}

static void *thread_probe(void *arg)
{
    (void)arg;
    print_probe_line("ctx=thread");
    return NULL;
}

static void *thread_exec(void *arg)
{
    (void)arg;
    exec_program();
    return NULL;
}

#define VFORK_THREADS 8
static pthread_barrier_t vfork_barrier;

static void *thread_vfork(void *arg)
{
    pthread_barrier_wait(&vfork_barrier);
    pid_t pid = vfork();
    if (pid == 0) {
        execv(prog_argv[0], prog_argv);
        _exit(127);
    }
    *(int *)arg = pid < 0 ? 255 : wait_for(pid);
    return NULL;
}

static int run_vfork_threads(void)
{
    pthread_t threads[VFORK_THREADS];
    int statuses[VFORK_THREADS];
    pthread_barrier_init(&vfork_barrier, NULL, VFORK_THREADS);
    for (int i = 0; i < VFORK_THREADS; i++) {
        int err = pthread_create(&threads[i], NULL, thread_vfork, &statuses[i]);
        if (err != 0) {
            fprintf(stderr, "treeprobe: pthread_create: %s\n", strerror(err));
            _exit(255);
        }
    }
    int status = 0;
    for (int i = 0; i < VFORK_THREADS; i++) {
        pthread_join(threads[i], NULL);
        if (status == 0)
            status = statuses[i];
    }
    return status;
}

/* struct clone_args of linux/sched.h (clone3 came with Linux 5.3), declared here for older headers. */
struct probe_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static int run_clone3(void)
{
    struct probe_clone_args args;
    memset(&args, 0, sizeof args);
    args.exit_signal = SIGCHLD;
    long pid = syscall(435 /* SYS_clone3 */, &args, sizeof args);
    if (pid == 0)
        exec_program();
    if (pid < 0) {
        int err = errno;
        printf("SPAWN call=clone3 result=error-%s\n", errno_name(err));
        fflush(stdout);
        if (err != ENOSYS)
            return 255;
        pid = fork();
        if (pid == 0)
            exec_program();
        if (pid < 0)
            return 255;
    } else {
        printf("SPAWN call=clone3 result=0\n");
        fflush(stdout);
    }
    return wait_for((pid_t)pid);
}

/* Every wait status of a child up to its end, as "stopped-19,killed-9". */
static void describe_until_end(pid_t pid, char *out, size_t size, int signal_then, int continue_after)
{
    size_t used = 0;
    out[0] = '\0';
    for (;;) {
        int st;
        if (wait_status(pid, WUNTRACED, &st) != 0) {
            snprintf(out + used, size - used, "%serror-%s", used ? "," : "", errno_name(errno));
            return;
        }
        append_status(out, size, &used, st);
        if (!WIFSTOPPED(st))
            return;
        kill(pid, signal_then);
        if (continue_after)
            kill(pid, SIGCONT);
    }
}

static pid_t stopping_child(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        raise(SIGSTOP);
        _exit(3); /* only if the signals below did not end it */
    }
    return pid;
}

static int run_stopped_exit(void)
{
    char first[128], second[128];
    pid_t a = stopping_child();
    if (a < 0)
        return 255;
    describe_until_end(a, first, sizeof first, SIGKILL, 0);
    pid_t b = stopping_child();
    if (b < 0)
        return 255;
    describe_until_end(b, second, sizeof second, SIGTERM, 1);
    printf("STOPPED first=%s second=%s\n", first, second);
    fflush(stdout);
    return 0;
}

static int run_pid_reuse(void)
{
    pid_t a = fork();
    if (a < 0)
        return 255;
    if (a == 0)
        exec_program();
    int status = wait_for(a);
    if (status != 0)
        return status;
    FILE *last = fopen("/proc/sys/kernel/ns_last_pid", "w");
    if (!last || fprintf(last, "%d", a - 1) < 0 || fclose(last) != 0) {
        printf("REUSE same_pid=error-%s\n", errno_name(errno));
        fflush(stdout);
        return 1;
    }
    pid_t b = fork();
    if (b < 0)
        return 255;
    if (b == 0) {
        print_probe_line("ctx=reused");
        fflush(stdout);
        exec_program();
    }
    status = wait_for(b);
    printf("REUSE same_pid=%d\n", b == a);
    fflush(stdout);
    return status;
}

static const char *si_code_name(int code)
{
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TKILL: return "SI_TKILL";
    case SI_KERNEL: return "SI_KERNEL";
    default: return "other";
    }
}

static void signals_child(int ready)
{
    int rt = SIGRTMIN + 1;
    char values[64] = "";
    size_t used = 0;
    int rt_code = 0, from_parent = 1;
    siginfo_t info;
    for (int i = 0; i < 3; i++) {
        sigset_t only;
        sigemptyset(&only);
        sigaddset(&only, rt);
        if (sigwaitinfo(&only, &info) < 0) {
            perror("treeprobe: sigwaitinfo");
            _exit(1);
        }
        used += snprintf(values + used, sizeof values - used, "%s%d", i ? "," : "", info.si_value.sival_int);
        rt_code = info.si_code;
        from_parent &= info.si_pid == getppid();
    }
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    if (sigwaitinfo(&usr1, &info) < 0) {
        perror("treeprobe: sigwaitinfo");
        _exit(1);
    }
    printf("SIGNALS rt_values=%s rt_code=%s rt_from_parent=%d usr1_code=%s\n", values, si_code_name(rt_code),
           from_parent, si_code_name(info.si_code));
    fflush(stdout);
    /* Tell the parent, then wait to be stopped, continued and released. */
    char c = 'x';
    if (write(ready, &c, 1) != 1)
        _exit(1);
    pause();
    _exit(1);
}

static int run_signals(void)
{
    int rt = SIGRTMIN + 1;
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, rt);
    sigaddset(&blocked, SIGUSR1);
    /* Blocked before the fork, so the child has them blocked from its start. */
    sigprocmask(SIG_BLOCK, &blocked, NULL);
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return 255;
    pid_t pid = fork();
    if (pid < 0)
        return 255;
    if (pid == 0) {
        close(pipefd[0]);
        signal(SIGTERM, SIG_DFL);
        signals_child(pipefd[1]);
    }
    close(pipefd[1]);
    for (int i = 1; i <= 3; i++) {
        if (sigqueue(pid, rt, (union sigval){ .sival_int = i }) != 0)
            return 255;
    }
    kill(pid, SIGUSR1);
    char c;
    if (read(pipefd[0], &c, 1) != 1)
        return 255;
    char states[128] = "";
    size_t used = 0;
    kill(pid, SIGSTOP);
    for (;;) {
        int st;
        if (wait_status(pid, WUNTRACED | WCONTINUED, &st) != 0)
            return 255;
        append_status(states, sizeof states, &used, st);
        if (WIFSTOPPED(st))
            kill(pid, SIGCONT);
        else if (WIFCONTINUED(st))
            kill(pid, SIGTERM);
        else
            break;
    }
    printf("SIGSTATES child=%s\n", states);
    fflush(stdout);
    return 0;
}

static int run_core(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return 255;
    if (pid == 0) {
        struct rlimit limit;
        getrlimit(RLIMIT_CORE, &limit);
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_CORE, &limit);
        abort();
    }
    int st;
    if (wait_status(pid, 0, &st) != 0)
        return 255;
    printf("CORE signal=%d dumped=%d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0, WIFSIGNALED(st) && WCOREDUMP(st));
    fflush(stdout);
    return 0;
}

static int run_daemon(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return 255;
    if (pid == 0) {
        setsid();
        pid_t daemon = fork();
        if (daemon == 0) {
            sleep(1);
            exec_program();
        }
        _exit(daemon < 0 ? 255 : 0);
    }
    return wait_for(pid);
}

/* A filter of the program's own: openat(..., O_RDWR | O_CLOEXEC) fails with EACCES. */
static void deny_rdwr_opens(void)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xC000003E /* AUDIT_ARCH_X86_64 */, 0, 5),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, O_RDWR | O_CLOEXEC, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    install_filter(code, sizeof code / sizeof code[0]);
    int mem = syscall(SYS_openat, AT_FDCWD, "/proc/self/mem", O_RDWR | O_CLOEXEC);
    printf("FILTER proc_self_mem=%s\n", mem >= 0 ? "open" : errno_name(errno));
    fflush(stdout);
    if (mem >= 0)
        close(mem);
}

/* Landlock: opening files for writing is allowed only beneath /dev; reading stays free. */
static void restrict_writes(void)
{
    struct landlock_ruleset_attr attr = { .handled_access_fs = LANDLOCK_ACCESS_FS_WRITE_FILE };
    int ruleset = syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
    if (ruleset < 0) {
        printf("LANDLOCK proc_self_mem=unsupported\n");
        fflush(stdout);
        return;
    }
    struct landlock_path_beneath_attr dev = {
        .allowed_access = LANDLOCK_ACCESS_FS_WRITE_FILE,
        .parent_fd = open("/dev", O_PATH | O_CLOEXEC),
    };
    if (dev.parent_fd < 0 || syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &dev, 0) != 0
        || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
        fprintf(stderr, "treeprobe: landlock: %s\n", strerror(errno));
        _exit(126);
    }
    close(dev.parent_fd);
    close(ruleset);
    int mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
    printf("LANDLOCK proc_self_mem=%s\n", mem >= 0 ? "open" : errno_name(errno));
    fflush(stdout);
    if (mem >= 0)
        close(mem);
}

/* fork(); the child runs prepare (if any) and execv()s PROGRAM; returns its status. */
static int fork_exec(void (*prepare)(void))
{
    pid_t pid = fork();
    if (pid < 0) {
        perror("treeprobe: fork");
        return 255;
    }
    if (pid == 0) {
        if (prepare)
            prepare();
        exec_program();
    }
    return wait_for(pid);
}

static int run_mode(const char *mode)
{
    pid_t pid;

    if (strcmp(mode, "fork") == 0)
        return fork_exec(NULL);
    if (strcmp(mode, "seccomp") == 0)
        return fork_exec(install_own_filter);
    if (strcmp(mode, "deny-rdwr") == 0)
        return fork_exec(deny_rdwr_opens);
    if (strcmp(mode, "landlock") == 0)
        return fork_exec(restrict_writes);
    if (strcmp(mode, "vfork") == 0) {
        pid = vfork();
        if (pid < 0) {
            perror("treeprobe: vfork");
            return 255;
        }
        if (pid == 0) {
            /* Only execv or _exit are allowed in a vfork child. */
            execv(prog_argv[0], prog_argv);
            _exit(127);
        }
        return wait_for(pid);
    }
    if (strcmp(mode, "posix_spawn") == 0) {
        int err = posix_spawn(&pid, prog_argv[0], NULL, NULL, prog_argv, environ);
        if (err != 0) {
            fprintf(stderr, "treeprobe: posix_spawn %s: %s\n", prog_argv[0], strerror(err));
            return 127;
        }
        return wait_for(pid);
    }
    if (strcmp(mode, "clone") == 0)
        return run_clone(SIGCHLD);
    if (strcmp(mode, "clone-vm") == 0)
        return run_clone(CLONE_VM | CLONE_VFORK | SIGCHLD);
    if (strcmp(mode, "thread") == 0) {
        pthread_t t;
        int err = pthread_create(&t, NULL, thread_probe, NULL);
        if (err != 0) {
            fprintf(stderr, "treeprobe: pthread_create: %s\n", strerror(err));
            return 255;
        }
        pthread_join(t, NULL);
        return probe_failed ? 1 : 0;
    }
    if (strcmp(mode, "exec-thread") == 0) {
        pthread_t t;
        int err = pthread_create(&t, NULL, thread_exec, NULL);
        if (err != 0) {
            fprintf(stderr, "treeprobe: pthread_create: %s\n", strerror(err));
            return 255;
        }
        /* Never returns if the exec succeeds; if it fails the thread _exit()s 127. */
        pthread_join(t, NULL);
        return 127;
    }
    if (strcmp(mode, "nested") == 0) {
        pid = fork();
        if (pid < 0) {
            perror("treeprobe: fork");
            return 255;
        }
        if (pid == 0) {
            pid_t grandchild = fork();
            if (grandchild < 0) {
                perror("treeprobe: fork (nested)");
                _exit(255);
            }
            if (grandchild == 0)
                exec_program();
            _exit(wait_for(grandchild));
        }
        return wait_for(pid);
    }
    if (strcmp(mode, "vfork-threads") == 0)
        return run_vfork_threads();
    if (strcmp(mode, "clone3") == 0)
        return run_clone3();
    if (strcmp(mode, "stopped-exit") == 0)
        return run_stopped_exit();
    if (strcmp(mode, "pid-reuse") == 0)
        return run_pid_reuse();
    if (strcmp(mode, "signals") == 0)
        return run_signals();
    if (strcmp(mode, "core") == 0)
        return run_core();
    if (strcmp(mode, "daemon") == 0)
        return run_daemon();
    fprintf(stderr, "treeprobe: unknown mode %s\n", mode);
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr,
                "usage: treeprobe fork|vfork|posix_spawn|clone|clone-vm|thread|exec-thread|nested|seccomp"
                "|deny-rdwr|landlock|vfork-threads|clone3|stopped-exit|pid-reuse|signals|core|daemon PROGRAM [ARGS...]\n");
        return 2;
    }
    prog_argv = argv + 2;
    /* Nothing buffered may be duplicated into a child or lost by an exec. */
    fflush(stdout);
    int status = run_mode(argv[1]);
    if (status < 0)
        return 2;
    printf("TREE mode=%s status=%d\n", argv[1], status);
    fflush(stdout);
    return status;
}
