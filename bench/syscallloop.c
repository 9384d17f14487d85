/*
 * syscallloop: the cost of an ordinary syscall that timens does not intercept,
 * for bench/run.
 *
 *   syscallloop N  makes N raw syscall(SYS_getppid) calls (a real syscall each
 *                  time: glibc caches nothing for getppid, and syscall() bypasses
 *                  the vDSO) and prints BENCH name=getppid calls=N ns_per_call=X
 *
 * Under timens the seccomp filter runs on each of them and must ALLOW it without
 * a ptrace stop; this shows what the filter itself costs.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000L;
    struct timespec start, end;
    long sum = 0;

    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < n; i++)
        sum += syscall(SYS_getppid);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
    printf("BENCH name=getppid calls=%ld ns_per_call=%.2f checksum=%ld\n", n, ns / n, sum % 10);
    return 0;
}
