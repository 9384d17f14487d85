/*
 * stackedge: waits with an absolute deadline made with the stack pointer just
 * above a guard page, as on a nearly full thread stack. The kernel needs no
 * room on the stack for them, so natively they work; timens must not need
 * any either (a translated copy of the deadline put below the red zone would
 * land in the guard page, and the wait would fail with EFAULT).
 *
 *   stackedge     prints
 *                 EDGE realtime_sleep=R realtime_sleep_ms=T monotonic_sleep=R ...
 *                 each R the raw syscall's result (0) or error-ENAME, each T
 *                 how long it took (ms, on CLOCK_MONOTONIC): an
 *                 absolute clock_nanosleep on CLOCK_REALTIME and on
 *                 CLOCK_MONOTONIC, and a FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME
 *                 (ETIMEDOUT), each until 50 ms after the clock reads now,
 *                 made with 64 bytes of stack left above the guard page
 */
#include "probe.h"

#include <linux/futex.h>
#include <stdlib.h>
#include <sys/mman.h>

#define LEFT 64

/* Deadlines and the futex word live away from the stack under test. */
static struct timespec deadline;
static uint32_t word;

/* A raw syscall made with the stack pointer at `sp` (no call, no push in between). */
static long syscall_at(void *sp, long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	long ret;
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	__asm__ volatile("mov %%rsp, %%r12\n\t"
			 "mov %[sp], %%rsp\n\t"
			 "syscall\n\t"
			 "mov %%r12, %%rsp"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9), [sp] "r"(sp)
			 : "memory", "rcx", "r11", "r12");
	return ret;
}

static void soon(clockid_t clock)
{
	clock_gettime(clock, &deadline);
	deadline.tv_nsec += 50000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
}

static struct timespec started;

static void start(void)
{
	clock_gettime(CLOCK_MONOTONIC, &started);
}

/* Prints " key=R key_ms=T": the result, and the milliseconds since start(). */
static void result(const char *key, long r)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - started.tv_sec) * 1000 + (now.tv_nsec - started.tv_nsec) / 1000000;
	if (r < 0)
		printf(" %s=error-%s", key, errno_name((int)-r));
	else
		printf(" %s=%ld", key, r);
	printf(" %s_ms=%ld", key, ms);
}

int main(void)
{
	char *pages = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED || mprotect(pages, 4096, PROT_NONE) != 0) {
		perror("stackedge: mmap");
		return 2;
	}
	void *sp = pages + 4096 + LEFT;

	printf("EDGE");
	soon(CLOCK_REALTIME);
	start();
	result("realtime_sleep", syscall_at(sp, SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME,
					    (long)&deadline, 0, 0, 0));
	soon(CLOCK_MONOTONIC);
	start();
	result("monotonic_sleep", syscall_at(sp, SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME,
					     (long)&deadline, 0, 0, 0));
	soon(CLOCK_REALTIME);
	start();
	result("futex_realtime", syscall_at(sp, SYS_futex, (long)&word,
					    FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME | FUTEX_PRIVATE_FLAG, 0,
					    (long)&deadline, 0, FUTEX_BITSET_MATCH_ANY));
	printf("\n");
	return 0;
}
