/*
 * timerprobe: one timed wait, to check that a deadline given on a shifted clock
 * means the same thing inside the time namespace as outside: an absolute
 * deadline on the namespace's REALTIME, MONOTONIC or BOOTTIME must be reached
 * when that (virtual) clock reaches it, as the kernel does for its own time
 * namespaces (kernel/time/namespace.c, timens_ktime_to_host), and a relative
 * timeout must last as long as asked.
 *
 *   timerprobe MODE [CLOCK] SECONDS [STEP]
 *
 * waits once and prints
 *   TIMER mode=MODE clock=CLOCK requested=S.NNNNNNNNN elapsed=S.NNNNNNNNN result=R lang=L [more]
 * where elapsed is measured by this program on the clock it waited on (it cannot
 * see real time: the tests measure that from outside), R is OK (the wait ended
 * normally: the sleep returned 0, the timer fired), ETIMEDOUT (the call timed
 * out) or the error name the call returned. Exits 0 when the wait ended the way
 * the mode expects, 1 when not, 2 on a usage error, 3 when step-while-blocked
 * refuses to run, 4 when the machine cannot run the mode (result=ENOSYS).
 *
 * SECONDS is a decimal number of seconds (1, 1.5); CLOCK is REALTIME, MONOTONIC
 * or BOOTTIME. MODEs (the deadline is always now + SECONDS on CLOCK):
 *   abs-nanosleep CLOCK S    clock_nanosleep(TIMER_ABSTIME)                    -> OK
 *   rel-nanosleep CLOCK S    clock_nanosleep(0, SECONDS): relative, a control  -> OK
 *   abs-timerfd CLOCK S      timerfd_settime(TFD_TIMER_ABSTIME), block in read(); -> OK
 *                            adds remaining= (timerfd_gettime just after arming:
 *                            the kernel reports it relative, so ~SECONDS)
 *   abs-timer CLOCK S        timer_create(SIGEV_SIGNAL SIGRTMIN) +            -> OK
 *                            timer_settime(TIMER_ABSTIME), sigwaitinfo with the
 *                            signal blocked; adds remaining= (timer_gettime)
 *   cond-timedwait S         pthread_cond_timedwait, default (REALTIME) cond   -> ETIMEDOUT
 *   cond-monotonic S         the same with pthread_condattr_setclock(MONOTONIC) -> ETIMEDOUT
 *   cond-clockwait CLOCK S   pthread_cond_clockwait (glibc 2.30)               -> ETIMEDOUT
 *   sem-timedwait S          sem_timedwait on an empty semaphore (REALTIME)    -> ETIMEDOUT
 *   sem-clockwait CLOCK S    sem_clockwait (glibc 2.30)                        -> ETIMEDOUT
 *   mutex-timedlock S        pthread_mutex_timedlock on a mutex another thread -> ETIMEDOUT
 *                            holds (REALTIME; futex FUTEX_WAIT_BITSET)
 *   mutex-pi-timedlock S     the same with PTHREAD_PRIO_INHERIT (FUTEX_LOCK_PI, -> ETIMEDOUT
 *                            whose timeout is always absolute REALTIME)
 *   mq-timedreceive S        mq_timedreceive on an empty queue (REALTIME);      -> ETIMEDOUT
 *                            result=ENOSYS (exit 4) when mq_open fails, with
 *                            detail= its errno (a kernel without POSIX queues)
 *   sleep-steps CLOCK S      S seconds of relative clock_nanosleep calls of at  -> OK
 *                            most one second each (adds steps=N)
 *   poll-timeout S           poll on an empty pipe: returns 0                 -> ETIMEDOUT
 *   poll-ready S             poll on a pipe with a byte in it: returns 1 at once -> OK
 *   select-timeout S         select on an empty pipe with a timeval; adds      -> ETIMEDOUT
 *                            remaining= (the timeval after: Linux writes the
 *                            time left in it, 0 after a timeout)
 *   epoll-timeout S          epoll_wait on an empty pipe: returns 0           -> ETIMEDOUT
 *   rel-timerfd CLOCK S      timerfd_settime relative, block in read()         -> OK
 *   timerfd-poll CLOCK S     the same, waiting in poll() without a timeout first -> OK
 *   timerfd-epoll CLOCK S    the same, waiting in epoll_wait() without a timeout -> OK
 *   rel-timer CLOCK S        timer_create + relative timer_settime, sigwaitinfo -> OK
 *   alarm S                  alarm(S) (whole seconds), pause() until SIGALRM   -> OK
 *   itimer S                 setitimer(ITIMER_REAL), sigsuspend until SIGALRM  -> OK
 *   timerfd-ticks S          a timerfd firing every second, read until S       -> OK
 *                            expirations were counted (adds steps= reads)
 *   alarm-sleep S            alarm(S) with a handler, then nanosleep(2 S): the -> EINTR
 *                            alarm cuts the sleep short after S
 *   itimer-epoll S           a 1 s periodic ITIMER_REAL taken by a sigwait     -> ETIMEDOUT
 *                            thread while main waits in epoll_wait(S) on an
 *                            empty pipe (adds steps= the ticks counted by then)
 *   alarm-clock-sleep CLOCK S  alarm-sleep with a relative clock_nanosleep on  -> EINTR
 *                            CLOCK; both add remaining= (the time left the call
 *                            reported: about S)
 *   alarm-guard S            alarm(S) with its default action (it kills), then -> OK
 *                            a child makes 200 nanosleep calls of 2 ms while this
 *                            process waits for it (adds steps= the child's sleeps:
 *                            200 when it finished)
 *   timerfd-unread INTERVAL S  a timerfd firing every INTERVAL s, not read      -> OK
 *                            during a nanosleep(S), then read once (adds
 *                            expirations= what that read returned)
 *   cpu-timer-process S      a POSIX timer on CLOCK_PROCESS_CPUTIME_ID of S,   -> OK
 *                            this thread spinning until its signal: elapsed is
 *                            CPU time; adds remaining= (timer_gettime just after
 *                            arming)
 *   cpu-timer-thread S       the same on CLOCK_THREAD_CPUTIME_ID               -> OK
 *   busy-waits S             a thread spins on the CPU while this one makes    -> OK
 *                            short timed waits for S seconds (MONOTONIC): in
 *                            turn a 100 us nanosleep, a 1 ms poll, a 200 us
 *                            condition variable wait (a futex), as a runtime's
 *                            timers do; adds steps= the waits made. Under --warp
 *                            nothing can jump while the thread spins: elapsed is
 *                            about S, as natively
 *   step-while-blocked S STEP  a thread sleeps in clock_nanosleep(REALTIME,    -> OK
 *                            TIMER_ABSTIME, now + S); 0.3 s later (MONOTONIC) the
 *                            main thread calls settimeofday(now + STEP); prints
 *                            elapsed on MONOTONIC for the sleeper (clock=REALTIME
 *                            is the clock slept on), step=STEP, set=OK or the
 *                            error, realtime_elapsed= and overshoot= (REALTIME at
 *                            wake-up minus the deadline: never negative for a real
 *                            clock). A real REALTIME wakes the sleeper when it
 *                            reaches the deadline, so after max(0.3, S - STEP) s.
 *   step-timerfd S STEP      the same with a TFD_TIMER_ABSTIME REALTIME timerfd  -> OK
 *                            the thread reads
 *   step-timer S STEP        the same with a TIMER_ABSTIME REALTIME POSIX timer  -> OK
 *                            whose signal the thread takes with sigwaitinfo
 *   cancel-on-set S STEP     a TFD_TIMER_ABSTIME|TFD_TIMER_CANCEL_ON_SET timerfd -> ECANCELED
 *                            the thread reads: the clock set cancels it at once
 *   cancel-on-set-poll S STEP  the same, polled (no timeout) before the read    -> ECANCELED
 *
 * !!! step-while-blocked sets CLOCK_REALTIME. It refuses to run (exit 3) as root
 * !!! unless TIMENS_TEST_ALLOW_SET=1, which the tests set only when they run it
 * !!! under bin/timens (after ClockSafety has proved timens intercepts settings).
 */
#include "probe.h"

#include <ctype.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#define NSEC 1000000000L

#define EXIT_EXPECTED 0
#define EXIT_UNEXPECTED 1
#define EXIT_USAGE 2
#define EXIT_REFUSED 3
#define EXIT_UNSUPPORTED 4

static void usage(const char *msg)
{
    fprintf(stderr, "timerprobe: %s\n"
            "usage: timerprobe abs-nanosleep|rel-nanosleep|abs-timerfd|abs-timer CLOCK SECONDS\n"
            "       timerprobe cond-clockwait|sem-clockwait CLOCK SECONDS\n"
            "       timerprobe cond-timedwait|cond-monotonic|sem-timedwait|mutex-timedlock"
            "|mutex-pi-timedlock|mq-timedreceive SECONDS\n"
            "       timerprobe step-while-blocked|step-timerfd|step-timer|cancel-on-set|cancel-on-set-poll"
            " SECONDS STEP\n"
            "       timerprobe timerfd-unread INTERVAL SECONDS\n", msg);
    exit(EXIT_USAGE);
}

/* A setup step failed (not the wait under test): nothing can be measured. */
static void die(const char *what, int err)
{
    fprintf(stderr, "timerprobe: %s: %s\n", what, errno_name(err));
    exit(EXIT_UNEXPECTED);
}

/* A signed decimal number of seconds ("1", "-10", "0.25") in normalised form. */
static struct timespec parse_seconds(const char *s)
{
    int64_t sec;
    long nsec;
    if (probe_parse_seconds(s, &sec, &nsec) != 0)
        usage("bad number of seconds");
    struct timespec ts = { .tv_sec = sec, .tv_nsec = nsec };
    return ts;
}

static const struct { const char *name; clockid_t id; } clocks[] = {
    { "REALTIME", CLOCK_REALTIME },
    { "MONOTONIC", CLOCK_MONOTONIC },
    { "BOOTTIME", CLOCK_BOOTTIME },
    { "PROCESS_CPUTIME", CLOCK_PROCESS_CPUTIME_ID },
    { "THREAD_CPUTIME", CLOCK_THREAD_CPUTIME_ID },
};

static clockid_t parse_clock(const char *name)
{
    for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++)
        if (strcmp(name, clocks[i].name) == 0)
            return clocks[i].id;
    usage("CLOCK must be REALTIME, MONOTONIC or BOOTTIME");
    return 0;
}

static const char *clock_name(clockid_t id)
{
    for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++)
        if (clocks[i].id == id)
            return clocks[i].name;
    return "?";
}

static struct timespec ts_add(struct timespec a, struct timespec b)
{
    struct timespec r = { a.tv_sec + b.tv_sec, a.tv_nsec + b.tv_nsec };
    if (r.tv_nsec >= NSEC) {
        r.tv_sec++;
        r.tv_nsec -= NSEC;
    }
    return r;
}

static struct timespec ts_sub(struct timespec a, struct timespec b)
{
    struct timespec r = { a.tv_sec - b.tv_sec, a.tv_nsec - b.tv_nsec };
    if (r.tv_nsec < 0) {
        r.tv_sec--;
        r.tv_nsec += NSEC;
    }
    return r;
}

static struct timespec now(clockid_t clock)
{
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0)
        die("clock_gettime", errno);
    return ts;
}

/* What one wait did; printed as the TIMER line. */
struct outcome {
    clockid_t clock;
    struct timespec start;  /* on `clock`, just before the wait; deadline = start + requested */
    struct timespec end;    /* on `clock`, just after it */
    int err;                /* 0: the wait ended normally; else the errno it gave */
    int has_remaining;
    struct timespec remaining;
};

static const char *mode;
static struct timespec requested;

static const char *result_name(int err)
{
    return err == 0 ? "OK" : errno_name(err);
}

/* Prints the TIMER line up to its mode-specific fields; end_line() finishes it. */
static void begin_timer(const struct outcome *o)
{
    struct timespec elapsed = ts_sub(o->end, o->start);
    printf("TIMER mode=%s clock=%s", mode, clock_name(o->clock));
    put_ts("requested", &requested);
    put_ts("elapsed", &elapsed);
    printf(" result=%s lang=%s", result_name(o->err), PROBE_LANG);
    if (o->has_remaining)
        put_ts("remaining", &o->remaining);
}

static void end_line(void)
{
    printf("\n");
    fflush(stdout);
}

/* ---- the waits ------------------------------------------------------------ */

static void abs_nanosleep(struct outcome *o)
{
    o->start = now(o->clock);
    struct timespec deadline = ts_add(o->start, requested);
    o->err = clock_nanosleep(o->clock, TIMER_ABSTIME, &deadline, NULL);
    o->end = now(o->clock);
}

static void rel_nanosleep(struct outcome *o)
{
    o->start = now(o->clock);
    o->err = clock_nanosleep(o->clock, 0, &requested, NULL);
    o->end = now(o->clock);
}

static int steps;

static void sleep_steps(struct outcome *o)
{
    o->start = now(o->clock);
    struct timespec left = requested;
    while (left.tv_sec > 0 || left.tv_nsec > 0) {
        struct timespec step = left.tv_sec > 0 ? (struct timespec){ 1, 0 } : left;
        o->err = clock_nanosleep(o->clock, 0, &step, NULL);
        if (o->err != 0)
            break;
        steps++;
        left = left.tv_sec > 0 ? (struct timespec){ left.tv_sec - 1, left.tv_nsec } : (struct timespec){ 0, 0 };
    }
    o->end = now(o->clock);
}

/* A pipe, with one byte in it when `ready`. */
static void pipe_with(int fds[2], int ready)
{
    if (pipe(fds) != 0)
        die("pipe", errno);
    if (ready && write(fds[1], "x", 1) != 1)
        die("write", errno);
}

static int requested_ms(void)
{
    return (int)(requested.tv_sec * 1000 + requested.tv_nsec / 1000000);
}

static void poll_pipe(struct outcome *o, int ready)
{
    int fds[2];
    pipe_with(fds, ready);
    struct pollfd p = { .fd = fds[0], .events = POLLIN };
    o->start = now(o->clock);
    int n = poll(&p, 1, requested_ms());
    o->end = now(o->clock);
    o->err = n < 0 ? errno : n == 0 ? ETIMEDOUT : 0;
}

static void poll_timeout(struct outcome *o) { poll_pipe(o, 0); }
static void poll_ready(struct outcome *o) { poll_pipe(o, 1); }

static void select_timeout(struct outcome *o)
{
    int fds[2];
    pipe_with(fds, 0);
    fd_set in;
    FD_ZERO(&in);
    FD_SET(fds[0], &in);
    struct timeval tv = { requested.tv_sec, requested.tv_nsec / 1000 };
    o->start = now(o->clock);
    int n = select(fds[0] + 1, &in, NULL, NULL, &tv);
    o->end = now(o->clock);
    o->err = n < 0 ? errno : n == 0 ? ETIMEDOUT : 0;
    o->has_remaining = 1;
    o->remaining = (struct timespec){ tv.tv_sec, tv.tv_usec * 1000 };
}

/* An epoll instance watching the read end of an empty pipe. */
static int empty_pipe_epoll(void)
{
    int fds[2];
    pipe_with(fds, 0);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN };
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev) != 0)
        die("epoll", errno);
    return ep;
}

static void epoll_timeout(struct outcome *o)
{
    int ep = empty_pipe_epoll();
    struct epoll_event ev;
    o->start = now(o->clock);
    int n = epoll_wait(ep, &ev, 1, requested_ms());
    o->end = now(o->clock);
    o->err = n < 0 ? errno : n == 0 ? ETIMEDOUT : 0;
}

static void abs_timerfd(struct outcome *o)
{
    int fd = timerfd_create(o->clock, TFD_CLOEXEC);
    if (fd < 0)
        die("timerfd_create", errno);
    o->start = now(o->clock);
    struct itimerspec its = { .it_value = ts_add(o->start, requested) };
    if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
        die("timerfd_settime", errno);
    struct itimerspec cur;
    if (timerfd_gettime(fd, &cur) != 0)
        die("timerfd_gettime", errno);
    o->has_remaining = 1;
    o->remaining = cur.it_value;
    uint64_t expirations;
    ssize_t n = read(fd, &expirations, sizeof expirations);
    o->err = n == (ssize_t)sizeof expirations ? 0 : n < 0 ? errno : EIO;
    o->end = now(o->clock);
    close(fd);
}

/* A relative timerfd of `requested`, waited for by read (how 0), poll (1) or epoll (2) first. */
static void rel_timerfd_wait(struct outcome *o, int how)
{
    int fd = timerfd_create(o->clock, TFD_CLOEXEC);
    if (fd < 0)
        die("timerfd_create", errno);
    o->start = now(o->clock);
    struct itimerspec its = { .it_value = requested };
    if (timerfd_settime(fd, 0, &its, NULL) != 0)
        die("timerfd_settime", errno);
    if (how == 1) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, -1) != 1)
            die("poll", errno);
    } else if (how == 2) {
        int ep = epoll_create1(EPOLL_CLOEXEC);
        struct epoll_event ev = { .events = EPOLLIN };
        if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0 || epoll_wait(ep, &ev, 1, -1) != 1)
            die("epoll", errno);
        close(ep);
    }
    uint64_t expirations;
    ssize_t n = read(fd, &expirations, sizeof expirations);
    o->err = n == (ssize_t)sizeof expirations ? 0 : n < 0 ? errno : EIO;
    o->end = now(o->clock);
    close(fd);
}

static void rel_timerfd(struct outcome *o) { rel_timerfd_wait(o, 0); }
static void timerfd_poll(struct outcome *o) { rel_timerfd_wait(o, 1); }
static void timerfd_epoll(struct outcome *o) { rel_timerfd_wait(o, 2); }

static volatile sig_atomic_t alarmed;

static void on_alarm(int sig)
{
    (void)sig;
    alarmed = 1;
}

/* ITIMER_REAL through alarm() (use_alarm) or setitimer(), waited for in pause() or sigsuspend(). */
static void real_timer(struct outcome *o, int use_alarm)
{
    struct sigaction sa = { .sa_handler = on_alarm };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, &old);
    o->start = now(o->clock);
    if (use_alarm) {
        alarm((unsigned)requested.tv_sec);
    } else {
        struct itimerval it = { .it_value = { requested.tv_sec, requested.tv_nsec / 1000 } };
        if (setitimer(ITIMER_REAL, &it, NULL) != 0)
            die("setitimer", errno);
    }
    while (!alarmed) {
        if (use_alarm) {
            sigprocmask(SIG_SETMASK, &old, NULL);
            if (!alarmed)
                pause(); /* a race with the signal is harmless here: alarm takes seconds */
            sigprocmask(SIG_BLOCK, &block, NULL);
        } else {
            sigsuspend(&old);
        }
    }
    o->end = now(o->clock);
    o->err = 0;
}

/*
 * alarm-sleep and alarm-clock-sleep: a sleep of twice the request, cut short by
 * alarm(request); through nanosleep, or a relative clock_nanosleep on o->clock.
 */
static void alarm_cut_sleep(struct outcome *o, int clock_call)
{
    struct sigaction sa = { .sa_handler = on_alarm };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct timespec twice = ts_add(requested, requested);
    o->start = now(o->clock);
    alarm((unsigned)requested.tv_sec);
    if (clock_call)
        o->err = clock_nanosleep(o->clock, 0, &twice, &twice);
    else
        o->err = nanosleep(&twice, &twice) == 0 ? 0 : errno;
    o->end = now(o->clock);
    o->has_remaining = 1;
    o->remaining = twice;
}

static void alarm_sleep(struct outcome *o)
{
    alarm_cut_sleep(o, 0);
}

static void alarm_clock_sleep(struct outcome *o)
{
    alarm_cut_sleep(o, 1);
}

/*
 * A test harness's guard: alarm(S) kills the process if what it waits for takes
 * too long. What it waits for, a child sleeping 200 times 2 ms, takes 0.4 s.
 */
static void alarm_guard(struct outcome *o)
{
    o->start = now(o->clock);
    alarm((unsigned)requested.tv_sec);
    pid_t child = fork();
    if (child < 0)
        die("fork", errno);
    if (child == 0) {
        for (int i = 0; i < 200; i++) {
            struct timespec step = { 0, 2000000 };
            if (nanosleep(&step, NULL) != 0)
                _exit(1);
        }
        _exit(0);
    }
    int status;
    if (waitpid(child, &status, 0) != child)
        die("waitpid", errno);
    o->end = now(o->clock);
    o->err = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : ECHILD;
    steps = o->err == 0 ? 200 : 0;
    alarm(0);
}

static struct timespec interval;
static uint64_t expirations;

/* A periodic timerfd nobody reads for S seconds: its expirations add up, and one read takes them all. */
static void timerfd_unread(struct outcome *o)
{
    int fd = timerfd_create(o->clock, TFD_CLOEXEC);
    if (fd < 0)
        die("timerfd_create", errno);
    o->start = now(o->clock);
    struct itimerspec its = { .it_interval = interval, .it_value = interval };
    if (timerfd_settime(fd, 0, &its, NULL) != 0)
        die("timerfd_settime", errno);
    struct timespec left = requested;
    while (nanosleep(&left, &left) != 0)
        if (errno != EINTR)
            die("nanosleep", errno);
    o->err = read(fd, &expirations, sizeof expirations) == (ssize_t)sizeof expirations ? 0 : errno;
    o->end = now(o->clock);
    close(fd);
}

static volatile sig_atomic_t cpu_timer_fired;

static void on_cpu_timer(int sig)
{
    (void)sig;
    cpu_timer_fired = 1;
}

static volatile int spinning = 1;

static void *spin(void *arg)
{
    (void)arg;
    while (__atomic_load_n(&spinning, __ATOMIC_RELAXED)) {
    }
    return NULL;
}

/* Short timed waits of three kinds beside a thread busy on the CPU, until S seconds have passed. */
static void busy_waits(struct outcome *o)
{
    pthread_t spinner;
    int err = pthread_create(&spinner, NULL, spin, NULL);
    if (err != 0)
        die("pthread_create", err);
    pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&cond, &attr);
    o->start = now(o->clock);
    struct timespec end = ts_add(o->start, requested);
    o->err = 0;
    for (;;) {
        struct timespec t = now(o->clock);
        if (t.tv_sec > end.tv_sec || (t.tv_sec == end.tv_sec && t.tv_nsec >= end.tv_nsec))
            break;
        if (steps % 3 == 0) {
            struct timespec d = { 0, 100000 };
            if (nanosleep(&d, NULL) != 0)
                o->err = errno;
        } else if (steps % 3 == 1) {
            if (poll(NULL, 0, 1) != 0)
                o->err = errno;
        } else {
            pthread_mutex_lock(&mutex);
            struct timespec deadline = ts_add(t, (struct timespec){ 0, 200000 });
            int r = pthread_cond_timedwait(&cond, &mutex, &deadline);
            pthread_mutex_unlock(&mutex);
            if (r != ETIMEDOUT)
                o->err = r;
        }
        if (o->err != 0)
            break;
        steps++;
    }
    o->end = now(o->clock);
    __atomic_store_n(&spinning, 0, __ATOMIC_RELAXED);
    pthread_join(spinner, NULL);
}

/* A POSIX timer on a CPU-time clock: it fires after S seconds of CPU time, whatever the namespace's clocks do. */
static void cpu_timer(struct outcome *o)
{
    struct sigaction sa = { .sa_handler = on_cpu_timer };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGRTMIN, &sa, NULL);
    struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN };
    timer_t timer;
    if (timer_create(o->clock, &sev, &timer) != 0)
        die("timer_create", errno);
    o->start = now(o->clock);
    struct itimerspec its = { .it_value = requested };
    if (timer_settime(timer, 0, &its, NULL) != 0)
        die("timer_settime", errno);
    struct itimerspec cur;
    if (timer_gettime(timer, &cur) != 0)
        die("timer_gettime", errno);
    o->has_remaining = 1;
    o->remaining = cur.it_value;
    /* Spins on the CPU; gives up after 32 times the CPU time asked for. */
    struct timespec limit = requested;
    for (int i = 0; i < 4; i++)
        limit = ts_add(limit, limit);
    limit = ts_add(o->start, ts_add(limit, limit));
    o->err = ETIMEDOUT;
    for (unsigned long spins = 1; !cpu_timer_fired; spins++) {
        if (spins % (1UL << 20) != 0)
            continue;
        struct timespec t = now(o->clock);
        if (t.tv_sec > limit.tv_sec || (t.tv_sec == limit.tv_sec && t.tv_nsec > limit.tv_nsec))
            break;
    }
    o->end = now(o->clock);
    if (cpu_timer_fired)
        o->err = 0;
    timer_delete(timer);
}

static sigset_t alarm_set;
static volatile int ticks;

static void *count_alarms(void *unused)
{
    (void)unused;
    for (;;) {
        int sig;
        if (sigwait(&alarm_set, &sig) == 0)
            ticks++;
    }
    return NULL;
}

static void itimer_epoll(struct outcome *o)
{
    sigemptyset(&alarm_set);
    sigaddset(&alarm_set, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &alarm_set, NULL);
    pthread_t counter;
    int r = pthread_create(&counter, NULL, count_alarms, NULL);
    if (r != 0)
        die("pthread_create", r);
    int ep = empty_pipe_epoll();
    struct epoll_event ev;
    struct itimerval it = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
    o->start = now(o->clock);
    if (setitimer(ITIMER_REAL, &it, NULL) != 0)
        die("setitimer", errno);
    int n = epoll_wait(ep, &ev, 1, requested_ms());
    o->end = now(o->clock);
    o->err = n < 0 ? errno : n == 0 ? ETIMEDOUT : 0;
    steps = ticks;
}

static void alarm_mode(struct outcome *o) { real_timer(o, 1); }
static void itimer_mode(struct outcome *o) { real_timer(o, 0); }

/* A timerfd firing every second; reads until `requested` whole seconds of expirations were counted. */
static void timerfd_ticks(struct outcome *o)
{
    int fd = timerfd_create(o->clock, TFD_CLOEXEC);
    if (fd < 0)
        die("timerfd_create", errno);
    o->start = now(o->clock);
    struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
    if (timerfd_settime(fd, 0, &its, NULL) != 0)
        die("timerfd_settime", errno);
    uint64_t total = 0;
    o->err = 0;
    while (total < (uint64_t)requested.tv_sec) {
        uint64_t expirations;
        ssize_t n = read(fd, &expirations, sizeof expirations);
        if (n != (ssize_t)sizeof expirations) {
            o->err = n < 0 ? errno : EIO;
            break;
        }
        total += expirations;
        steps++;
    }
    o->end = now(o->clock);
    close(fd);
}

/* A POSIX timer signalling SIGRTMIN after `requested` (absolute: at now + requested), taken with sigwaitinfo. */
static void posix_timer(struct outcome *o, int absolute)
{
    /* Blocked before the timer exists, so the signal stays pending for sigwaitinfo. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        die("sigprocmask", errno);
    struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN };
    timer_t timer;
    if (timer_create(o->clock, &sev, &timer) != 0)
        die("timer_create", errno);
    o->start = now(o->clock);
    struct itimerspec its = { .it_value = absolute ? ts_add(o->start, requested) : requested };
    if (timer_settime(timer, absolute ? TIMER_ABSTIME : 0, &its, NULL) != 0)
        die("timer_settime", errno);
    if (absolute) {
        struct itimerspec cur;
        if (timer_gettime(timer, &cur) != 0)
            die("timer_gettime", errno);
        o->has_remaining = 1;
        o->remaining = cur.it_value;
    }
    siginfo_t info;
    int sig = sigwaitinfo(&set, &info);
    o->err = sig == SIGRTMIN ? 0 : sig < 0 ? errno : EINTR;
    o->end = now(o->clock);
    timer_delete(timer);
}

static void abs_timer(struct outcome *o) { posix_timer(o, 1); }
static void rel_timer(struct outcome *o) { posix_timer(o, 0); }

/* pthread_cond_timedwait/clockwait on a condition nobody signals. */
static void cond_wait(struct outcome *o, int use_attr_clock, int use_clockwait)
{
    pthread_condattr_t attr;
    pthread_cond_t cond;
    pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
    pthread_condattr_init(&attr);
    if (use_attr_clock && pthread_condattr_setclock(&attr, o->clock) != 0)
        die("pthread_condattr_setclock", EINVAL);
    pthread_cond_init(&cond, &attr);
    pthread_mutex_lock(&mutex);
    o->start = now(o->clock);
    struct timespec deadline = ts_add(o->start, requested);
    int r;
    do {
        /* 0 would be a spurious wake-up (nobody signals): wait again for the same deadline. */
        r = use_clockwait ? pthread_cond_clockwait(&cond, &mutex, o->clock, &deadline)
                          : pthread_cond_timedwait(&cond, &mutex, &deadline);
    } while (r == 0);
    o->err = r;
    o->end = now(o->clock);
    pthread_mutex_unlock(&mutex);
}

static void sem_wait_timed(struct outcome *o, int use_clockwait)
{
    sem_t sem;
    if (sem_init(&sem, 0, 0) != 0)
        die("sem_init", errno);
    o->start = now(o->clock);
    struct timespec deadline = ts_add(o->start, requested);
    int r;
    do {
        r = use_clockwait ? sem_clockwait(&sem, o->clock, &deadline) : sem_timedwait(&sem, &deadline);
    } while (r != 0 && errno == EINTR);
    o->err = r == 0 ? EAGAIN : errno; /* 0: a token nobody posted, not a timeout */
    o->end = now(o->clock);
}

/* The other thread of the mutex modes: takes the mutex, says so, keeps it until exit. */
static pthread_mutex_t held;
static sem_t holder_ready;

static void *hold_mutex(void *unused)
{
    (void)unused;
    int r = pthread_mutex_lock(&held);
    if (r != 0)
        die("pthread_mutex_lock (holder)", r);
    sem_post(&holder_ready);
    for (;;)
        pause();
    return NULL;
}

static void mutex_timedlock(struct outcome *o, int priority_inherit)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    if (priority_inherit) {
        int r = pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT);
        if (r != 0)
            die("pthread_mutexattr_setprotocol", r);
    }
    pthread_mutex_init(&held, &attr);
    sem_init(&holder_ready, 0, 0);
    pthread_t holder;
    int r = pthread_create(&holder, NULL, hold_mutex, NULL);
    if (r != 0)
        die("pthread_create", r);
    while (sem_wait(&holder_ready) != 0)
        ;
    o->start = now(o->clock);
    struct timespec deadline = ts_add(o->start, requested);
    r = pthread_mutex_timedlock(&held, &deadline);
    o->err = r == 0 ? EAGAIN : r; /* 0: got a mutex that is held, not a timeout */
    o->end = now(o->clock);
}

/* Returns 0, or the errno of mq_open when this machine has no usable POSIX queues. */
static int mq_timedreceive_empty(struct outcome *o)
{
    char name[64];
    snprintf(name, sizeof name, "/timerprobe-%ld", (long)getpid());
    struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = 16 };
    mqd_t q = mq_open(name, O_RDONLY | O_CREAT | O_EXCL, 0600, &attr);
    if (q == (mqd_t)-1)
        return errno;
    mq_unlink(name);
    char buf[16];
    o->start = now(o->clock);
    struct timespec deadline = ts_add(o->start, requested);
    ssize_t n;
    do {
        n = mq_timedreceive(q, buf, sizeof buf, NULL, &deadline);
    } while (n < 0 && errno == EINTR);
    o->err = n < 0 ? errno : EAGAIN; /* a message from an empty queue: not a timeout */
    o->end = now(o->clock);
    mq_close(q);
    return 0;
}

/* ---- step-while-blocked --------------------------------------------------- */

enum step_kind { STEP_NANOSLEEP, STEP_TIMERFD, STEP_TIMER, STEP_CANCEL, STEP_CANCEL_POLL };

struct sleeper {
    enum step_kind kind;
    sem_t armed;               /* posted just before the sleeper blocks */
    struct timespec deadline;  /* REALTIME */
    struct timespec mono_start, mono_end, real_start, real_end;
    int err;
};

static void *sleep_until_deadline(void *arg)
{
    struct sleeper *s = arg;
    s->mono_start = now(CLOCK_MONOTONIC);
    s->real_start = now(CLOCK_REALTIME);
    s->deadline = ts_add(s->real_start, requested);
    struct itimerspec its = { .it_value = s->deadline };
    if (s->kind == STEP_NANOSLEEP) {
        sem_post(&s->armed);
        s->err = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &s->deadline, NULL);
    } else if (s->kind == STEP_TIMER) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGRTMIN);
        struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN };
        timer_t timer;
        if (timer_create(CLOCK_REALTIME, &sev, &timer) != 0 || timer_settime(timer, TIMER_ABSTIME, &its, NULL) != 0)
            die("timer", errno);
        sem_post(&s->armed);
        siginfo_t info;
        int sig = sigwaitinfo(&set, &info);
        s->err = sig == SIGRTMIN ? 0 : sig < 0 ? errno : EINTR;
    } else {
        int fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
        int flags = TFD_TIMER_ABSTIME | (s->kind == STEP_TIMERFD ? 0 : TFD_TIMER_CANCEL_ON_SET);
        if (fd < 0 || timerfd_settime(fd, flags, &its, NULL) != 0)
            die("timerfd", errno);
        sem_post(&s->armed);
        if (s->kind == STEP_CANCEL_POLL) {
            struct pollfd p = { .fd = fd, .events = POLLIN };
            while (poll(&p, 1, -1) < 0 && errno == EINTR)
                ;
        }
        uint64_t expirations;
        ssize_t n = read(fd, &expirations, sizeof expirations);
        s->err = n == (ssize_t)sizeof expirations ? 0 : n < 0 ? errno : EIO;
        close(fd);
    }
    s->real_end = now(CLOCK_REALTIME);
    s->mono_end = now(CLOCK_MONOTONIC);
    return NULL;
}

static int step_while_blocked(enum step_kind kind, const char *step_arg)
{
    const char *allow = getenv("TIMENS_TEST_ALLOW_SET");
    if (geteuid() == 0 && !(allow && strcmp(allow, "1") == 0)) {
        fprintf(stderr, "timerprobe: step-while-blocked sets CLOCK_REALTIME: refusing to run as root"
                " outside timens (the tests set TIMENS_TEST_ALLOW_SET=1 under bin/timens only)\n");
        return EXIT_REFUSED;
    }
    struct timespec step = parse_seconds(step_arg);
    struct sleeper s = { .kind = kind };
    sem_init(&s.armed, 0, 0);
    /* The timer's signal must wait for the sleeper's sigwaitinfo, in every thread. */
    sigset_t rt;
    sigemptyset(&rt);
    sigaddset(&rt, SIGRTMIN);
    pthread_sigmask(SIG_BLOCK, &rt, NULL);
    pthread_t thread;
    int r = pthread_create(&thread, NULL, sleep_until_deadline, &s);
    if (r != 0)
        die("pthread_create", r);
    while (sem_wait(&s.armed) != 0)
        ;
    /* The sleeper is blocked (or about to be: 0.3 s is plenty) when the clock moves. */
    struct timespec delay = { 0, 300000000L };
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &delay, &delay) == EINTR)
        ;
    struct timespec target = ts_add(now(CLOCK_REALTIME), step);
    struct timeval tv = { .tv_sec = target.tv_sec, .tv_usec = target.tv_nsec / 1000 };
    int set_err = settimeofday(&tv, NULL) == 0 ? 0 : errno;
    pthread_join(thread, NULL);

    struct outcome o = { .clock = CLOCK_REALTIME, .start = s.mono_start, .end = s.mono_end, .err = s.err };
    struct timespec real_elapsed = ts_sub(s.real_end, s.real_start);
    struct timespec overshoot = ts_sub(s.real_end, s.deadline);
    begin_timer(&o);
    printf(" step=%s set=%s", step_arg, result_name(set_err));
    put_ts("realtime_elapsed", &real_elapsed);
    put_ts("overshoot", &overshoot);
    end_line();
    int expected = kind == STEP_CANCEL || kind == STEP_CANCEL_POLL ? ECANCELED : 0;
    return s.err == expected && set_err == 0 ? EXIT_EXPECTED : EXIT_UNEXPECTED;
}

/* ---- main ------------------------------------------------------------------ */

static void cond_timedwait(struct outcome *o) { cond_wait(o, 0, 0); }
static void cond_monotonic(struct outcome *o) { cond_wait(o, 1, 0); }
static void cond_clockwait(struct outcome *o) { cond_wait(o, 0, 1); }
static void sem_timedwait_mode(struct outcome *o) { sem_wait_timed(o, 0); }
static void sem_clockwait_mode(struct outcome *o) { sem_wait_timed(o, 1); }
static void mutex_plain(struct outcome *o) { mutex_timedlock(o, 0); }
static void mutex_pi(struct outcome *o) { mutex_timedlock(o, 1); }

static const struct mode {
    const char *name;
    int takes_clock;       /* else the wait is on `clock` */
    clockid_t clock;
    int expect_timeout;    /* the call is to fail with ETIMEDOUT; else to return normally */
    void (*wait)(struct outcome *);
} modes[] = {
    { "abs-nanosleep", 1, 0, 0, abs_nanosleep },
    { "rel-nanosleep", 1, 0, 0, rel_nanosleep },
    { "abs-timerfd", 1, 0, 0, abs_timerfd },
    { "abs-timer", 1, 0, 0, abs_timer },
    { "cond-timedwait", 0, CLOCK_REALTIME, 1, cond_timedwait },
    { "cond-monotonic", 0, CLOCK_MONOTONIC, 1, cond_monotonic },
    { "cond-clockwait", 1, 0, 1, cond_clockwait },
    { "sem-timedwait", 0, CLOCK_REALTIME, 1, sem_timedwait_mode },
    { "sem-clockwait", 1, 0, 1, sem_clockwait_mode },
    { "mutex-timedlock", 0, CLOCK_REALTIME, 1, mutex_plain },
    { "mutex-pi-timedlock", 0, CLOCK_REALTIME, 1, mutex_pi },
    { "mq-timedreceive", 0, CLOCK_REALTIME, 1, NULL }, /* special: may be unsupported */
    { "sleep-steps", 1, 0, 0, sleep_steps },
    { "poll-timeout", 0, CLOCK_MONOTONIC, 1, poll_timeout },
    { "poll-ready", 0, CLOCK_MONOTONIC, 0, poll_ready },
    { "select-timeout", 0, CLOCK_MONOTONIC, 1, select_timeout },
    { "epoll-timeout", 0, CLOCK_MONOTONIC, 1, epoll_timeout },
    { "rel-timerfd", 1, 0, 0, rel_timerfd },
    { "timerfd-poll", 1, 0, 0, timerfd_poll },
    { "timerfd-epoll", 1, 0, 0, timerfd_epoll },
    { "rel-timer", 1, 0, 0, rel_timer },
    { "alarm", 0, CLOCK_MONOTONIC, 0, alarm_mode },
    { "itimer", 0, CLOCK_MONOTONIC, 0, itimer_mode },
    { "timerfd-ticks", 0, CLOCK_MONOTONIC, 0, timerfd_ticks },
    { "alarm-sleep", 0, CLOCK_MONOTONIC, 0, alarm_sleep },
    { "itimer-epoll", 0, CLOCK_MONOTONIC, 1, itimer_epoll },
    { "alarm-clock-sleep", 1, 0, 0, alarm_clock_sleep },
    { "alarm-guard", 0, CLOCK_MONOTONIC, 0, alarm_guard },
    { "timerfd-unread", 0, CLOCK_MONOTONIC, 0, timerfd_unread },
    { "cpu-timer-process", 0, CLOCK_PROCESS_CPUTIME_ID, 0, cpu_timer },
    { "cpu-timer-thread", 0, CLOCK_THREAD_CPUTIME_ID, 0, cpu_timer },
    { "busy-waits", 0, CLOCK_MONOTONIC, 0, busy_waits },
};

static const struct { const char *name; enum step_kind kind; } step_modes[] = {
    { "step-while-blocked", STEP_NANOSLEEP },
    { "step-timerfd", STEP_TIMERFD },
    { "step-timer", STEP_TIMER },
    { "cancel-on-set", STEP_CANCEL },
    { "cancel-on-set-poll", STEP_CANCEL_POLL },
};

int main(int argc, char **argv)
{
    if (argc < 2)
        usage("no MODE");
    mode = argv[1];
    for (size_t i = 0; i < sizeof step_modes / sizeof step_modes[0]; i++) {
        if (strcmp(mode, step_modes[i].name))
            continue;
        if (argc != 4)
            usage("this MODE takes SECONDS STEP");
        requested = parse_seconds(argv[2]);
        return step_while_blocked(step_modes[i].kind, argv[3]);
    }
    const struct mode *m = NULL;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (!strcmp(mode, modes[i].name))
            m = &modes[i];
    if (!m)
        usage("unknown MODE");
    if (!strcmp(mode, "timerfd-unread")) {
        /* Two numbers: INTERVAL S. */
        if (argc != 4)
            usage("this MODE takes INTERVAL SECONDS");
        interval = parse_seconds(argv[2]);
        if (interval.tv_sec < 0 || (interval.tv_sec == 0 && interval.tv_nsec == 0))
            usage("INTERVAL must be above zero");
        argv[2] = argv[3];
        argc--;
    }
    if (argc != (m->takes_clock ? 4 : 3))
        usage(m->takes_clock ? "this MODE takes CLOCK SECONDS" : "this MODE takes SECONDS");
    struct outcome o = { .clock = m->takes_clock ? parse_clock(argv[2]) : m->clock };
    requested = parse_seconds(argv[argc - 1]);
    if (requested.tv_sec < 0)
        usage("SECONDS must not be negative");

    if (m->wait) {
        m->wait(&o);
    } else {
        int err = mq_timedreceive_empty(&o);
        if (err != 0) {
            o.err = ENOSYS;
            o.start = o.end = now(o.clock);
            begin_timer(&o);
            printf(" detail=%s", errno_name(err));
            end_line();
            return EXIT_UNSUPPORTED;
        }
    }
    begin_timer(&o);
    if (!strcmp(mode, "sleep-steps") || !strcmp(mode, "timerfd-ticks") || !strcmp(mode, "itimer-epoll")
            || !strcmp(mode, "alarm-guard") || !strcmp(mode, "busy-waits"))
        printf(" steps=%d", steps);
    if (!strcmp(mode, "timerfd-unread"))
        printf(" expirations=%llu", (unsigned long long)expirations);
    end_line();
    int expected = !strcmp(mode, "alarm-sleep") || !strcmp(mode, "alarm-clock-sleep") ? EINTR
            : m->expect_timeout ? ETIMEDOUT : 0;
    return o.err == expected ? EXIT_EXPECTED : EXIT_UNEXPECTED;
}
