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
 */
#include "probe.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
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

static int wait_for(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "treeprobe: waitpid: %s\n", strerror(errno));
            return 255;
        }
    }
    return decode_status(st);
}

static void exec_program(void)
{
    execv(prog_argv[0], prog_argv);
    fprintf(stderr, "treeprobe: execv %s: %s\n", prog_argv[0], strerror(errno));
    _exit(127);
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
    struct sock_fprog prog = { .len = sizeof code / sizeof code[0], .filter = code };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        fprintf(stderr, "treeprobe: seccomp: %s\n", strerror(errno));
        _exit(126);
    }
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

static int run_mode(const char *mode)
{
    pid_t pid;

    if (strcmp(mode, "fork") == 0) {
        pid = fork();
        if (pid < 0) {
            perror("treeprobe: fork");
            return 255;
        }
        if (pid == 0)
            exec_program();
        return wait_for(pid);
    }
    if (strcmp(mode, "seccomp") == 0) {
        pid = fork();
        if (pid < 0) {
            perror("treeprobe: fork");
            return 255;
        }
        if (pid == 0) {
            install_own_filter();
            exec_program();
        }
        return wait_for(pid);
    }
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
    fprintf(stderr, "treeprobe: unknown mode %s\n", mode);
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr,
                "usage: treeprobe fork|vfork|posix_spawn|clone|clone-vm|thread|exec-thread|nested"
                " PROGRAM [ARGS...]\n");
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
