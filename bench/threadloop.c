/*
 * threadloop: thread creation, for bench/run.
 *
 *   threadloop N   creates and joins N threads, one after the other, and prints
 *                  BENCH name=thread n=N ns_per_call=X
 *
 * Under timens's engine v1 every new thread stops at its creation (the tracer
 * follows it); under --engine v2 nothing does.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void *nothing(void *arg)
{
    return arg;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: threadloop N\n");
        return 2;
    }
    long n = atol(argv[1]);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, nothing, NULL) != 0 || pthread_join(t, NULL) != 0) {
            perror("threadloop");
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
    printf("BENCH name=thread n=%ld ns_per_call=%.0f\n", n, ns / n);
    return 0;
}
