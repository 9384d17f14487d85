/*
 * keepdeadline: an absolute sleep whose deadline struct the program keeps.
 *
 *   keepdeadline   sleeps with clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME)
 *                  until 0.2 s after now, through a struct timespec of its
 *                  own, and prints
 *                  KEEP result=R elapsed_ms=T same=yes|no
 *                  R the call's result, T the time it took (CLOCK_MONOTONIC),
 *                  and whether the struct still holds what the program put
 *                  there (under timens a debugged program's deadline is
 *                  translated in place, and must be put back)
 */
#include "probe.h"

int main(void)
{
    struct timespec deadline, copy, start, end;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 200000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    copy = deadline;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int r = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &deadline, NULL);
    clock_gettime(CLOCK_MONOTONIC, &end);
    long long ms = (end.tv_sec - start.tv_sec) * 1000LL + (end.tv_nsec - start.tv_nsec) / 1000000;
    int same = copy.tv_sec == deadline.tv_sec && copy.tv_nsec == deadline.tv_nsec;
    printf("KEEP result=%d elapsed_ms=%lld same=%s\n", r, ms, same ? "yes" : "no");
    return 0;
}
