/*
 * signalloop: signal delivery to a handler, for bench/run.
 *
 *   signalloop N   raises SIGUSR1 N times, each caught by a handler, and prints
 *                  BENCH name=signal n=N ns_per_call=X
 *
 * A process timens traces (engine v1) stops at every signal before it is
 * delivered; under --engine v2 nothing traces it and delivery is the kernel's
 * alone.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile sig_atomic_t caught;

static void on_usr1(int signo)
{
    (void)signo;
    caught++;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: signalloop N\n");
        return 2;
    }
    long n = atol(argv[1]);
    struct sigaction action = { .sa_handler = on_usr1 };
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGUSR1, &action, NULL) != 0)
        return 1;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < n; i++)
        raise(SIGUSR1);
    clock_gettime(CLOCK_MONOTONIC, &end);
    if (caught != n) {
        fprintf(stderr, "signalloop: %ld of %ld signals caught\n", (long)caught, n);
        return 1;
    }
    double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
    printf("BENCH name=signal n=%ld ns_per_call=%.0f\n", n, ns / n);
    return 0;
}
