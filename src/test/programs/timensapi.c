/*
 * timensapi: drives the kernel's time-namespace interface by hand and prints
 * what each step returned, one "STEP result" line each (result: "ok", a
 * number, or an errno name), so that a run under timens can be compared with a
 * native run as root, where the kernel itself answers:
 *   unshare(CLONE_NEWTIME), writes to /proc/self/timens_offsets that the kernel
 *   refuses (EINVAL, ERANGE), a good one, the file read back, a child that
 *   execs into the new namespace and prints its clocks, and the write the
 *   kernel refuses once a process is in (EACCES).
 * Run as "timensapi child" it prints "CLOCKS monotonic=S boottime=S" and its
 * own /proc/self/timens_offsets; as "timensapi forked", see forked().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const char *result(long r)
{
    static char buf[32];
    if (r >= 0) {
        snprintf(buf, sizeof buf, "%ld", r);
        return buf;
    }
    return errno_name(errno);
}

static long put(int fd, const char *text)
{
    return write(fd, text, strlen(text));
}

/* The file's two lines, on one line: "monotonic 86400 0 boottime 172800 0". */
static void show(const char *step, int fd)
{
    char buf[256];
    char mono[16], boot[16];
    long long ms, bs;
    long mn, bn;
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n < 0) {
        printf("%s %s\n", step, result(n));
        return;
    }
    buf[n] = 0;
    if (sscanf(buf, "%15s %lld %ld %15s %lld %ld", mono, &ms, &mn, boot, &bs, &bn) != 6) {
        printf("%s unreadable\n", step);
        return;
    }
    printf("%s %s %lld %ld %s %lld %ld\n", step, mono, ms, mn, boot, bs, bn);
}

static int child(void)
{
    struct timespec m, b;
    clock_gettime(CLOCK_MONOTONIC, &m);
    clock_gettime(CLOCK_BOOTTIME, &b);
    printf("CLOCKS monotonic=%lld boottime=%lld\n", (long long)m.tv_sec, (long long)b.tv_sec);
    int fd = open("/proc/self/timens_offsets", O_RDWR);
    if (fd < 0) {
        printf("child_offsets %s\n", result(fd));
        return 1;
    }
    show("child_offsets", fd);
    return 0;
}

static void clocks(const char *who)
{
    struct timespec m, b;
    clock_gettime(CLOCK_MONOTONIC, &m);
    clock_gettime(CLOCK_BOOTTIME, &b);
    printf("FORKCLOCKS who=%s monotonic=%lld boottime=%lld\n", who, (long long)m.tv_sec, (long long)b.tv_sec);
}

/*
 * "timensapi forked": the children a process forks after unshare(CLONE_NEWTIME)
 * are in the new namespace from their fork, with no exec: a child that has not
 * read a clock yet already fixes the offsets (EACCES), makes a namespace for
 * its own children, then reads the new clocks (first with a raw syscall),
 * and the grandchild it forks reads its own; the process itself stays where it
 * was. Prints FORKCLOCKS lines for before, child, grandchild and parent.
 */
static int forked(void)
{
    clocks("before");
    printf("unshare %s\n", result(unshare(CLONE_NEWTIME)));
    int fd = open("/proc/self/timens_offsets", O_WRONLY);
    printf("set %s\n", fd < 0 ? result(fd) : result(put(fd, "monotonic 86400 0\nboottime 172800 0")));
    int go[2];
    if (pipe(go) != 0) return 1;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) != 1) _exit(2); /* no clock read before this */
        /* A namespace of its own for its children, before it reads a clock:
         * it is still in its parent's for children itself. */
        printf("child_unshare %s\n", result(unshare(CLONE_NEWTIME)));
        int own = open("/proc/self/timens_offsets", O_WRONLY);
        printf("child_set %s\n", own < 0 ? result(own) : result(put(own, "monotonic 259200 0")));
        struct timespec raw; /* the first one a raw syscall, which skips the vDSO */
        syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &raw);
        printf("FORKCLOCKS who=child-raw monotonic=%lld boottime=0\n", (long long)raw.tv_sec);
        clocks("child");
        pid_t grandchild = fork();
        if (grandchild == 0) {
            clocks("grandchild");
            _exit(0);
        }
        int status;
        waitpid(grandchild, &status, 0);
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 3);
    }
    close(go[0]);
    printf("after_fork %s\n", result(put(fd, "monotonic 1 0")));
    if (write(go[1], "x", 1) != 1) return 1;
    int status;
    waitpid(pid, &status, 0);
    printf("forked_status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    clocks("parent");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0) return child();
    if (argc > 1 && strcmp(argv[1], "forked") == 0) {
        setvbuf(stdout, NULL, _IONBF, 0);
        return forked();
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    char text[128];

    int fd = open("/proc/self/timens_offsets", O_WRONLY);
    printf("open_before %s\n", fd < 0 ? result(fd) : "ok");
    if (fd >= 0) {
        printf("write_before %s\n", result(put(fd, "monotonic 1 0")));
        close(fd);
    }

    printf("unshare %s\n", result(unshare(CLONE_NEWTIME)));
    fd = open("/proc/self/timens_offsets", O_RDWR);
    printf("open %s\n", fd < 0 ? result(fd) : "ok");
    if (fd < 0) return 1;
    show("fresh", fd);
    {
        /* Another file next to it, where timens sends writes: written, not taken for the offsets file. */
        char path[] = "/tmp/timensapi-XXXXXX", got[8] = "";
        int other = mkstemp(path);
        unlink(path);
        int at = dup2(other, fd + 1);
        long n = write(at, "plain", 5);
        if (pread(other, got, 5, 0) != 5)
            strcpy(got, "-");
        printf("other_file %s %s\n", result(n), got);
        close(at);
        close(other);
    }
    printf("garbage %s\n", result(put(fd, "not an offset")));
    printf("missing_nanos %s\n", result(put(fd, "1 10")));
    printf("nanos_too_big %s\n", result(put(fd, "1 10 1000000000")));
    printf("other_clock %s\n", result(put(fd, "0 10 0")));
    printf("seconds_too_big %s\n", result(put(fd, "monotonic 9223372037 0")));
    snprintf(text, sizeof text, "monotonic %lld 0", -(long long)now.tv_sec - 10);
    printf("clock_negative %s\n", result(put(fd, text)));
    printf("past_half_range %s\n", result(put(fd, "boottime 4611686018 0")));
    printf("not_at_start %s\n", result(pwrite(fd, "1 10 0", 6, 1)));
    printf("three_lines %s\n", result(put(fd, "1 5 0\n7 6 0\n1 7 0\n")));
    show("after_three", fd);
    printf("numbers %s\n", result(put(fd, "1 86400 0\n7 172800 0\n")));
    show("set", fd);
    printf("names %s\n", result(put(fd, "monotonic 86400 0\nboottime 172800 0")));
    show("named", fd);

    pid_t pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", argv[0], "child", (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("child_status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    printf("after_entry %s\n", result(put(fd, "monotonic 1 0")));
    /* A copy at another number (as a shell's redirection makes): the kernel's
     * file answers EACCES now; timens's answers EBADF, as it does for every
     * write through such a copy, which it never sees. */
    int copy = dup2(fd, fd + 100);
    printf("moved_copy %s\n", result(put(copy, "monotonic 1 0")));
    close(fd);
    return 0;
}
