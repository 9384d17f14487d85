/*
 * compatprobe: the time calls of the other syscall tables a 64-bit x86 process
 * can reach: i386 numbers through `int $0x80` (allowed in any 64-bit process
 * when the kernel has IA32 emulation) and x32 numbers (the x86_64 `syscall`
 * instruction with __X32_SYSCALL_BIT set). timens must refuse them or
 * virtualize them; never may they read or set the host clock.
 *
 *   compatprobe        reads: prints
 *                      COMPAT i386_time=S i386_gettimeofday=S i386_clock_gettime=S
 *                             i386_clock_gettime64=S x32_time=S x32_gettimeofday=S
 *                             x32_clock_gettime=S
 *                      (seconds of CLOCK_REALTIME, or error-ENAME)
 *   compatprobe set    sets CLOCK_REALTIME to 2030-01-01 through i386 stime,
 *                      settimeofday, clock_settime, clock_settime64 and x32
 *                      settimeofday, clock_settime; prints COMPATSET with
 *                      name=0 or name=error-ENAME for each, then after=S (the
 *                      seconds of CLOCK_REALTIME read through libc after them). Sets the HOST clock wherever it is
 *                      not refused: refuses to run as root unless
 *                      TIMENS_TEST_ALLOW_SET=1 (the test runs it under timens,
 *                      with no capabilities, so that even a call timens let
 *                      through would fail with EPERM)
 *
 *   compatprobe waits  the other calls that take, return or wait for a time:
 *                      sleeps, timed waits, timers, sysinfo (i386 and x32),
 *                      each with arguments that return at once natively (a
 *                      zero timeout, a bad descriptor or id), except
 *                      i386_clock_nanosleep_time64_abs, an absolute sleep
 *                      until 0.2 s after CLOCK_REALTIME now (as the program
 *                      reads it); prints COMPATWAIT name=R... with R the
 *                      result (a number) or error-ENAME
 *
 *   compatprobe clone  clone(CLONE_UNTRACED | SIGCHLD) through i386 and x32,
 *                      and clone3 (NULL, 0: EINVAL natively): a child made so
 *                      would escape tracing. Prints COMPATCLONE name=R..., R
 *                      "child" when a child was made (it exits at once and is
 *                      waited for), else error-ENAME
 *
 *   compatprobe exec PROGRAM   execve PROGRAM (no arguments) through i386,
 *                      then through x32: a program started so must still be on
 *                      the namespace's clock, or not start at all. Prints
 *                      COMPATEXEC i386_execve=error-ENAME when it returns (the
 *                      exec was refused), then tries x32; when one succeeds,
 *                      PROGRAM's own output follows
 *
 * i386 calls take 32-bit pointers: their buffers come from mmap(MAP_32BIT).
 * On a kernel without IA32 emulation every i386 result is "no-ia32" (see
 * NO_IA32).
 */
#include "probe.h"

#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define X32_BIT 0x40000000L

/* i386 syscall numbers (arch/x86/entry/syscalls/syscall_32.tbl). */
#define I386_TIME 13
#define I386_STIME 25
#define I386_GETTIMEOFDAY 78
#define I386_SETTIMEOFDAY 79
#define I386_CLOCK_SETTIME 264
#define I386_CLOCK_GETTIME 265
#define I386_CLOCK_SETTIME64 404
#define I386_CLOCK_GETTIME64 403

/* i386 numbers of sleeps, waits and timers. */
#define I386_ALARM 27
#define I386_SELECT 82
#define I386_SETITIMER 104
#define I386_GETITIMER 105
#define I386_SYSINFO 116
#define I386_IPC 117
#define I386_NEWSELECT 142
#define I386_NANOSLEEP 162
#define I386_POLL 168
#define I386_RT_SIGTIMEDWAIT 177
#define I386_FUTEX 240
#define I386_IO_GETEVENTS 247
#define I386_EPOLL_WAIT 256
#define I386_TIMER_CREATE 259
#define I386_TIMER_SETTIME 260
#define I386_TIMER_GETTIME 261
#define I386_CLOCK_NANOSLEEP 267
#define I386_MQ_TIMEDSEND 279
#define I386_MQ_TIMEDRECEIVE 280
#define I386_PSELECT6 308
#define I386_PPOLL 309
#define I386_EPOLL_PWAIT 319
#define I386_TIMERFD_CREATE 322
#define I386_TIMERFD_SETTIME 325
#define I386_TIMERFD_GETTIME 326
#define I386_RECVMMSG 337
#define I386_IO_PGETEVENTS 385
#define I386_CLOCK_NANOSLEEP_TIME64 407
#define I386_TIMER_GETTIME64 408
#define I386_TIMER_SETTIME64 409
#define I386_TIMERFD_GETTIME64 410
#define I386_TIMERFD_SETTIME64 411
#define I386_PSELECT6_TIME64 413
#define I386_PPOLL_TIME64 414
#define I386_IO_PGETEVENTS_TIME64 416
#define I386_RECVMMSG_TIME64 417
#define I386_MQ_TIMEDSEND_TIME64 418
#define I386_MQ_TIMEDRECEIVE_TIME64 419
#define I386_SEMTIMEDOP_TIME64 420
#define I386_RT_SIGTIMEDWAIT_TIME64 421
#define I386_FUTEX_TIME64 422
#define I386_IO_URING_SETUP 425
#define I386_EPOLL_PWAIT2 441
#define I386_FUTEX_WAITV 449

/* x86_64 numbers that x32 shares (syscall_64.tbl, "common"). */
#define X32_GETTIMEOFDAY 96
#define X32_SETTIMEOFDAY 164
#define X32_TIME 201
#define X32_CLOCK_SETTIME 227
#define X32_CLOCK_GETTIME 228

#define Y2030 1893456000L

/*
 * Where the kernel has no IA32 emulation (built without it, or booted with
 * ia32_emulation=0), int $0x80 raises a general protection fault that kills
 * the caller, natively and under timens alike: nothing reaches the kernel's
 * i386 table then. Every i386 call below reports that as NO_IA32 ("no-ia32").
 */
#define NO_IA32 (-100000L)

static long int80_raw(long nr, long a, long b)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

/* Whether int $0x80 reaches the kernel: tried once, in a child (i386 getpid). */
static int ia32_present(void)
{
	static int present = -1;
	if (present < 0) {
		fflush(stdout);
		pid_t child = fork();
		if (child == 0) {
			int80_raw(20, 0, 0);
			_exit(0);
		}
		int status = 0;
		present = child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status);
	}
	return present;
}

static long int80(long nr, long a, long b)
{
	return ia32_present() ? int80_raw(nr, a, b) : NO_IA32;
}

static long x32(long nr, long a, long b)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr | X32_BIT), "D"(a), "S"(b)
			 : "memory", "rcx", "r11");
	return ret;
}

static void field(const char *key, long result, long seconds);

/*
 * int $0x80 with six arguments: the sixth goes in ebp, which the compiler
 * keeps as frame pointer, so it is saved around the call (below the red zone).
 */
static long int80_6(long nr, long a, long b, long c, long d, long e, long f)
{
	if (!ia32_present())
		return NO_IA32;
	long ret;
	register long sixth __asm__("r12") = f;
	__asm__ volatile("sub $128, %%rsp\n\t"
			 "push %%rbp\n\t"
			 "mov %%r12, %%rbp\n\t"
			 "int $0x80\n\t"
			 "pop %%rbp\n\t"
			 "add $128, %%rsp"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e), "r"(sixth)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

static long x32_6(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr | X32_BIT), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "memory", "rcx", "r11");
	return ret;
}

/* Prints " key=R": the result, or error-ENAME. */
static void wait_field(const char *key, long result)
{
	field(key, result, result);
}

/* Every i386 and x32 call that sleeps, waits with a timeout or handles a timer. */
static int waits(int32_t *low)
{
	long addr = (long)low;
	/* low[0..7]: a zero timespec/timeval (32- or 64-bit); low[8..]: zeroed scratch. */
	memset(low, 0, 4096);
	long zero = addr;
	long scratch = addr + 64;
	long sel_args = addr + 256; /* old select's struct: n, in, out, ex, tvp (u32 each) */
	low[64 + 4] = (int32_t)zero;

	printf("COMPATWAIT");
	wait_field("i386_nanosleep", int80(I386_NANOSLEEP, zero, 0));
	wait_field("i386_clock_nanosleep", int80_6(I386_CLOCK_NANOSLEEP, CLOCK_REALTIME, 0, zero, 0, 0, 0));
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t *deadline = (int64_t *)(low + 512);
	deadline[0] = now.tv_sec + (now.tv_nsec + 200000000L) / 1000000000L;
	deadline[1] = (now.tv_nsec + 200000000L) % 1000000000L;
	wait_field("i386_clock_nanosleep_time64_abs",
		   int80_6(I386_CLOCK_NANOSLEEP_TIME64, CLOCK_REALTIME, TIMER_ABSTIME, (long)deadline, 0, 0, 0));
	wait_field("i386_select", int80(I386_SELECT, sel_args, 0));
	wait_field("i386_newselect", int80_6(I386_NEWSELECT, 0, 0, 0, 0, zero, 0));
	wait_field("i386_pselect6", int80_6(I386_PSELECT6, 0, 0, 0, 0, zero, 0));
	wait_field("i386_pselect6_time64", int80_6(I386_PSELECT6_TIME64, 0, 0, 0, 0, zero, 0));
	wait_field("i386_poll", int80_6(I386_POLL, 0, 0, 0, 0, 0, 0));
	wait_field("i386_ppoll", int80_6(I386_PPOLL, 0, 0, zero, 0, 8, 0));
	wait_field("i386_ppoll_time64", int80_6(I386_PPOLL_TIME64, 0, 0, zero, 0, 8, 0));
	wait_field("i386_epoll_wait", int80_6(I386_EPOLL_WAIT, -1, scratch, 1, 0, 0, 0));
	wait_field("i386_epoll_pwait", int80_6(I386_EPOLL_PWAIT, -1, scratch, 1, 0, 0, 8));
	wait_field("i386_epoll_pwait2", int80_6(I386_EPOLL_PWAIT2, -1, scratch, 1, zero, 0, 8));
	/* FUTEX_WAIT on a word that is 0, expecting 1: EAGAIN at once. */
	wait_field("i386_futex", int80_6(I386_FUTEX, scratch, 0, 1, zero, 0, 0));
	wait_field("i386_futex_time64", int80_6(I386_FUTEX_TIME64, scratch, 0, 1, zero, 0, 0));
	wait_field("i386_futex_waitv", int80_6(I386_FUTEX_WAITV, 0, 0, 0, zero, CLOCK_MONOTONIC, 0));
	wait_field("i386_rt_sigtimedwait", int80_6(I386_RT_SIGTIMEDWAIT, scratch, 0, zero, 8, 0, 0));
	wait_field("i386_rt_sigtimedwait_time64", int80_6(I386_RT_SIGTIMEDWAIT_TIME64, scratch, 0, zero, 8, 0, 0));
	wait_field("i386_io_getevents", int80_6(I386_IO_GETEVENTS, 0, 0, 0, 0, zero, 0));
	wait_field("i386_io_pgetevents", int80_6(I386_IO_PGETEVENTS, 0, 0, 0, 0, zero, 0));
	wait_field("i386_io_pgetevents_time64", int80_6(I386_IO_PGETEVENTS_TIME64, 0, 0, 0, 0, zero, 0));
	wait_field("i386_mq_timedsend", int80_6(I386_MQ_TIMEDSEND, -1, scratch, 0, 0, zero, 0));
	wait_field("i386_mq_timedreceive", int80_6(I386_MQ_TIMEDRECEIVE, -1, scratch, 0, 0, zero, 0));
	wait_field("i386_mq_timedsend_time64", int80_6(I386_MQ_TIMEDSEND_TIME64, -1, scratch, 0, 0, zero, 0));
	wait_field("i386_mq_timedreceive_time64", int80_6(I386_MQ_TIMEDRECEIVE_TIME64, -1, scratch, 0, 0, zero, 0));
	/* ipc(SEMTIMEDOP = 4, semid -1, ...) */
	wait_field("i386_ipc_semtimedop", int80_6(I386_IPC, 4, -1, 1, 0, scratch, zero));
	wait_field("i386_semtimedop_time64", int80_6(I386_SEMTIMEDOP_TIME64, -1, scratch, 1, zero, 0, 0));
	wait_field("i386_recvmmsg", int80_6(I386_RECVMMSG, -1, scratch, 1, 0, zero, 0));
	wait_field("i386_recvmmsg_time64", int80_6(I386_RECVMMSG_TIME64, -1, scratch, 1, 0, zero, 0));
	wait_field("i386_io_uring_setup", int80_6(I386_IO_URING_SETUP, 0, scratch, 0, 0, 0, 0));
	wait_field("i386_alarm", int80(I386_ALARM, 0, 0));
	wait_field("i386_setitimer", int80_6(I386_SETITIMER, 99, zero, 0, 0, 0, 0));
	wait_field("i386_getitimer", int80_6(I386_GETITIMER, 99, scratch, 0, 0, 0, 0));
	wait_field("i386_sysinfo", int80(I386_SYSINFO, scratch, 0));
	wait_field("i386_timer_create", int80_6(I386_TIMER_CREATE, 99, 0, scratch, 0, 0, 0));
	wait_field("i386_timer_settime", int80_6(I386_TIMER_SETTIME, -1, 0, zero, 0, 0, 0));
	wait_field("i386_timer_gettime", int80_6(I386_TIMER_GETTIME, -1, scratch, 0, 0, 0, 0));
	wait_field("i386_timer_settime64", int80_6(I386_TIMER_SETTIME64, -1, 0, zero, 0, 0, 0));
	wait_field("i386_timer_gettime64", int80_6(I386_TIMER_GETTIME64, -1, scratch, 0, 0, 0, 0));
	wait_field("i386_timerfd_create", int80_6(I386_TIMERFD_CREATE, 99, 0, 0, 0, 0, 0));
	wait_field("i386_timerfd_settime", int80_6(I386_TIMERFD_SETTIME, -1, 0, zero, 0, 0, 0));
	wait_field("i386_timerfd_gettime", int80_6(I386_TIMERFD_GETTIME, -1, scratch, 0, 0, 0, 0));
	wait_field("i386_timerfd_settime64", int80_6(I386_TIMERFD_SETTIME64, -1, 0, zero, 0, 0, 0));
	wait_field("i386_timerfd_gettime64", int80_6(I386_TIMERFD_GETTIME64, -1, scratch, 0, 0, 0, 0));
	/* x32 (ENOSYS natively too where the kernel has no x32 ABI). */
	struct timespec zts = { 0, 0 };
	wait_field("x32_nanosleep", x32_6(35, (long)&zts, 0, 0, 0, 0, 0));
	wait_field("x32_clock_nanosleep", x32_6(230, CLOCK_REALTIME, 0, (long)&zts, 0, 0, 0));
	wait_field("x32_ppoll", x32_6(271, 0, 0, (long)&zts, 0, 8, 0));
	wait_field("x32_futex", x32_6(202, scratch, 0, 1, (long)&zts, 0, 0));
	wait_field("x32_rt_sigtimedwait", x32_6(523, scratch, 0, (long)&zts, 8, 0, 0));
	wait_field("x32_timerfd_settime", x32_6(286, -1, 0, (long)&zts, 0, 0, 0));
	wait_field("x32_alarm", x32_6(37, 0, 0, 0, 0, 0, 0));
	wait_field("x32_sysinfo", x32_6(99, scratch, 0, 0, 0, 0, 0));
	printf("\n");
	return 0;
}

/* Prints " key=child" when `r` is a child's pid (and reaps it), " key=error-ENAME" otherwise. */
static void clone_field(const char *key, long r)
{
	if (r > 0) {
		waitpid((pid_t)r, NULL, 0);
		printf(" %s=child", key);
	} else {
		field(key, r, r);
	}
}

/* Ways of making a child that tracing would not follow: refused under timens. */
static int clones(void)
{
	long flags = CLONE_UNTRACED | SIGCHLD;
	printf("COMPATCLONE");
	fflush(stdout);
	/* No new stack: the child runs on a copy of this one, like fork, and exits at once. */
	long r = int80_6(120 /* i386 clone */, flags, 0, 0, 0, 0, 0);
	if (r == 0)
		_exit(0);
	clone_field("i386_clone", r);
	r = int80_6(435 /* i386 clone3 */, 0, 0, 0, 0, 0, 0);
	if (r == 0)
		_exit(0);
	clone_field("i386_clone3", r);
	r = x32_6(56 /* clone */, flags, 0, 0, 0, 0, 0);
	if (r == 0)
		_exit(0);
	clone_field("x32_clone", r);
	r = x32_6(435 /* clone3 */, 0, 0, 0, 0, 0, 0);
	if (r == 0)
		_exit(0);
	clone_field("x32_clone3", r);
	printf("\n");
	return 0;
}

/* execve of `program` through the other tables; each returns only when refused. */
static int execs(const char *program, int32_t *low)
{
	/* i386: a 32-bit path, argv and envp, in the low page. */
	char *path = (char *)(low + 64);
	size_t length = strlen(program);
	if (length >= 1024) {
		fprintf(stderr, "compatprobe: path too long\n");
		return 2;
	}
	memcpy(path, program, length + 1);
	low[0] = (int32_t)(long)path; /* argv = { path, NULL } */
	low[1] = 0;
	low[2] = 0; /* envp = { NULL } */
	printf("COMPATEXEC");
	fflush(stdout);
	long r = int80_6(11 /* i386 execve */, (long)path, (long)low, (long)(low + 2), 0, 0, 0);
	field("i386_execve", r, r);
	fflush(stdout);
	char *argv[] = { path, NULL };
	char *envp[] = { NULL };
	r = x32_6(520 /* x32 execve */, (long)path, (long)argv, (long)envp, 0, 0, 0);
	field("x32_execve", r, r);
	printf("\n");
	return 0;
}

/* Prints " key=S" for a result >= 0, " key=error-ENAME" for -errno. */
static void field(const char *key, long result, long seconds)
{
	if (result == NO_IA32)
		printf(" %s=no-ia32", key);
	else if (result < 0 && result > -4096)
		printf(" %s=error-%s", key, errno_name((int)-result));
	else
		printf(" %s=%ld", key, seconds);
}

/* Prints " key=0" for success, " key=error-ENAME" for -errno. */
static void set_field(const char *key, long result)
{
	field(key, result, 0);
}

int main(int argc, char **argv)
{
	int32_t *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED) {
		perror("compatprobe: mmap(MAP_32BIT)");
		return 2;
	}
	long addr = (long)low;
	int64_t *low64 = (int64_t *)low;

	if (argc > 1 && strcmp(argv[1], "waits") == 0)
		return waits(low);
	if (argc > 1 && strcmp(argv[1], "clone") == 0)
		return clones();
	if (argc > 2 && strcmp(argv[1], "exec") == 0)
		return execs(argv[2], low);

	if (argc > 1 && strcmp(argv[1], "set") == 0) {
		if (geteuid() == 0 && !getenv("TIMENS_TEST_ALLOW_SET")) {
			fprintf(stderr, "compatprobe: refusing to set the clock as root (set TIMENS_TEST_ALLOW_SET=1)\n");
			return 2;
		}
		long r;
		printf("COMPATSET");
		low[0] = (int32_t)Y2030;
		r = int80(I386_STIME, addr, 0);
		set_field("i386_stime", r);
		low[0] = (int32_t)Y2030;
		low[1] = 0;
		r = int80(I386_SETTIMEOFDAY, addr, 0);
		set_field("i386_settimeofday", r);
		r = int80(I386_CLOCK_SETTIME, CLOCK_REALTIME, addr);
		set_field("i386_clock_settime", r);
		low64[0] = Y2030;
		low64[1] = 0;
		r = int80(I386_CLOCK_SETTIME64, CLOCK_REALTIME, addr);
		set_field("i386_clock_settime64", r);
		struct timeval tv = { Y2030, 0 };
		r = x32(X32_SETTIMEOFDAY, (long)&tv, 0);
		set_field("x32_settimeofday", r);
		struct timespec ts = { Y2030, 0 };
		r = x32(X32_CLOCK_SETTIME, CLOCK_REALTIME, (long)&ts);
		set_field("x32_clock_settime", r);
		clock_gettime(CLOCK_REALTIME, &ts);
		printf(" after=%ld\n", (long)ts.tv_sec);
		return 0;
	}

	printf("COMPAT");
	long r = int80(I386_TIME, 0, 0);
	field("i386_time", r, r);
	r = int80(I386_GETTIMEOFDAY, addr, 0);
	field("i386_gettimeofday", r, low[0]);
	r = int80(I386_CLOCK_GETTIME, CLOCK_REALTIME, addr);
	field("i386_clock_gettime", r, low[0]);
	r = int80(I386_CLOCK_GETTIME64, CLOCK_REALTIME, addr);
	field("i386_clock_gettime64", r, (long)low64[0]);
	r = x32(X32_TIME, 0, 0);
	field("x32_time", r, r);
	struct timeval tv;
	r = x32(X32_GETTIMEOFDAY, (long)&tv, 0);
	field("x32_gettimeofday", r, tv.tv_sec);
	struct timespec ts;
	r = x32(X32_CLOCK_GETTIME, CLOCK_REALTIME, (long)&ts);
	field("x32_clock_gettime", r, ts.tv_sec);
	printf("\n");
	return 0;
}
