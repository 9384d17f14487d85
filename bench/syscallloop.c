/*
 * syscallloop: the cost of an ordinary syscall that timens does not intercept,
 * for bench/run.
 *
 *   syscallloop N  makes N raw syscall(SYS_getppid) calls (a real syscall each
 *                  time: glibc caches nothing for getppid, and syscall() bypasses
 *                  the vDSO) and prints BENCH name=getppid calls=N ns_per_call=X
 *
 *   syscallloop N seccomp  the same after installing a seccomp filter that
 *                  allows everything (with NO_NEW_PRIVS and SPEC_ALLOW, as timens
 *                  does): what any seccomp filter costs on this kernel, the floor
 *                  for timens, whose filter the kernel's action cache skips for
 *                  getppid
 *
 * Under timens the seccomp filter runs on each of them and must ALLOW it without
 * a ptrace stop; this shows what the filter itself costs.
 *
 *   syscallloop N open-write  opens /dev/null for writing (O_WRONLY, no O_CREAT)
 *                  and closes it, N times, and prints BENCH name=open-write:
 *                  under timens each such open makes a round trip to timens
 *                  (it may be /proc/PID/timens_offsets)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000L;
    struct timespec start, end;
    long sum = 0;

    if (argc > 2 && strcmp(argv[2], "seccomp") == 0) {
        struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        struct sock_fprog prog = { .len = 1, .filter = &allow };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
            (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, &prog) != 0 &&
             syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)) {
            perror("syscallloop: seccomp");
            return 1;
        }
    }

    if (argc > 2 && strcmp(argv[2], "open-write") == 0) {
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (long i = 0; i < n; i++) {
            int fd = open("/dev/null", O_WRONLY);
            if (fd < 0) {
                perror("syscallloop: open /dev/null");
                return 1;
            }
            sum += fd;
            close(fd);
        }
        clock_gettime(CLOCK_MONOTONIC, &end);
        double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
        printf("BENCH name=open-write calls=%ld ns_per_call=%.2f checksum=%ld\n", n, ns / n, sum % 10);
        return 0;
    }

    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < n; i++)
        sum += syscall(SYS_getppid);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
    printf("BENCH name=getppid calls=%ld ns_per_call=%.2f checksum=%ld\n", n, ns / n, sum % 10);
    return 0;
}
