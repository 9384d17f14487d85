/*
 * clockprobe: checks what every clock interface of C programs reports.
 *
 * Prints one line:
 *   PROBE lang=<c-dyn|c-static|c-musl> realtime=S.NNNNNNNNN ... cputime=S.NNNNNNNNN
 * Plain keys go through libc (clock_gettime, gettimeofday, time), which uses the
 * vDSO and so the vDSO timens maps into the program; raw_ keys are real syscalls
 * (syscall(SYS_...)), which timens answers from its seccomp trap. Built three
 * ways (dynamic glibc, static glibc, static musl) because each libc finds the
 * vDSO differently. Exits 0 when every clock could be read.
 */
#include "probe.h"

int main(void)
{
    print_probe_line(NULL);
    return probe_failed ? 1 : 0;
}
