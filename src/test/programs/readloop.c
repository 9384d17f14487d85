/*
 * readloop: reads CLOCK_REALTIME N times, through libc (the vDSO) or through
 * the raw syscall, then prints the last reading. Checks, with timens --stats,
 * that vDSO reads never stop the process and that a raw read costs no stop (one under --rate).
 *
 *   readloop N vdso|raw   ->   READLOOP mode=vdso|raw n=N realtime=S.NNNNNNNNN
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[2], "vdso") != 0 && strcmp(argv[2], "raw") != 0)) {
		fprintf(stderr, "usage: readloop N vdso|raw\n");
		return 2;
	}
	long n = atol(argv[1]);
	int raw = strcmp(argv[2], "raw") == 0;
	struct timespec ts = { 0, 0 };
	for (long i = 0; i < n; i++) {
		int r = raw ? (int)syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts) : clock_gettime(CLOCK_REALTIME, &ts);
		if (r != 0) {
			perror("clock_gettime");
			return 1;
		}
	}
	printf("READLOOP mode=%s n=%ld realtime=%lld.%09ld\n", argv[2], n, (long long)ts.tv_sec, ts.tv_nsec);
	return 0;
}
