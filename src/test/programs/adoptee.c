/*
 * adoptee: a program already running when a supervisor takes it in
 * (OnDemandSupervisor.adopt), with a thread started before and one after, and
 * a child forked after. Each reads CLOCK_REALTIME every 100 ms with the raw
 * syscall, through libc (the vDSO), gettimeofday and time, and its CPU-time
 * clock through libc, and prints
 *     ADOPTEE who=main|early|late|child n=I raw=S vdso=S tod=S time=S cpu=ok|error
 * Main goes on until a line comes on its standard input (at most 60 s), then
 * starts the later thread and child, goes on for 8 more rounds, and every
 * thread ends and main exits 0: the test lets it go on once the process is
 * served, whatever the time that took.
 * A "spinner" thread reads the clock through libc in a tight loop all along,
 * so that the process is often taken in with a thread inside the kernel's
 * clock_gettime (whose first bytes timens rewrites), and prints its last
 * reading as who=spinner at the end.
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
#include <poll.h>
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

static void *spinner(void *unused)
{
	(void)unused;
	struct timespec ts;
	while (!done)
		clock_gettime(CLOCK_REALTIME, &ts);
	report("spinner", 0);
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
	(void)argc;
	(void)argv;
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	pthread_t early, late, wait, spin;
	pthread_create(&early, NULL, reader, "early");
	pthread_create(&wait, NULL, waiter, NULL);
	pthread_create(&spin, NULL, spinner, NULL);
	int late_started = 0;
	pid_t child = -1;
	int left = -1; /* rounds left once the line came */
	for (int n = 0; n < 600 && left != 0; n++) {
		report("main", n);
		struct pollfd in = { 0, POLLIN, 0 };
		if (left > 0) {
			left--;
		} else if (poll(&in, 1, 0) == 1) {
			left = 8;
			pthread_create(&late, NULL, reader, "late");
			late_started = 1;
			/* Forked with the output lock held here, so that no other thread
			 * holds it (or stdout's) in the child, which could never take it. */
			pthread_mutex_lock(&out);
			child = fork();
			pthread_mutex_unlock(&out);
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
	pthread_join(spin, NULL);
	if (late_started)
		pthread_join(late, NULL);
	int status = 0;
	if (child > 0)
		waitpid(child, &status, 0);
	return status == 0 ? 0 : 1;
}
