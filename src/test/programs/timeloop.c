/*
 * timeloop: a program that runs on while timensctl attaches it to a namespace
 * and detaches it again (AttachIT). Its main thread and a second thread each
 * print, every 100 ms,
 *     LOOP who=main|thread raw=S libc=S time=S
 * CLOCK_REALTIME read with the raw syscall, through libc (the vDSO, whose
 * address libc resolved at start) and with time(), until its standard input
 * ends; then it exits 0. PR_SET_PTRACER_ANY lets a timensctl that is not its
 * ancestor attach it where Yama's ptrace_scope is 1.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef PR_SET_PTRACER_ANY
#define PR_SET_PTRACER_ANY ((unsigned long)-1)
#endif

static volatile int done;
static pthread_mutex_t out = PTHREAD_MUTEX_INITIALIZER;

static void *loop(void *who)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	while (!done) {
		struct timespec raw, libc;
		syscall(SYS_clock_gettime, CLOCK_REALTIME, &raw);
		clock_gettime(CLOCK_REALTIME, &libc);
		long t = (long)time(NULL);
		pthread_mutex_lock(&out);
		printf("LOOP who=%s raw=%ld libc=%ld time=%ld\n", (const char *)who, (long)raw.tv_sec,
		       (long)libc.tv_sec, t);
		fflush(stdout);
		pthread_mutex_unlock(&out);
		nanosleep(&pause, NULL);
	}
	return NULL;
}

static void *until_end_of_input(void *unused)
{
	(void)unused;
	char buffer[256];
	while (read(0, buffer, sizeof buffer) > 0) {
	}
	done = 1;
	return NULL;
}

int main(void)
{
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	pthread_t thread, input;
	if (pthread_create(&thread, NULL, loop, "thread") != 0 ||
	    pthread_create(&input, NULL, until_end_of_input, NULL) != 0)
		return 1;
	loop("main");
	pthread_join(thread, NULL);
	return 0;
}
