/*
 * Layout of the pages shared between the supervisor (Java, dev.timens.clock)
 * and the clock functions that run inside traced programs (wrapper.c).
 * The Java side declares the same layout with MemoryLayout and a test checks
 * both against this header.
 */
#ifndef TIMENS_CLOCK_H
#define TIMENS_CLOCK_H

#include <stdint.h>

#define TIMENS_PAGE_SIZE 4096
#define TIMENS_CLOCK_GROUPS 3   /* 0 REALTIME, 1 MONOTONIC, 2 BOOTTIME */
#define TIMENS_FORWARDS 16      /* kernel vDSO functions we can forward to */

/* How a group's clocks are read. */
#define TIMENS_MODE_HOST   0    /* host time untouched */
#define TIMENS_MODE_OFFSET 1    /* host time + offset_sec s + offset_nsec ns */
#define TIMENS_MODE_SCALED 2    /* the general transform below */

/*
 * virtual = base_virt + ((real - base_real) * mult) >> shift, in nanoseconds.
 * When the rate is 1 the supervisor also stores the same map as a plain offset
 * (0 <= offset_nsec < 1e9), which the clock code applies to the timespec
 * without any 64-bit division: the common case costs two additions.
 */
struct timens_transform {
	int64_t base_real;
	int64_t base_virt;
	uint64_t mult;
	uint32_t shift;
	uint32_t mode;
	int64_t offset_sec;
	int64_t offset_nsec;
};

/* The clock page: one per namespace, shared by every process, written only by
 * the supervisor under the seqlock (odd while a write is in progress). */
struct timens_clock_page {
	uint32_t seq;
	uint32_t version;       /* layout version, checked by the supervisor */
	uint64_t reserved;
	struct timens_transform group[TIMENS_CLOCK_GROUPS];
};

/* The process page: the same for every process when the image is built, then
 * privately copied-on-write when the supervisor pokes kernel_vdso into it at
 * exec. Offsets are relative to the kernel vDSO's load address. */
struct timens_process_page {
	uint64_t kernel_vdso;   /* load address of this process's kernel vDSO */
	uint64_t off_clock_gettime;
	uint64_t off_gettimeofday;
	uint64_t forward[TIMENS_FORWARDS];
	/* Where the kernel's time data (struct kernel_vdso_clock, below) lies,
	 * relative to kernel_vdso; 0 when the supervisor found it unusable and
	 * the clock code must call the kernel's function instead. */
	int64_t kernel_time_data;
	/* Where the clock page lies in the image's file: a forked child maps its
	 * namespace's clock page from there (below). */
	uint64_t clock_page_offset;
	/* Set by the supervisor in a process that made a time namespace for its
	 * children (unshare(CLONE_NEWTIME)), and inherited by what it forks:
	 * nonzero once the process's fork page (timens_fork_page, after the clock
	 * page) is anonymous memory of its own that a fork clears
	 * (MADV_WIPEONFORK) and that holds a nonzero word; and which namespace
	 * its children enter. A clock read that finds the word cleared is a
	 * forked child's first: it enters that namespace (TIMENS_FORKED_SYSCALL). */
	uint64_t fork_check;
	uint64_t children_token;
};

/*
 * syscall(TIMENS_FORKED_SYSCALL, children_token): a descriptor of the clock
 * image of the namespace the calling process, forked by a process that made
 * one for its children, is in from now on (-errno: it stays where it is). A
 * number no Linux table uses, which the filter hands to the supervisor.
 */
#define TIMENS_FORKED_SYSCALL 0x3e000005

/* The fork page (after the clock page), in a process where fork_check is set:
 * nonzero once the process is in the namespace it belongs in; and, for a
 * forked child that made a namespace for its own children before its first
 * clock read, the token of the namespace it enters itself (else 0: its
 * process page's children_token, its parent's). */
struct timens_fork_page {
	uint32_t entered;
	uint32_t reserved;
	uint64_t entry_token;
};
/* The second half of the process page is the supervisor's: per-thread room
 * for translated syscall arguments when a thread's stack has none
 * (VdsoImage.PP_SCRATCH, TimeNamespace.scratchArea). */
#define TIMENS_PROCESS_PAGE_SCRATCH 2048
_Static_assert(sizeof(struct timens_process_page) <= TIMENS_PROCESS_PAGE_SCRATCH,
	       "the process page's own fields reach into the supervisor's half");


/*
 * The kernel's own time data, as its vDSO reads it (the first page of the
 * [vvar] mapping; include/vdso/datapage.h, struct vdso_clock, of the generic
 * vDSO data store with CONFIG_GENERIC_VDSO_OVERFLOW_PROTECT, as on x86_64 in
 * 6.15 and later; 6.10 to 6.14 kept a struct vdso_data elsewhere in [vvar],
 * which the check refuses).
 * Two of them in a row: [0] for the clocks that follow NTP (REALTIME,
 * MONOTONIC, BOOTTIME, TAI and the coarse ones), [1] for MONOTONIC_RAW.
 * Not our ABI: the supervisor checks this layout against the running kernel
 * (KernelTimeData.java) before it lets the clock code read it.
 */
#define KERNEL_CLOCK_BASES 12           /* CLOCK_TAI + 1 */
#define KERNEL_CLOCK_MODE_TSC 1         /* VDSO_CLOCKMODE_TSC */

struct kernel_clock_base {
	uint64_t sec;
	uint64_t nsec;                  /* shifted left by shift, except for the coarse clocks */
};

struct kernel_vdso_clock {
	uint32_t seq;                   /* odd while the kernel updates it */
	int32_t clock_mode;
	uint64_t cycle_last;
	uint64_t max_cycles;            /* beyond this, delta * mult could overflow */
	uint64_t mask;
	uint32_t mult;
	uint32_t shift;
	struct kernel_clock_base base[KERNEL_CLOCK_BASES];
};

#define TIMENS_LAYOUT_VERSION 2

#endif
