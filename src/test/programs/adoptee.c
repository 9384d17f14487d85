/*
 * adoptee: a program already running when a supervisor takes it in
 * (OnDemandSupervisor.adopt), with a thread started before and one after, and
 * a child forked after. Each reads CLOCK_REALTIME every 100 ms with the raw
 * syscall, through libc (the vDSO), gettimeofday and time, and its CPU-time
 * clock through libc, and prints
 *     ADOPTEE who=main|early|late|child n=I raw=S vdso=S tod=S time=S cpu=ok|error
 * for N rounds (argv[1]) of main, then every thread ends and main exits 0.
 * One more thread waits in epoll_wait all along (200 ms at a time), which
 * never restarts: it prints "ADOPTEE who=waiter n=0 raw=eintr" if taking the
 * process in cut one short with EINTR, which nothing natively would have.
 * PR_SET_PTRACER_ANY lets a sibling take it in where Yama's ptrace_scope is 1.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PR_SET_PTRACER_ANY
#define PR_SET_PTRACER_ANY ((unsigned long)-1)
#endif

static volatile int done;
static pthread_mutex_t out = PTHREAD_MUTEX_INITIALIZER;

static void report(const char *who, int n)
{
	struct timespec ts = { 0, 0 }, vdso = { 0, 0 }, cpu;
	struct timeval tv = { 0, 0 };
	long r = syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
	int v = clock_gettime(CLOCK_REALTIME, &vdso);
	int g = gettimeofday(&tv, NULL);
	long long t = (long long)time(NULL);
	int c = clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	pthread_mutex_lock(&out);
	if (r != 0 || v != 0 || g != 0)
		printf("ADOPTEE who=%s n=%d raw=error\n", who, n);
	else
		printf("ADOPTEE who=%s n=%d raw=%lld vdso=%lld tod=%lld time=%lld cpu=%s\n", who, n,
		       (long long)ts.tv_sec, (long long)vdso.tv_sec, (long long)tv.tv_sec, t, c == 0 ? "ok" : "error");
	fflush(stdout);
	pthread_mutex_unlock(&out);
}

static void *reader(void *name)
{
	for (int n = 0; !done; n++) {
		report(name, n);
		usleep(100000);
	}
	return NULL;
}

static void *waiter(void *unused)
{
	(void)unused;
	int ep = epoll_create1(0);
	struct epoll_event event;
	while (!done) {
		if (epoll_wait(ep, &event, 1, 200) < 0 && errno == EINTR) {
			pthread_mutex_lock(&out);
			printf("ADOPTEE who=waiter n=0 raw=eintr\n");
			fflush(stdout);
			pthread_mutex_unlock(&out);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 40;
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	pthread_t early, late, wait;
	pthread_create(&early, NULL, reader, "early");
	pthread_create(&wait, NULL, waiter, NULL);
	int late_started = 0;
	pid_t child = -1;
	for (int n = 0; n < rounds; n++) {
		report("main", n);
		if (n == rounds * 3 / 4) {
			pthread_create(&late, NULL, reader, "late");
			late_started = 1;
			child = fork();
			if (child == 0) {
				for (int k = 0; k < 3; k++) {
					report("child", k);
					usleep(100000);
				}
				_exit(0);
			}
		}
		usleep(100000);
	}
	done = 1;
	pthread_join(early, NULL);
	pthread_join(wait, NULL);
	if (late_started)
		pthread_join(late, NULL);
	int status = 0;
	if (child > 0)
		waitpid(child, &status, 0);
	return status == 0 ? 0 : 1;
}
