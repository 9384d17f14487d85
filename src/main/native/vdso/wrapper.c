/*
 * The clock functions of timens's replacement vDSO.
 *
 * Where it runs: inside every traced program, called by libc, the Go runtime or
 * the JVM instead of the kernel's vDSO functions (the supervisor points
 * AT_SYSINFO_EHDR at a copy of the kernel vDSO whose clock symbols lead here).
 * Why it is not Java: it runs in the traced process, at the cost of a function
 * call, and must never make a syscall or stop the process (but once, in a
 * process forked by one that made a time namespace for its children: see
 * enter_namespace_after_fork).
 *
 * Constraints: position independent, no relocations, no libc, no TLS, no
 * stack protector, and small stack frames (Go calls the vDSO on small stacks).
 * The real time comes from the kernel's own vDSO function, whose address is in
 * the process page; the transform comes from the clock page under its seqlock.
 */
#include "clock.h"
#pragma GCC visibility push(hidden)
#include <stddef.h>

struct kernel_timespec { int64_t tv_sec; int64_t tv_nsec; };
struct kernel_timeval { int64_t tv_sec; int64_t tv_usec; };
struct kernel_timezone;

typedef int (*clock_gettime_fn)(int, struct kernel_timespec *);
typedef int (*gettimeofday_fn)(struct kernel_timeval *, struct kernel_timezone *);

/* Placed by vdso.lds at fixed distances after the code. */
extern const volatile struct timens_clock_page timens_clock_page;
extern const struct timens_process_page timens_process_page;
extern volatile struct timens_fork_page timens_fork_page;

#define NSEC_PER_SEC 1000000000LL
/*
 * The end of every clock's range: KTIME_MAX (include/linux/ktime.h), 2^63 - 1 ns,
 * as seconds and nanoseconds. A clock of the namespace saturates there (and at
 * zero below) instead of wrapping, as ClockTransform.java does for the raw syscalls.
 */
#define KTIME_MAX_SEC 9223372036LL
#define KTIME_MAX_NSEC 854775807LL
#define CLOCK_REALTIME 0
#define CLOCK_REALTIME_COARSE 5

/*
 * Which transform group a clock id belongs to: -1 = not virtualized.
 * REALTIME(0), REALTIME_COARSE(5), REALTIME_ALARM(8), TAI(11) -> 0;
 * MONOTONIC(1), MONOTONIC_RAW(4), MONOTONIC_COARSE(6) -> 1; BOOTTIME(7),
 * BOOTTIME_ALARM(9) -> 2. CPU-time clocks (2, 3, and the negative ids of
 * other processes' and threads' CPU clocks) and anything else are never touched.
 */
static const int8_t clock_groups[16] = {
	0, 1, -1, -1, 1, 0, 1, 2, 0, 2, -1, 0, -1, -1, -1, -1,
};

static inline int group_of(int clock)
{
	if ((unsigned)clock > 15)
		return -1;
	return clock_groups[clock];
}

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

static inline clock_gettime_fn kernel_clock_gettime(void)
{
	return (clock_gettime_fn)(timens_process_page.kernel_vdso + timens_process_page.off_clock_gettime);
}

#define CLOCK_MONOTONIC 1
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_TAI 11

/*
 * The general transform, with 128-bit intermediate as in ClockTransform.java.
 * The group's base is on its reference clock (REALTIME, MONOTONIC, BOOTTIME);
 * TAI and MONOTONIC_RAW differ from theirs by an amount that is not time passing
 * (the TAI offset, NTP's correction), so they are scaled through the reference
 * clock, and that difference is added back unscaled.
 */
static __attribute__((noinline)) void apply_scaled(const struct timens_transform *t, int clock,
						    struct kernel_timespec *ts)
{
	int64_t real = ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
	int64_t aside = 0;
	if (clock == CLOCK_TAI || clock == CLOCK_MONOTONIC_RAW) {
		struct kernel_timespec ref;
		if (kernel_clock_gettime()(clock == CLOCK_TAI ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ref) == 0) {
			int64_t reference = ref.tv_sec * NSEC_PER_SEC + ref.tv_nsec;
			aside = real - reference;
			real = reference;
		}
	}
	__int128 scaled = (__int128)(real - t->base_real) * (__int128)t->mult;
	/* Exact in 128 bits, then clamped to [0, KTIME_MAX]: never wraps. */
	__int128 sum = (__int128)t->base_virt + (scaled >> t->shift) + aside;
	int64_t v = sum < 0 ? 0 : sum > INT64_MAX ? INT64_MAX : (int64_t)sum;
	ts->tv_sec = v / NSEC_PER_SEC;
	ts->tv_nsec = v % NSEC_PER_SEC;
}

/*
 * A timespec past either end of the range, brought back to it: called only
 * when tv_sec, as unsigned, is at least KTIME_MAX_SEC (negative, or in the last
 * second of the range or beyond), so the common path pays one compare.
 */
static __attribute__((noinline, cold)) void saturate(struct kernel_timespec *ts)
{
	if (ts->tv_sec < 0) {
		ts->tv_sec = 0;
		ts->tv_nsec = 0;
	} else if (ts->tv_sec > KTIME_MAX_SEC || ts->tv_nsec > KTIME_MAX_NSEC) {
		ts->tv_sec = KTIME_MAX_SEC;
		ts->tv_nsec = KTIME_MAX_NSEC;
	}
}

/*
 * The common transform: the timespec moved by a normalised offset (0 <= nsec < 1e9),
 * saturated at the ends of the range. The seconds cannot overflow: both are within
 * a few times KTIME_MAX_SEC.
 */
static inline void add_offset(struct kernel_timespec *ts, int64_t off_sec, int64_t off_nsec)
{
	int64_t sec = ts->tv_sec + off_sec, nsec = ts->tv_nsec + off_nsec;
	if (nsec >= NSEC_PER_SEC) {
		nsec -= NSEC_PER_SEC;
		sec += 1;
	}
	ts->tv_sec = sec;
	ts->tv_nsec = nsec;
	if (__builtin_expect((uint64_t)sec >= (uint64_t)KTIME_MAX_SEC, 0))
		saturate(ts);
}

/*
 * The rare modes, out of line so that the common path saves few registers:
 * the general transform (a rate other than 1, or a frozen clock) re-read under
 * the seqlock. Called with the host time already in *ts.
 */
static __attribute__((noinline, cold)) int read_scaled(int clock, struct kernel_timespec *ts)
{
	const volatile struct timens_clock_page *page = &timens_clock_page;
	const volatile struct timens_transform *g = &page->group[group_of(clock)];
	for (;;) {
		uint32_t seq = page->seq;
		__asm__ volatile("" ::: "memory");
		struct timens_transform t = {
			.base_real = g->base_real, .base_virt = g->base_virt,
			.mult = g->mult, .shift = g->shift, .mode = g->mode,
			.offset_sec = g->offset_sec, .offset_nsec = g->offset_nsec,
		};
		__asm__ volatile("" ::: "memory");
		if ((seq & 1) || page->seq != seq) {
			cpu_relax();
			continue;
		}
		if (t.mode == TIMENS_MODE_SCALED) {
			apply_scaled(&t, clock, ts);
		} else if (t.mode == TIMENS_MODE_OFFSET) {
			/* The transform changed back between the caller's look and ours. */
			add_offset(ts, t.offset_sec, t.offset_nsec);
		}
		return 0;
	}
}

/*
 * Reads the host clock with the kernel's own vDSO function, then maps it with
 * the group's transform, read under the seqlock. Reading the transform after the
 * host time is fine: a transform published in between is equivalent to the
 * read having happened just before the publication.
 *
 * The way when the kernel's time data cannot be read directly (another clock
 * source than the TSC, a layout the supervisor did not recognise, a kernel
 * time namespace): 1 to 2 ns over the kernel's function. The rare scaled
 * transform is out of line, so the frame holds only the frame pointer and the
 * two values live across the call (clock id, pointer).
 */
static __attribute__((noinline)) int clock_gettime_via_kernel(int clock, struct kernel_timespec *ts)
{
	clock_gettime_fn kernel = kernel_clock_gettime();
	if (group_of(clock) < 0)
		return kernel(clock, ts);
	int ret = kernel(clock, ts);
	if (__builtin_expect(ret != 0, 0))
		return ret;
	/* The table's address again rather than one more register kept across the call
	 * (the clock id is known to index it: it did before the call). */
	const int8_t *groups;
	__asm__("" : "+r"(clock));
	__asm__("lea clock_groups(%%rip), %0" : "=r"(groups));
	const volatile struct timens_clock_page *page = &timens_clock_page;
	const volatile struct timens_transform *g = &page->group[groups[(unsigned)clock]];
	for (;;) {
		uint32_t seq = page->seq;
		__asm__ volatile("" ::: "memory"); /* x86 keeps loads in order; stop the compiler */
		uint32_t mode = g->mode;
		int64_t off_sec = g->offset_sec, off_nsec = g->offset_nsec;
		__asm__ volatile("" ::: "memory");
		if (__builtin_expect((seq & 1) || page->seq != seq, 0)) {
			cpu_relax();
			continue;
		}
		if (__builtin_expect(mode == TIMENS_MODE_OFFSET, 1)) {
			add_offset(ts, off_sec, off_nsec);
			return 0;
		}
		if (mode == TIMENS_MODE_SCALED)
			return read_scaled(clock, ts);
		return 0;
	}
}

/*
 * How each clock id can be read from the kernel's time data directly:
 * READ_CALL not at all (call the kernel's function: CPU-time clocks, the alarm
 * clocks, which the kernel's vDSO also leaves to the syscall, and unknown ids),
 * READ_COUNTER from the TSC and kernel_vdso_clock [0], READ_RAW the same with
 * [1] (MONOTONIC_RAW), READ_TICK the time of the last tick (the coarse clocks).
 */
#define READ_CALL 0
#define READ_COUNTER 1
#define READ_RAW 2
#define READ_TICK 3
static const int8_t direct_reads[16] = {
	READ_COUNTER, READ_COUNTER, READ_CALL, READ_CALL, READ_RAW, READ_TICK, READ_TICK, READ_COUNTER,
	READ_CALL, READ_CALL, READ_CALL, READ_COUNTER, READ_CALL, READ_CALL, READ_CALL, READ_CALL,
};

static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;
	/* lfence: the counter is read after the loads before it (the sequence
	 * count). The kernel's rdtsc_ordered() patches in rdtscp where the CPU
	 * has it; lfence; rdtsc orders the same wherever lfence is dispatch
	 * serialising: always on Intel, and on AMD once Linux has set the MSR
	 * bit that makes it so (it does at boot), and it exists on every x86_64. */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * The host time of clock, read as the kernel's vDSO reads it
 * (lib/vdso/gettimeofday.c): under the kernel's sequence count, the last
 * update's time plus the TSC cycles since, scaled by mult >> shift. Returns 0
 * whenever the kernel's function must answer instead: the clock source is not
 * the TSC (it can change at any time), a kernel time namespace's page is
 * mapped here (its clock_mode says so, and its seq stays odd), or the counter
 * moved too far or backwards since the update (the kernel's function handles
 * that with 128-bit arithmetic or by clamping).
 */
static inline int read_kernel_time(const volatile struct kernel_vdso_clock *vc, int how, int clock,
				   uint64_t *sec, uint64_t *nsec)
{
	for (;;) {
		uint32_t seq = vc->seq;
		__asm__ volatile("" ::: "memory");
		if (__builtin_expect(vc->clock_mode != KERNEL_CLOCK_MODE_TSC, 0))
			return 0;
		if (__builtin_expect(seq & 1, 0)) {
			cpu_relax();
			continue;
		}
		uint64_t s = vc->base[clock].sec, ns = vc->base[clock].nsec;
		if (how != READ_TICK) {
			uint64_t delta = rdtsc_ordered() - vc->cycle_last;
			if (__builtin_expect(delta >= vc->max_cycles, 0))
				return 0;
			ns = (ns + delta * vc->mult) >> vc->shift;
		}
		__asm__ volatile("" ::: "memory");
		if (__builtin_expect(vc->seq != seq, 0))
			continue;
		*sec = s;
		*nsec = ns;
		return 1;
	}
}

static inline long raw_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define SYS_MMAP 9
#define SYS_CLOSE 3
#define EINTR 4
#define PROT_READ 1
#define MAP_PRIVATE 2
#define MAP_FIXED 0x10

/*
 * The first clock read of a process forked by one that made a time namespace
 * for its children (its fork page was cleared by the fork): it enters that
 * namespace as the kernel's fork would have put it there, by mapping that
 * namespace's clock page over its own, from the descriptor the supervisor
 * gives. Its own children, forked later, ask again and get the same. Once per
 * process: the word is set whatever the answer (without one, the process
 * stays where it is, as the supervisor says on its diagnostics).
 */
static __attribute__((noinline, cold)) void enter_namespace_after_fork(void)
{
	uint64_t token = timens_fork_page.entry_token;
	if (token == 0)
		token = timens_process_page.children_token;
	/* EINTR: a signal's handler ran while the supervisor answered: asked again
	 * (the answer is the same; the process is in that namespace already). */
	long fd;
	do
		fd = raw_syscall6(TIMENS_FORKED_SYSCALL, (long)token, 0, 0, 0, 0, 0);
	while (fd == -EINTR);
	if (fd >= 0) {
		raw_syscall6(SYS_MMAP, (long)&timens_clock_page, TIMENS_PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED,
			     fd, (long)timens_process_page.clock_page_offset);
		raw_syscall6(SYS_CLOSE, fd, 0, 0, 0, 0, 0);
	}
	timens_fork_page.entered = 1;
}

/*
 * clock_gettime: the hot path. When the supervisor found the kernel's time
 * data in the layout we know, the host time is read from it here, as the
 * kernel's function would, and the offset added before the timespec is
 * stored: no call, no second pass over the timespec, so a virtual clock reads
 * as fast as the host's own (the kernel's function costs the same work plus a
 * call). Otherwise, and for the clocks this does not cover, the kernel's
 * function.
 */
int timens_clock_gettime(int clock, struct kernel_timespec *ts)
{
	if (__builtin_expect(timens_process_page.fork_check != 0, 0) && timens_fork_page.entered == 0)
		enter_namespace_after_fork();
	int64_t data = timens_process_page.kernel_time_data;
	int how = (unsigned)clock < 16 ? direct_reads[clock] : READ_CALL;
	uint64_t sec, nsec;
	if (__builtin_expect(data == 0 || how == READ_CALL, 0))
		return clock_gettime_via_kernel(clock, ts);
	const volatile struct kernel_vdso_clock *vc =
		(const volatile struct kernel_vdso_clock *)(timens_process_page.kernel_vdso + data);
	if (!read_kernel_time(how == READ_RAW ? vc + 1 : vc, how, clock, &sec, &nsec))
		return clock_gettime_via_kernel(clock, ts);

	const volatile struct timens_clock_page *page = &timens_clock_page;
	const volatile struct timens_transform *g = &page->group[clock_groups[clock]];
	uint32_t mode;
	int64_t off_sec, off_nsec;
	for (;;) {
		uint32_t seq = page->seq;
		__asm__ volatile("" ::: "memory");
		mode = g->mode;
		off_sec = g->offset_sec;
		off_nsec = g->offset_nsec;
		__asm__ volatile("" ::: "memory");
		if (__builtin_expect(!(seq & 1) && page->seq == seq, 1))
			break;
		cpu_relax();
	}
	if (__builtin_expect(mode == TIMENS_MODE_OFFSET, 1)) {
		sec += off_sec;
		nsec += off_nsec;
	}
	/* A few seconds' worth at most, usually none: the kernel's own value is
	 * over 1e9 by however long since its last update (up to max_cycles, many
	 * seconds after a long idle), the offset's below 1e9. A loop as in the
	 * kernel's __iter_div_u64_rem, no division. */
	while (nsec >= NSEC_PER_SEC) {
		nsec -= NSEC_PER_SEC;
		sec++;
	}
	ts->tv_sec = (int64_t)sec;
	ts->tv_nsec = (int64_t)nsec;
	if (__builtin_expect(mode == TIMENS_MODE_SCALED, 0))
		return read_scaled(clock, ts);
	/* Past an end of the range (see add_offset): saturate, never wrap. */
	if (__builtin_expect(sec >= (uint64_t)KTIME_MAX_SEC, 0))
		saturate(ts);
	return 0;
}

int timens_gettimeofday(struct kernel_timeval *tv, struct kernel_timezone *tz)
{
	if (tz) {
		/* The timezone is host state we do not virtualize: ask the kernel. */
		gettimeofday_fn kernel = (gettimeofday_fn)(timens_process_page.kernel_vdso +
							   timens_process_page.off_gettimeofday);
		int ret = kernel(NULL, tz);
		if (ret != 0)
			return ret;
	}
	if (tv) {
		struct kernel_timespec ts;
		int ret = timens_clock_gettime(CLOCK_REALTIME, &ts);
		if (ret != 0)
			return ret;
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
	}
	return 0;
}

/* time(2) is the seconds of the coarse realtime clock, as in the kernel. */
int64_t timens_time(int64_t *t)
{
	struct kernel_timespec ts;
	timens_clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}
