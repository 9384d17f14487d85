/*
 * unwindprobe: can a profiler unwind out of the clock functions of the vDSO?
 *
 * It reads CLOCK_REALTIME in a loop through libc (so through the vDSO's
 * clock_gettime: the kernel's natively, timens's image and then the kernel's
 * under timens) while ITIMER_PROF interrupts it every millisecond of CPU time.
 * For each interruption whose instruction lies in the kernel's [vdso] mapping or
 * in the image AT_SYSINFO_EHDR points at (under timens, timens's; natively the
 * same [vdso]), the SIGPROF handler unwinds the way profilers do:
 *   - with the unwind tables (CFI): glibc's backtrace(), that is libgcc's
 *     unwinder, which finds the object's tables through _dl_find_object or
 *     dl_iterate_phdr and PT_GNU_EH_FRAME, and steps through the signal frame;
 *   - with frame pointers, as `perf record -g` does: the rbp chain from the
 *     interrupted registers.
 * Each counts as unwound when it reaches a return address in the loop or in main
 * (both in the section probe_hot). Runs until it has 200 samples in the kernel's
 * code and, when the image is not the kernel's, 50 in the image, or as many as
 * its two arguments say (under timens, when the clock code reads the kernel's
 * time data itself, the kernel's code never runs: 0 of those); prints
 *   UNWIND lang=c-dyn kernel=N kernel_cfi=A kernel_fp=B image=M image_cfi=C image_fp=D
 * Natively image=0. SIGALRM ends a run that gets no samples within 60 s.
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef PROBE_LANG
#define PROBE_LANG "c"
#endif

#define MAX_RANGES 8
#define WANTED_KERNEL 200
#define WANTED_IMAGE 50
static int wanted_kernel = WANTED_KERNEL, wanted_image = WANTED_IMAGE;

/* A mapping of the kernel's vDSO (kind 0) or of the image (kind 1). */
static uintptr_t range_lo[MAX_RANGES], range_hi[MAX_RANGES];
static int range_kind[MAX_RANGES], ranges, image_separate;
static uintptr_t stack_top;
static volatile sig_atomic_t samples[2], cfi_ok[2], fp_ok[2];

extern const char __start_probe_hot[], __stop_probe_hot[];

static int in_hot(uintptr_t pc)
{
	return pc >= (uintptr_t)__start_probe_hot && pc < (uintptr_t)__stop_probe_hot;
}

/* 0 in the kernel's vDSO, 1 in the image, -1 elsewhere. */
static int kind_of(uintptr_t pc)
{
	for (int i = 0; i < ranges; i++)
		if (pc >= range_lo[i] && pc < range_hi[i])
			return range_kind[i];
	return -1;
}

/* The kernel's [vdso] mapping, and every mapping of the file AT_SYSINFO_EHDR lies in. */
static void find_vdso(void)
{
	uintptr_t ehdr = getauxval(AT_SYSINFO_EHDR);
	char line[512], image[256] = "";
	FILE *maps = fopen("/proc/self/maps", "r");
	if (!maps || !ehdr) {
		fprintf(stderr, "unwindprobe: no /proc/self/maps or no AT_SYSINFO_EHDR\n");
		exit(2);
	}
	while (fgets(line, sizeof line, maps)) {
		unsigned long lo, hi;
		char path[256] = "";
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255[^\n]", &lo, &hi, path) < 2)
			continue;
		if (ehdr >= lo && ehdr < hi)
			strcpy(image, path);
	}
	rewind(maps);
	while (fgets(line, sizeof line, maps) && ranges < MAX_RANGES) {
		unsigned long lo, hi;
		char path[256] = "";
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255[^\n]", &lo, &hi, path) < 2)
			continue;
		int kernel = strcmp(path, "[vdso]") == 0;
		if (kernel || (image[0] && strcmp(path, image) == 0)) {
			range_lo[ranges] = lo;
			range_hi[ranges] = hi;
			range_kind[ranges] = kernel ? 0 : 1;
			image_separate |= !kernel;
			ranges++;
		}
	}
	fclose(maps);
}

static void on_prof(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	(void)info;
	ucontext_t *uc = context;
	uintptr_t pc = uc->uc_mcontext.gregs[REG_RIP];
	int kind = kind_of(pc);
	if (kind < 0)
		return;
	samples[kind]++;

	void *frames[64];
	int n = backtrace(frames, 64);
	for (int i = 0; i < n; i++) {
		if (in_hot((uintptr_t)frames[i])) {
			cfi_ok[kind]++;
			break;
		}
	}

	uintptr_t sp = uc->uc_mcontext.gregs[REG_RSP];
	uintptr_t fp = uc->uc_mcontext.gregs[REG_RBP];
	for (int depth = 0; depth < 64; depth++) {
		if (fp < sp || fp >= stack_top || (fp & 7) != 0)
			break;
		uintptr_t ret = ((uintptr_t *)fp)[1];
		if (in_hot(ret)) {
			fp_ok[kind]++;
			break;
		}
		sp = fp;
		fp = ((uintptr_t *)fp)[0];
	}
}

__attribute__((noinline, section("probe_hot"))) static long spin(void)
{
	struct timespec ts;
	long sum = 0;
	while (samples[0] < wanted_kernel || (image_separate && samples[1] < wanted_image)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		sum += ts.tv_nsec & 1;
	}
	return sum;
}

__attribute__((section("probe_hot"))) int main(int argc, char **argv)
{
	if (argc > 1)
		wanted_kernel = atoi(argv[1]);
	if (argc > 2)
		wanted_image = atoi(argv[2]);
	volatile char here;
	stack_top = (uintptr_t)&here + 4096;
	find_vdso();
	void *warm[4];
	backtrace(warm, 4); /* loads libgcc's unwinder now, not in the handler */

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_prof;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGPROF, &sa, NULL);
	struct itimerval every = { { 0, 1000 }, { 0, 1000 } };
	setitimer(ITIMER_PROF, &every, NULL);
	alarm(60); /* a vDSO never sampled ends the run (SIGALRM) rather than hangs it */

	long sum = spin();

	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_PROF, &off, NULL);
	printf("UNWIND lang=%s kernel=%d kernel_cfi=%d kernel_fp=%d image=%d image_cfi=%d image_fp=%d checksum=%ld\n",
	       PROBE_LANG, (int)samples[0], (int)cfi_ok[0], (int)fp_ok[0], (int)samples[1], (int)cfi_ok[1],
	       (int)fp_ok[1], sum % 2);
	return 0;
}
