/*
 * filetimeprobe: the raw file-time syscalls, each set through and read back
 * through each of the others, for --file-times.
 *
 *   filetimeprobe FILE SECONDS   sets FILE's modification time through utime,
 *                  utimes, futimesat and utimensat in turn, to SECONDS,
 *                  SECONDS + 10, + 20 and + 30 (+ 0.5 s for those that take a
 *                  fraction); after each, reads it back through stat, lstat,
 *                  fstat, newfstatat and statx, and prints
 *                  FILETIMES SETTER.GETTER=S.NNNNNNNNN ... (seconds and
 *                  nanoseconds read, or error-ENAME)
 *   filetimeprobe FILE bad   every one of those calls with a bad pointer (to
 *                  the stat buffer or to the times), and utimensat with an
 *                  invalid nanosecond count; prints FILEBAD name=error-ENAME ...
 *                  (or name=0): the kernel's own answers, inside as natively
 */
#include "probe.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>
#include <utime.h>

static void getters(const char *setter, const char *file)
{
	struct stat st;
	struct statx sx;
	char key[64];
	int fd = open(file, O_RDONLY);
	long results[5];
	results[0] = syscall(SYS_stat, file, &st) ? -errno : (long)st.st_mtim.tv_sec;
	long nanos0 = st.st_mtim.tv_nsec;
	results[1] = syscall(SYS_lstat, file, &st) ? -errno : (long)st.st_mtim.tv_sec;
	long nanos1 = st.st_mtim.tv_nsec;
	results[2] = syscall(SYS_fstat, fd, &st) ? -errno : (long)st.st_mtim.tv_sec;
	long nanos2 = st.st_mtim.tv_nsec;
	results[3] = syscall(SYS_newfstatat, AT_FDCWD, file, &st, 0) ? -errno : (long)st.st_mtim.tv_sec;
	long nanos3 = st.st_mtim.tv_nsec;
	results[4] = syscall(SYS_statx, AT_FDCWD, file, 0, STATX_MTIME, &sx) ? -errno : (long)sx.stx_mtime.tv_sec;
	long nanos4 = sx.stx_mtime.tv_nsec;
	long nanos[5] = {nanos0, nanos1, nanos2, nanos3, nanos4};
	const char *names[5] = {"stat", "lstat", "fstat", "newfstatat", "statx"};
	close(fd);
	for (int i = 0; i < 5; i++) {
		snprintf(key, sizeof key, "%s.%s", setter, names[i]);
		if (results[i] < 0)
			printf(" %s=error-%s", key, errno_name((int)-results[i]));
		else
			printf(" %s=%ld.%09ld", key, results[i], nanos[i]);
	}
}

static void set_result(const char *name, long result)
{
	if (result != 0)
		printf(" %s=error-%s", name, errno_name(errno));
	else
		printf(" %s=0", name);
}

static void setter(const char *name, long result, const char *file)
{
	if (result != 0)
		printf(" %s=error-%s", name, errno_name(errno));
	else
		getters(name, file);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: filetimeprobe FILE SECONDS\n");
		return 2;
	}
	const char *file = argv[1];
	if (strcmp(argv[2], "bad") == 0) {
		void *bad = (void *)16;
		struct timespec invalid[2] = {{0, 1000000000L}, {0, 0}};
		printf("FILEBAD");
		set_result("stat", syscall(SYS_stat, file, bad));
		set_result("lstat", syscall(SYS_lstat, file, bad));
		set_result("fstat", syscall(SYS_fstat, 0, bad));
		set_result("newfstatat", syscall(SYS_newfstatat, AT_FDCWD, file, bad, 0));
		set_result("statx", syscall(SYS_statx, AT_FDCWD, file, 0, STATX_MTIME, bad));
		set_result("utime", syscall(SYS_utime, file, bad));
		set_result("utimes", syscall(SYS_utimes, file, bad));
		set_result("futimesat", syscall(SYS_futimesat, AT_FDCWD, file, bad));
		set_result("utimensat", syscall(SYS_utimensat, AT_FDCWD, file, bad, 0));
		set_result("utimensat_einval", syscall(SYS_utimensat, AT_FDCWD, file, invalid, 0));
		printf("\n");
		return 0;
	}
	long s = atol(argv[2]);
	printf("FILETIMES");
	struct utimbuf ub = {s, s};
	setter("utime", syscall(SYS_utime, file, &ub), file);
	struct timeval tv[2] = {{s + 10, 500000}, {s + 10, 500000}};
	setter("utimes", syscall(SYS_utimes, file, tv), file);
	tv[0].tv_sec = tv[1].tv_sec = s + 20;
	setter("futimesat", syscall(SYS_futimesat, AT_FDCWD, file, tv), file);
	struct timespec ts[2] = {{0, UTIME_OMIT}, {s + 30, 500000000}};
	setter("utimensat", syscall(SYS_utimensat, AT_FDCWD, file, ts, 0), file);
	printf("\n");
	return 0;
}
