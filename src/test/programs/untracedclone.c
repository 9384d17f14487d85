/*
 * untracedclone: the two ways a program could ask for a child no tracer
 * follows, made as raw syscalls, for EngineRulesIT (which runs it under a test
 * tool that subscribes to both): the engine must refuse clone3 with ENOSYS and
 * clear CLONE_UNTRACED from clone, whatever the tool subscribes to.
 *
 *   untracedclone   prints these lines (a CHILD line may come before its CLONE line)
 *                   CLONE call=clone3 result=error-ENOSYS   (or result=child)
 *                   CHILD call=clone3 tracer=PID            (only if it made one)
 *                   CLONE call=clone result=child           (or error-ENAME)
 *                   CHILD call=clone tracer=PID
 *                   tracer=PID is the child's TracerPid (/proc/self/status):
 *                   0 when nothing traces it. Exits 0, or 1 when a call
 *                   failed otherwise than clone3 with ENOSYS.
 */
#include "probe.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#define PROBE_CLONE_UNTRACED 0x00800000ULL

/* struct clone_args of linux/sched.h, declared here for older headers. */
struct probe_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static int tracer_pid(void)
{
    FILE *status = fopen("/proc/self/status", "r");
    char line[256];
    int pid = -1;
    if (!status)
        return -1;
    while (fgets(line, sizeof line, status))
        if (sscanf(line, "TracerPid: %d", &pid) == 1)
            break;
    fclose(status);
    return pid;
}

/* In the child: say who traces it, and leave without running the parent's atexit. */
static void child(const char *call)
{
    printf("CHILD call=%s tracer=%d\n", call, tracer_pid());
    fflush(stdout);
    _exit(0);
}

static int report(const char *call, long pid)
{
    if (pid < 0) {
        int err = errno;
        printf("CLONE call=%s result=error-%s\n", call, errno_name(err));
        fflush(stdout);
        return err == ENOSYS && strcmp(call, "clone3") == 0 ? 0 : 1;
    }
    printf("CLONE call=%s result=child\n", call);
    fflush(stdout);
    int st;
    while (waitpid((pid_t)pid, &st, 0) < 0 && errno == EINTR)
        ;
    return 0;
}

int main(void)
{
    int failed = 0;
    fflush(stdout);

    struct probe_clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = PROBE_CLONE_UNTRACED;
    args.exit_signal = SIGCHLD;
    long pid = syscall(435 /* SYS_clone3 */, &args, sizeof args);
    if (pid == 0)
        child("clone3");
    failed |= report("clone3", pid);

    /* No CLONE_VM and no new stack: the child runs on a copy, as after fork. */
    pid = syscall(SYS_clone, (unsigned long)(PROBE_CLONE_UNTRACED | SIGCHLD), 0UL, 0UL, 0UL, 0UL);
    if (pid == 0)
        child("clone");
    failed |= report("clone", pid);
    return failed;
}
