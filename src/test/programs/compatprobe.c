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
 * i386 calls take 32-bit pointers: their buffers come from mmap(MAP_32BIT).
 */
#include "probe.h"

#include <stdlib.h>
#include <sys/mman.h>

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

/* x86_64 numbers that x32 shares (syscall_64.tbl, "common"). */
#define X32_GETTIMEOFDAY 96
#define X32_SETTIMEOFDAY 164
#define X32_TIME 201
#define X32_CLOCK_SETTIME 227
#define X32_CLOCK_GETTIME 228

#define Y2030 1893456000L

static long int80(long nr, long a, long b)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
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

/* Prints " key=S" for a result >= 0, " key=error-ENAME" for -errno. */
static void field(const char *key, long result, long seconds)
{
	if (result < 0 && result > -4096)
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
