/*
 * probe.h: helpers shared by the C test programs (clockprobe, treeprobe, setclock,
 * timerprobe).
 *
 * Every test program prints machine-readable lines of the form
 *     TAG key=value key=value ...
 * (TAG is PROBE, NOW, OP, TREE or TIMER). Values are decimal numbers, exactly as read
 * from the kernel, with a leading '-' when negative, so that one Java parser
 * (dev.timens.it.Probe) reads all of them into BigDecimal. A value that could not
 * be read is printed as `error-ENAME` and the program exits non-zero (except
 * boottime_alarm=error-EINVAL: a machine without an alarm-capable RTC).
 *
 * Header-only (static functions) so that each program stays one compile command
 * with gcc, gcc -static and musl-gcc -static alike.
 */
#ifndef TIMENS_PROBE_H
#define TIMENS_PROBE_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Each program uses only some of these helpers. */
#define PROBE_FN static __attribute__((unused))

#ifndef PROBE_LANG
#define PROBE_LANG "c"
#endif

/* Older headers may lack these clock ids (values from include/uapi/linux/time.h). */
#ifndef CLOCK_BOOTTIME
#define CLOCK_BOOTTIME 7
#endif
#ifndef CLOCK_REALTIME_ALARM
#define CLOCK_REALTIME_ALARM 8
#endif
#ifndef CLOCK_BOOTTIME_ALARM
#define CLOCK_BOOTTIME_ALARM 9
#endif
#ifndef CLOCK_TAI
#define CLOCK_TAI 11
#endif

/* Set when any read failed: the program then exits 1 after printing its line. */
static int probe_failed;

/* errno names for the values the tests look at; musl has no strerrorname_np. */
PROBE_FN const char *errno_name(int e)
{
    static char buf[24];
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EINVAL: return "EINVAL";
    case ERANGE: return "ERANGE";
    case ESPIPE: return "ESPIPE";
    case ENOSYS: return "ENOSYS";
    case EOVERFLOW: return "EOVERFLOW";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EDEADLK: return "EDEADLK";
    case ECANCELED: return "ECANCELED";
    default:
        snprintf(buf, sizeof buf, "E%d", e);
        return buf;
    }
}

/*
 * Prints " key=S.FFF" for a value of `sec` seconds plus `frac` units of
 * 1/10^digits s, with 0 <= frac < 10^digits (the kernel's normalised form, so
 * -0.25 s is sec=-1, frac=0.75 s). Prints the true signed decimal, e.g. -0.250000000.
 */
PROBE_FN void put_fixed(const char *key, int64_t sec, int64_t frac, int digits)
{
    int64_t unit = 1;
    for (int i = 0; i < digits; i++)
        unit *= 10;
    if (frac < 0 || frac >= unit) {
        /* Not normalised (never from the kernel): print it raw but keep it parseable. */
        printf(" %s=%lld.%0*lld", key, (long long)sec, digits, (long long)(frac < 0 ? -frac : frac));
        return;
    }
    if (sec < 0 && frac != 0) {
        /* sec + frac/unit = -((-sec - 1) + (unit - frac)/unit) */
        printf(" %s=-%llu.%0*lld", key, (unsigned long long)(-(sec + 1)), digits,
               (long long)(unit - frac));
    } else if (sec < 0) {
        printf(" %s=-%llu.%0*d", key, (unsigned long long)(-(uint64_t)sec), digits, 0);
    } else {
        printf(" %s=%lld.%0*lld", key, (long long)sec, digits, (long long)frac);
    }
}

PROBE_FN void put_error(const char *key, int e)
{
    printf(" %s=error-%s", key, errno_name(e));
    probe_failed = 1;
}

PROBE_FN void put_ts(const char *key, const struct timespec *ts)
{
    put_fixed(key, ts->tv_sec, ts->tv_nsec, 9);
}

/* clock_gettime through libc, which uses the vDSO where the clock has a vDSO path. */
PROBE_FN void put_clock(const char *key, clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        put_error(key, errno);
    else
        put_ts(key, &ts);
}

/* clock_gettime as a real syscall: never the vDSO, so it reaches a seccomp filter. */
PROBE_FN void put_raw_clock(const char *key, clockid_t id)
{
    struct timespec ts;
    if (syscall(SYS_clock_gettime, id, &ts) != 0)
        put_error(key, errno);
    else
        put_ts(key, &ts);
}

/*
 * The body of a PROBE line (everything after "PROBE lang=..."), read in a fixed
 * order so that neighbouring values can be compared with small tolerances.
 */
PROBE_FN void put_probe_fields(void)
{
    struct timeval tv;
    time_t t;

    put_clock("realtime", CLOCK_REALTIME);
    put_clock("realtime_coarse", CLOCK_REALTIME_COARSE);
    put_clock("tai", CLOCK_TAI);
    put_clock("monotonic", CLOCK_MONOTONIC);
    put_clock("monotonic_coarse", CLOCK_MONOTONIC_COARSE);
    put_clock("monotonic_raw", CLOCK_MONOTONIC_RAW);
    put_clock("boottime", CLOCK_BOOTTIME);
    {
        /*
         * The alarm clocks need an RTC with wake-up support: without one the
         * kernel answers EINVAL (kernel/time/alarmtimer.c, alarm_clock_get_timespec).
         * That is the machine's limit, not a failure of the probe.
         */
        struct timespec ts;
        if (clock_gettime(CLOCK_BOOTTIME_ALARM, &ts) == 0)
            put_ts("boottime_alarm", &ts);
        else if (errno == EINVAL)
            printf(" boottime_alarm=error-EINVAL");
        else
            put_error("boottime_alarm", errno);
    }

    if (gettimeofday(&tv, NULL) != 0)
        put_error("gettimeofday", errno);
    else
        put_fixed("gettimeofday", tv.tv_sec, tv.tv_usec, 6);
    t = time(NULL);
    if (t == (time_t)-1)
        put_error("time", errno);
    else
        printf(" time=%lld", (long long)t);

    put_raw_clock("raw_realtime", CLOCK_REALTIME);
    put_raw_clock("raw_monotonic", CLOCK_MONOTONIC);
    put_raw_clock("raw_boottime", CLOCK_BOOTTIME);
    if (syscall(SYS_gettimeofday, &tv, NULL) != 0)
        put_error("raw_gettimeofday", errno);
    else
        put_fixed("raw_gettimeofday", tv.tv_sec, tv.tv_usec, 6);
#ifdef SYS_time
    {
        long r = syscall(SYS_time, NULL);
        if (r == -1)
            put_error("raw_time", errno);
        else
            printf(" raw_time=%ld", r);
    }
#endif

    put_clock("cputime", CLOCK_PROCESS_CPUTIME_ID);
}

/* One whole PROBE line; `extra` (may be NULL) is inserted after lang=, e.g. "ctx=thread". */
PROBE_FN void print_probe_line(const char *extra)
{
    printf("PROBE lang=%s", PROBE_LANG);
    if (extra)
        printf(" %s", extra);
    put_probe_fields();
    printf("\n");
    fflush(stdout);
}


/*
 * Parses a signed decimal number of seconds ("86400", "-0.5", "1893456000.25")
 * into the kernel's normalised form: *sec, and 0 <= *nsec < 1e9. Returns 0, or
 * -1 when the text is not such a number.
 */
static inline int probe_parse_seconds(const char *s, int64_t *sec, long *nsec)
{
    const char *p = s;
    int neg = 0, digits = 0;
    int64_t whole = 0;
    long frac = 0;

    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (*p < '0' || *p > '9')
        return -1;
    while (*p >= '0' && *p <= '9')
        whole = whole * 10 + (*p++ - '0');
    if (*p == '.') {
        p++;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (digits < 9) {
                frac = frac * 10 + (*p - '0');
                digits++;
            }
        }
    }
    if (*p != '\0')
        return -1;
    while (digits++ < 9)
        frac *= 10;
    if (!neg) {
        *sec = whole;
        *nsec = frac;
    } else if (frac == 0) {
        *sec = -whole;
        *nsec = 0;
    } else {
        *sec = -whole - 1;
        *nsec = 1000000000L - frac;
    }
    return 0;
}

#endif
