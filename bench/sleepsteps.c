/*
 * sleepsteps N: sleeps N seconds in N relative clock_nanosleep(CLOCK_MONOTONIC)
 * calls of one second each, and prints
 *   BENCH name=sleepsteps steps=N slept_s=S.SSS
 * where slept_s is the time CLOCK_MONOTONIC says passed. Natively that is N
 * seconds of real time; under `timens --warp` the clocks jump over each sleep,
 * so bench/run times the whole run from outside.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    long n = atol(argv[1]);
    struct timespec start, end, second = { 1, 0 };
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < n; i++)
        if (clock_nanosleep(CLOCK_MONOTONIC, 0, &second, NULL) != 0)
            return 1;
    clock_gettime(CLOCK_MONOTONIC, &end);
    printf("BENCH name=sleepsteps steps=%ld slept_s=%.3f\n", n,
           (double)(end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9);
    return 0;
}
