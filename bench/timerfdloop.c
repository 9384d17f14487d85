/*
 * timerfdloop: arming and disarming a timerfd, for bench/run.
 *
 *   timerfdloop N [spin]   N times: arm a CLOCK_REALTIME timerfd for an hour
 *                  from now with TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET
 *                  (the arming timens must translate), then disarm it with a
 *                  relative timerfd_settime; prints
 *                  BENCH name=timerfd mode=M iterations=N ns_per_call=X
 *                  (X per arm + disarm). With "spin", a second thread spins
 *                  on the CPU meanwhile, as in a race-condition test.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>

static atomic_int done;

static void *spinner(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&done, memory_order_relaxed))
        ;
    return NULL;
}

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: timerfdloop N [spin]\n");
        return 2;
    }
    long n = atol(argv[1]);
    int spin = argc > 2 && strcmp(argv[2], "spin") == 0;
    int fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
    if (fd < 0) {
        perror("timerfd_create");
        return 1;
    }
    pthread_t t;
    if (spin && pthread_create(&t, NULL, spinner, NULL) != 0)
        return 1;
    struct itimerspec arm = { { 0, 0 }, { 0, 0 } }, off = { { 0, 0 }, { 0, 0 } };
    long long start = now_ns();
    for (long i = 0; i < n; i++) {
        clock_gettime(CLOCK_REALTIME, &arm.it_value);
        arm.it_value.tv_sec += 3600;
        if (timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &arm, NULL) != 0 ||
            timerfd_settime(fd, 0, &off, NULL) != 0) {
            perror("timerfd_settime");
            return 1;
        }
    }
    long long elapsed = now_ns() - start;
    atomic_store(&done, 1);
    if (spin)
        pthread_join(t, NULL);
    printf("BENCH name=timerfd mode=%s iterations=%ld ns_per_call=%lld\n", spin ? "spin" : "alone", n,
           elapsed / (n > 0 ? n : 1));
    return 0;
}
