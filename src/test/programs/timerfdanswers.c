/*
 * timerfdanswers: what timerfd_settime(TFD_TIMER_ABSTIME) answers, for
 * comparison of a native run with one under timens (which arms such timers
 * itself, from its seccomp listener, and must answer exactly as the kernel).
 *
 *   timerfdanswers   prints one line
 *                    TFD efault_new=R einval_flags=R ... old_remaining=S ...
 *                    each R a raw syscall's result (0) or error-ENAME, in the
 *                    order the kernel checks (fs/timerfd.c): a bad new value
 *                    pointer, bad flags, invalid it_value and it_interval, a
 *                    bad descriptor, a descriptor that is no timerfd, bad flags
 *                    with a bad descriptor, a bad pointer with a bad
 *                    descriptor, a bad old value pointer (the timer is armed
 *                    all the same: armed_after_efault=yes); old_remaining and
 *                    old_interval are the setting a re-arm reports (seconds,
 *                    relative: about 3600 and 2), disarmed=yes after an
 *                    absolute arm with a zero value
 */
#include "probe.h"

#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>

static long settime(int fd, int flags, const void *value, void *old)
{
    return syscall(SYS_timerfd_settime, fd, flags, value, old);
}

static void put_result(const char *key, long r)
{
    if (r == 0)
        printf(" %s=0", key);
    else
        printf(" %s=error-%s", key, errno_name(errno));
}

/* An absolute setting `ahead` seconds after now on `clock`, repeating every `interval` s. */
static struct itimerspec ahead_of_now(clockid_t clock, time_t ahead, time_t interval)
{
    struct itimerspec its = { { interval, 0 }, { 0, 0 } };
    clock_gettime(clock, &its.it_value);
    its.it_value.tv_sec += ahead;
    return its;
}

int main(void)
{
    int fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
    int other = eventfd(0, EFD_CLOEXEC);
    if (fd < 0 || other < 0) {
        perror("timerfd_create/eventfd");
        return 1;
    }
    struct itimerspec good = ahead_of_now(CLOCK_REALTIME, 3600, 0);
    struct itimerspec bad_nsec = good, bad_interval = good;
    bad_nsec.it_value.tv_nsec = 1000000000;
    bad_interval.it_interval.tv_nsec = -1;
    int abs = TFD_TIMER_ABSTIME;

    printf("TFD");
    put_result("efault_new", settime(fd, abs, (void *)1, NULL));
    put_result("einval_flags", settime(fd, abs | 0x10, &good, NULL));
    put_result("einval_value", settime(fd, abs, &bad_nsec, NULL));
    put_result("einval_interval", settime(fd, abs, &bad_interval, NULL));
    put_result("ebadf", settime(999, abs, &good, NULL));
    put_result("no_timerfd", settime(other, abs, &good, NULL));
    put_result("flags_before_fd", settime(999, abs | 0x10, &good, NULL));
    put_result("efault_before_fd", settime(999, abs, (void *)1, NULL));
    put_result("efault_old", settime(fd, abs | TFD_TIMER_CANCEL_ON_SET, &good, (void *)1));
    struct itimerspec now;
    timerfd_gettime(fd, &now);
    printf(" armed_after_efault=%s", now.it_value.tv_sec > 3000 ? "yes" : "no");

    struct itimerspec first = ahead_of_now(CLOCK_REALTIME, 3600, 2), later = ahead_of_now(CLOCK_REALTIME, 7200, 0);
    struct itimerspec old;
    put_result("arm", settime(fd, abs, &first, NULL));
    put_result("rearm", settime(fd, abs, &later, &old));
    put_ts("old_remaining", &old.it_value);
    put_ts("old_interval", &old.it_interval);
    struct itimerspec zero = { { 0, 0 }, { 0, 0 } };
    put_result("disarm", settime(fd, abs, &zero, NULL));
    timerfd_gettime(fd, &now);
    printf(" disarmed=%s", now.it_value.tv_sec == 0 && now.it_value.tv_nsec == 0 ? "yes" : "no");

    /* A MONOTONIC one, armed a second ahead and read: it fires about then. */
    int mono = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    struct itimerspec soon = ahead_of_now(CLOCK_MONOTONIC, 0, 0);
    soon.it_value.tv_nsec += 200000000;
    if (soon.it_value.tv_nsec >= 1000000000) {
        soon.it_value.tv_sec++;
        soon.it_value.tv_nsec -= 1000000000;
    }
    struct timespec before, after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    put_result("monotonic_arm", settime(mono, abs, &soon, NULL));
    uint64_t ticks = 0;
    if (read(mono, &ticks, sizeof ticks) != sizeof ticks)
        ticks = 0;
    clock_gettime(CLOCK_MONOTONIC, &after);
    printf(" monotonic_ticks=%llu monotonic_ms=%lld\n", (unsigned long long)ticks,
           (long long)((after.tv_sec - before.tv_sec) * 1000 + (after.tv_nsec - before.tv_nsec) / 1000000));
    return 0;
}
