/*
 * setclock: checks the clock-setting and clock-adjusting syscalls, and their
 * error paths, as seen by a program inside the time namespace.
 *
 * !!! Never run the setting operations natively as root: they would change the
 * !!! host's clock. They are meant to run under bin/timens only.
 *
 *   setclock OP [OP...]
 *
 * performs each OP in order and prints, for each,
 *   OP name=<op> ret=<return value> errno=<ENAME or 0> [more fields]
 *   NOW realtime=S.NNNNNNNNN monotonic=S.NNNNNNNNN boottime=S.NNNNNNNNN
 * and exits 0 (the tests judge the printed results; exit 2 is a usage error).
 * OPs:
 *   settimeofday=EPOCH              settimeofday() through libc, tz NULL
 *                                   (glibc 2.36 issues the clock_settime syscall)
 *   raw-settimeofday=EPOCH          the settimeofday syscall itself (what musl and
 *                                   older glibc issue)
 *   clock_settime=CLOCK:EPOCH[.FRAC] clock_settime(); CLOCK is REALTIME, MONOTONIC,
 *                                   BOOTTIME, TAI, ... or a number
 *   adjtimex-read                   adjtimex() with modes 0; adds adjtime=<time
 *                                   field> (S.UUUUUU, or S.NNNNNNNNN when the kernel
 *                                   reports STA_NANO), freq=, status=
 *   adjtimex-setoffset=SECONDS      adjtimex(ADJ_SETOFFSET|ADJ_NANO) by a signed offset
 *   clock_adjtime-setoffset=SECONDS clock_adjtime(CLOCK_REALTIME, same)
 *   adjtimex-freq                   adjtimex(ADJ_FREQUENCY) with the frequency that a
 *                                   read-only adjtimex just returned: must be refused
 *                                   (EPERM) inside the namespace, never reach the host
 *                                   (and if it did, it would change nothing)
 *   adjtimex-modes=MODES            adjtimex() with modes MODES (a number, 0x for
 *                                   hex) and every other field 0: for the kernel's
 *                                   checks of the modes word (0x8000, ADJ_ADJTIME
 *                                   without its singleshot bit, is EINVAL for anyone)
 *   sysinfo                         sysinfo(); adds uptime=<seconds> and
 *                                   boottime=S.NNNNNNNNN (CLOCK_BOOTTIME read just
 *                                   before)
 *   raw-clock_gettime-efault        syscall(SYS_clock_gettime, REALTIME, (void *)1)
 *   gettimeofday-efault             syscall(SYS_gettimeofday, (void *)1, NULL)
 *   settimeofday-efault             syscall(SYS_settimeofday, (void *)1, NULL)
 *   clock_settime-efault            syscall(SYS_clock_settime, REALTIME, (void *)1)
 *   settimeofday-einval             syscall(SYS_settimeofday) with tv_usec = 2000000
 * The error-path OPs use raw syscalls on purpose: libc and the vDSO dereference
 * their arguments in user space (a bad pointer would crash the program, a bad
 * tv_usec would be rejected before any syscall), and the point is what the
 * kernel, or timens in its place, answers.
 */
#include "probe.h"

#include <ctype.h>
#include <stdlib.h>
#include <sys/sysinfo.h>
#include <sys/timex.h>

#ifndef ADJ_SETOFFSET
#define ADJ_SETOFFSET 0x0100
#endif
#ifndef ADJ_NANO
#define ADJ_NANO 0x2000
#endif
#ifndef STA_NANO
#define STA_NANO 0x2000
#endif

/* Address 1 is in page 0, which mmap_min_addr keeps unmapped: always EFAULT. */
#define BAD_POINTER ((void *)1)

static void usage(const char *msg)
{
    fprintf(stderr, "setclock: %s\n", msg);
    exit(2);
}

static void parse_seconds(const char *s, int64_t *sec, long *nsec)
{
    if (probe_parse_seconds(s, sec, nsec) != 0)
        usage("bad number of seconds");
}

static clockid_t parse_clock(const char *name)
{
    static const struct { const char *name; clockid_t id; } clocks[] = {
        { "REALTIME", CLOCK_REALTIME },
        { "MONOTONIC", CLOCK_MONOTONIC },
        { "PROCESS_CPUTIME_ID", CLOCK_PROCESS_CPUTIME_ID },
        { "THREAD_CPUTIME_ID", CLOCK_THREAD_CPUTIME_ID },
        { "MONOTONIC_RAW", CLOCK_MONOTONIC_RAW },
        { "REALTIME_COARSE", CLOCK_REALTIME_COARSE },
        { "MONOTONIC_COARSE", CLOCK_MONOTONIC_COARSE },
        { "BOOTTIME", CLOCK_BOOTTIME },
        { "REALTIME_ALARM", CLOCK_REALTIME_ALARM },
        { "BOOTTIME_ALARM", CLOCK_BOOTTIME_ALARM },
        { "TAI", CLOCK_TAI },
    };
    for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++)
        if (strcmp(name, clocks[i].name) == 0)
            return clocks[i].id;
    if (isdigit((unsigned char)name[0]) || name[0] == '-')
        return (clockid_t)strtol(name, NULL, 10);
    usage("unknown clock name");
    return 0;
}

static void print_op(const char *name, long ret, int err)
{
    printf("OP name=%s ret=%ld errno=%s", name, ret, ret == -1 ? errno_name(err) : "0");
}

static void print_now(void)
{
    printf("NOW");
    put_clock("realtime", CLOCK_REALTIME);
    put_clock("monotonic", CLOCK_MONOTONIC);
    put_clock("boottime", CLOCK_BOOTTIME);
    printf("\n");
    fflush(stdout);
}

/* Splits "name=value" at '=': returns the value (or NULL) and leaves the name in `name`. */
static const char *split(const char *arg, char *name, size_t size)
{
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    if (n >= size)
        usage("operation name too long");
    memcpy(name, arg, n);
    name[n] = '\0';
    return eq ? eq + 1 : NULL;
}

static void need(const char *value, const char *op)
{
    if (!value || !*value) {
        fprintf(stderr, "setclock: %s needs =VALUE\n", op);
        exit(2);
    }
}

static void setoffset(const char *op, const char *value, int use_clock_adjtime)
{
    struct timex tx;
    int64_t sec;
    long nsec;
    long ret;

    parse_seconds(value, &sec, &nsec);
    memset(&tx, 0, sizeof tx);
    /* With ADJ_NANO the time.tv_usec field carries nanoseconds (adjtimex(2)). */
    tx.modes = ADJ_SETOFFSET | ADJ_NANO;
    tx.time.tv_sec = sec;
    tx.time.tv_usec = nsec;
    errno = 0;
    ret = use_clock_adjtime ? clock_adjtime(CLOCK_REALTIME, &tx) : adjtimex(&tx);
    print_op(op, ret, errno);
    printf("\n");
}

static void do_op(const char *arg)
{
    char op[64];
    const char *value = split(arg, op, sizeof op);
    long ret;
    int64_t sec;
    long nsec;

    errno = 0;
    if (strcmp(op, "settimeofday") == 0) {
        need(value, op);
        parse_seconds(value, &sec, &nsec);
        struct timeval tv = { .tv_sec = sec, .tv_usec = nsec / 1000 };
        ret = settimeofday(&tv, NULL);
        print_op(op, ret, errno);
        printf("\n");
    } else if (strcmp(op, "raw-settimeofday") == 0) {
        need(value, op);
        parse_seconds(value, &sec, &nsec);
        struct timeval tv = { .tv_sec = sec, .tv_usec = nsec / 1000 };
        ret = syscall(SYS_settimeofday, &tv, NULL);
        print_op(op, ret, errno);
        printf("\n");
    } else if (strcmp(op, "clock_settime") == 0) {
        need(value, op);
        char clock[32];
        const char *colon = strchr(value, ':');
        if (!colon || (size_t)(colon - value) >= sizeof clock)
            usage("clock_settime needs CLOCK:EPOCH");
        memcpy(clock, value, colon - value);
        clock[colon - value] = '\0';
        parse_seconds(colon + 1, &sec, &nsec);
        struct timespec ts = { .tv_sec = sec, .tv_nsec = nsec };
        ret = clock_settime(parse_clock(clock), &ts);
        print_op(op, ret, errno);
        printf(" clock=%s\n", clock);
    } else if (strcmp(op, "adjtimex-read") == 0) {
        struct timex tx;
        memset(&tx, 0, sizeof tx);
        tx.modes = 0;
        ret = adjtimex(&tx);
        print_op(op, ret, errno);
        if (ret != -1) {
            /* The kernel reports nanoseconds in tv_usec when STA_NANO is set. */
            if (tx.status & STA_NANO)
                put_fixed("adjtime", tx.time.tv_sec, tx.time.tv_usec, 9);
            else
                put_fixed("adjtime", tx.time.tv_sec, tx.time.tv_usec, 6);
            printf(" freq=%ld status=%d", (long)tx.freq, tx.status);
        }
        printf("\n");
    } else if (strcmp(op, "adjtimex-setoffset") == 0) {
        need(value, op);
        setoffset(op, value, 0);
    } else if (strcmp(op, "clock_adjtime-setoffset") == 0) {
        need(value, op);
        setoffset(op, value, 1);
    } else if (strcmp(op, "adjtimex-freq") == 0) {
        /*
         * Writes back the frequency just read, so that even a timens that wrongly
         * let this reach the kernel as root would leave the host's frequency as
         * it was (up to the kernel's rounding), while a correct one answers EPERM.
         */
        struct timex tx;
        memset(&tx, 0, sizeof tx);
        if (adjtimex(&tx) == -1) {
            print_op(op, -1, errno);
            printf(" step=read\n");
        } else {
            long freq = tx.freq;
            memset(&tx, 0, sizeof tx);
            tx.modes = ADJ_FREQUENCY;
            tx.freq = freq;
            errno = 0;
            ret = adjtimex(&tx);
            print_op(op, ret, errno);
            printf(" freq=%ld\n", freq);
        }
    } else if (strcmp(op, "adjtimex-modes") == 0) {
        need(value, op);
        struct timex tx;
        memset(&tx, 0, sizeof tx);
        tx.modes = (unsigned int)strtoul(value, NULL, 0);
        errno = 0;
        ret = adjtimex(&tx);
        print_op(op, ret, errno);
        printf(" modes=%s\n", value);
    } else if (strcmp(op, "sysinfo") == 0) {
        struct sysinfo info;
        printf("OP name=%s", op);
        put_clock("boottime", CLOCK_BOOTTIME);
        errno = 0;
        ret = sysinfo(&info);
        printf(" ret=%ld errno=%s", ret, ret == -1 ? errno_name(errno) : "0");
        if (ret == 0)
            printf(" uptime=%ld", (long)info.uptime);
        printf("\n");
    } else if (strcmp(op, "raw-clock_gettime-efault") == 0) {
        ret = syscall(SYS_clock_gettime, CLOCK_REALTIME, BAD_POINTER);
        print_op(op, ret, errno);
        printf("\n");
    } else if (strcmp(op, "gettimeofday-efault") == 0) {
        ret = syscall(SYS_gettimeofday, BAD_POINTER, NULL);
        print_op(op, ret, errno);
        printf("\n");
    } else if (strcmp(op, "settimeofday-efault") == 0) {
        ret = syscall(SYS_settimeofday, BAD_POINTER, NULL);
        print_op(op, ret, errno);
        printf("\n");
    } else if (strcmp(op, "clock_settime-efault") == 0) {
        ret = syscall(SYS_clock_settime, CLOCK_REALTIME, BAD_POINTER);
        print_op(op, ret, errno);
        printf("\n");
    } else if (strcmp(op, "settimeofday-einval") == 0) {
        struct timeval tv = { .tv_sec = 1893456000, .tv_usec = 2000000 };
        ret = syscall(SYS_settimeofday, &tv, NULL);
        print_op(op, ret, errno);
        printf("\n");
    } else {
        fprintf(stderr, "setclock: unknown operation %s\n", op);
        exit(2);
    }
    print_now();
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage("usage: setclock OP [OP...] (see the comment at the top of setclock.c)");
    for (int i = 1; i < argc; i++)
        do_op(argv[i]);
    return probe_failed ? 1 : 0;
}
