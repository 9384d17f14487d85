/*
 * clockloop: the cost of one clock read, for bench/run.
 *
 *   clockloop N    calls clock_gettime(CLOCK_REALTIME) N times through libc (so
 *                  through the vDSO: timens's replacement, or libfaketime's
 *                  wrapper when preloaded) and prints
 *                  BENCH name=clock_gettime calls=N ns_per_call=X realtime=S
 *   clockloop N wait   the same, but waits for a line on standard input before
 *                  the loop (bench/run attaches it meanwhile: timensctl attach)
 *                  and for its end after it (and the detach)
 *
 * The loop is timed with CLOCK_MONOTONIC, read twice: under timens it runs at
 * rate 1, so durations are real durations. realtime= (the last value read) lets
 * bench/run check that the clock it timed was really shifted.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 20000000L;
    struct timespec start, end, ts = { 0, 0 };
    unsigned long sum = 0;
    int wait = argc > 2 && strcmp(argv[2], "wait") == 0;
    char line[64];

    if (wait && !fgets(line, sizeof line, stdin))
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < n; i++) {
        clock_gettime(CLOCK_REALTIME, &ts);
        sum += (unsigned long)ts.tv_nsec; /* keeps the call from being optimised away */
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
    printf("BENCH name=clock_gettime calls=%ld ns_per_call=%.2f realtime=%lld checksum=%lu\n", n, ns / n,
           (long long)ts.tv_sec, sum % 10);
    fflush(stdout);
    while (wait && fgets(line, sizeof line, stdin)) {
    }
    return 0;
}
