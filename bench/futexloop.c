/*
 * futexloop: a futex-heavy program, for bench/run.
 *
 *   futexloop N untimed|timed    two threads hand a token back and forth N times
 *                  through a mutex and two condition variables, and print
 *                  BENCH name=futex mode=M handoffs=N ns_per_call=X
 *
 * untimed waits are plain FUTEX_WAIT/FUTEX_WAKE, which timens never traps;
 * timed waits use pthread_cond_timedwait with a CLOCK_REALTIME deadline an
 * hour away (FUTEX_WAIT_BITSET with an absolute timeout), which timens must
 * translate, at one stop per wait that blocks.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed[2] = { PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER };
static int turn;
static long rounds;
static int timed;

static void wait_turn(int me)
{
    while (turn != me) {
        if (timed) {
            struct timespec deadline;
            clock_gettime(CLOCK_REALTIME, &deadline);
            deadline.tv_sec += 3600;
            pthread_cond_timedwait(&turn_changed[me], &lock, &deadline);
        } else {
            pthread_cond_wait(&turn_changed[me], &lock);
        }
    }
}

static void *player(void *arg)
{
    int me = (int)(long)arg;
    pthread_mutex_lock(&lock);
    for (long i = 0; i < rounds; i++) {
        wait_turn(me);
        turn = !me;
        pthread_cond_signal(&turn_changed[!me]);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(int argc, char **argv)
{
    rounds = argc > 1 ? atol(argv[1]) : 200000L;
    timed = argc > 2 && strcmp(argv[2], "timed") == 0;
    struct timespec start, end;
    pthread_t a, b;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pthread_create(&a, NULL, player, (void *)0L);
    pthread_create(&b, NULL, player, (void *)1L);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
    printf("BENCH name=futex mode=%s handoffs=%ld ns_per_call=%.2f\n", timed ? "timed" : "untimed", 2 * rounds,
           ns / (2 * rounds));
    return 0;
}
