/*
 * loadprobe: many processes and threads reading the clocks at once, some
 * setting CLOCK_REALTIME, to check under load that every read is sane: the
 * time namespace's clock page is a seqlock, and a reader that raced a writer
 * must retry, never return a half-written transform.
 *
 *   loadprobe PROCS THREADS SETTERS SETS SECONDS
 *
 * forks PROCS processes of THREADS threads each (the process's main thread is
 * one of them). All of them exist at the same time: they meet at a barrier in
 * shared memory before reading. Then, for SECONDS (on CLOCK_MONOTONIC), every
 * thread reads CLOCK_REALTIME and CLOCK_MONOTONIC in a loop, while the main
 * thread of each of the first SETTERS processes also calls settimeofday SETS
 * times, spread over the run, each time to a value in [SET_BASE, SET_BASE +
 * 200 h) (SET_BASE = 2040-01-01T00:00:00Z). Prints
 *   LOAD procs=P threads=T reads=N sets=S set_errors=E backwards=B out_of_range=O regressed=R
 * where backwards counts MONOTONIC reads below the thread's previous one,
 * out_of_range REALTIME reads outside [start - 1 s, SET_BASE + 200 h + 1 h],
 * and regressed REALTIME reads below SET_BASE after the same thread had seen
 * one at or above it (every set is at or above SET_BASE, so a clock that was
 * set never goes back under it). Exits 0 when all three are 0 and every set
 * succeeded, 1 otherwise, 2 on a usage error, 3 when it refuses to run.
 *
 * !!! With SETTERS > 0 it sets CLOCK_REALTIME: it refuses to run as root
 * !!! unless TIMENS_TEST_ALLOW_SET=1, which the tests set only under bin/timens.
 */
#include "probe.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define NSEC 1000000000LL
#define SET_BASE 2208988800LL             /* 2040-01-01T00:00:00Z */
#define SET_SPAN (200LL * 3600)           /* seconds */

struct counts {
    long reads, sets, set_errors, backwards, out_of_range, regressed;
};

struct shared {
    pthread_barrier_t start;
    struct counts total;
    pthread_mutex_t lock;
};

static struct shared *shared;
static int64_t run_ns;
static int64_t low_ns;

static int64_t read_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * NSEC + ts.tv_nsec;
}

static void add(const struct counts *c)
{
    pthread_mutex_lock(&shared->lock);
    shared->total.reads += c->reads;
    shared->total.sets += c->sets;
    shared->total.set_errors += c->set_errors;
    shared->total.backwards += c->backwards;
    shared->total.out_of_range += c->out_of_range;
    shared->total.regressed += c->regressed;
    pthread_mutex_unlock(&shared->lock);
}

struct reader {
    int sets;          /* settimeofday calls this thread makes (only a setter's main thread) */
    unsigned seed;
};

static void *read_clocks(void *arg)
{
    struct reader *r = arg;
    struct counts c = { 0 };
    pthread_barrier_wait(&shared->start);
    int64_t begin = read_ns(CLOCK_MONOTONIC);
    int64_t last_mono = begin;
    int64_t high_ns = (SET_BASE + SET_SPAN + 3600) * NSEC;
    int set_above = 0;
    int done_sets = 0;
    for (;;) {
        int64_t mono = read_ns(CLOCK_MONOTONIC);
        int64_t real = read_ns(CLOCK_REALTIME);
        c.reads++;
        if (mono < last_mono)
            c.backwards++;
        last_mono = mono;
        if (real < low_ns || real > high_ns)
            c.out_of_range++;
        if (real >= SET_BASE * NSEC)
            set_above = 1;
        else if (set_above)
            c.regressed++;
        if (mono - begin >= run_ns && done_sets >= r->sets)
            break;
        if (done_sets < r->sets && mono - begin >= run_ns * done_sets / r->sets) {
            struct timeval tv = { .tv_sec = SET_BASE + rand_r(&r->seed) % SET_SPAN, .tv_usec = rand_r(&r->seed) % 1000000 };
            if (settimeofday(&tv, NULL) == 0)
                c.sets++;
            else
                c.set_errors++;
            done_sets++;
        }
        if ((c.reads & 1023) == 0)
            sched_yield(); /* thousands of threads share two CPUs: give each its turn */
    }
    add(&c);
    return NULL;
}

static void usage(const char *msg)
{
    fprintf(stderr, "loadprobe: %s\nusage: loadprobe PROCS THREADS SETTERS SETS SECONDS\n", msg);
    exit(2);
}

static void run_process(int threads, int sets, unsigned seed)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    pthread_t *ids = calloc(threads, sizeof *ids);
    struct reader *readers = calloc(threads, sizeof *readers);
    if (!ids || !readers)
        _exit(4);
    for (int i = 1; i < threads; i++) {
        readers[i].seed = seed + i;
        int err = pthread_create(&ids[i], &attr, read_clocks, &readers[i]);
        if (err != 0) {
            fprintf(stderr, "loadprobe: pthread_create: %s\n", strerror(err));
            _exit(4);
        }
    }
    readers[0].sets = sets;
    readers[0].seed = seed;
    read_clocks(&readers[0]);
    for (int i = 1; i < threads; i++)
        pthread_join(ids[i], NULL);
    _exit(0);
}

int main(int argc, char **argv)
{
    if (argc != 6)
        usage("wrong number of arguments");
    int procs = atoi(argv[1]), threads = atoi(argv[2]), setters = atoi(argv[3]), sets = atoi(argv[4]);
    double seconds = atof(argv[5]);
    if (procs < 1 || threads < 1 || setters < 0 || setters > procs || sets < 0 || seconds <= 0)
        usage("bad numbers");
    const char *allow = getenv("TIMENS_TEST_ALLOW_SET");
    if (setters > 0 && sets > 0 && geteuid() == 0 && !(allow && strcmp(allow, "1") == 0)) {
        fprintf(stderr, "loadprobe: SETTERS > 0 sets CLOCK_REALTIME: refusing to run as root outside timens\n");
        return 3;
    }
    run_ns = (int64_t)(seconds * NSEC);
    low_ns = read_ns(CLOCK_REALTIME) - NSEC;

    shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return 4;
    pthread_barrierattr_t battr;
    pthread_barrierattr_init(&battr);
    pthread_barrierattr_setpshared(&battr, PTHREAD_PROCESS_SHARED);
    pthread_barrier_init(&shared->start, &battr, (unsigned)(procs * threads));
    pthread_mutexattr_t mattr;
    pthread_mutexattr_init(&mattr);
    pthread_mutexattr_setpshared(&mattr, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&shared->lock, &mattr);

    for (int p = 0; p < procs; p++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("loadprobe: fork");
            kill(0, SIGKILL);
        }
        if (pid == 0)
            run_process(threads, p < setters ? sets : 0, 1234u + (unsigned)p * 7919u);
    }
    int failed = 0;
    for (int p = 0; p < procs; p++) {
        int status;
        if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed++;
    }
    struct counts *t = &shared->total;
    printf("LOAD procs=%d threads=%d reads=%ld sets=%ld set_errors=%ld backwards=%ld out_of_range=%ld regressed=%ld"
           " failed=%d\n", procs, procs * threads, t->reads, t->sets, t->set_errors, t->backwards, t->out_of_range,
           t->regressed, failed);
    return failed || t->set_errors || t->backwards || t->out_of_range || t->regressed ? 1 : 0;
}
