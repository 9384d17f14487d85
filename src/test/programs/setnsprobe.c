/*
 * setnsprobe PID PROGRAM [ARGS...]: joins the time namespace of process PID
 * through a pidfd (pidfd_open, then setns(pidfd, CLONE_NEWTIME)), prints
 * "SETNS result=ok" or "SETNS result=ERRNO", and on success runs PROGRAM,
 * which enters that namespace at its exec.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include "probe.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: setnsprobe PID PROGRAM [ARGS...]\n");
        return 2;
    }
    int pidfd = (int)syscall(SYS_pidfd_open, atoi(argv[1]), 0);
    if (pidfd < 0) {
        printf("SETNS result=%s\n", errno_name(errno));
        return 1;
    }
    int r = setns(pidfd, CLONE_NEWTIME);
    printf("SETNS result=%s\n", r == 0 ? "ok" : errno_name(errno));
    fflush(stdout);
    if (r != 0)
        return 1;
    execv(argv[2], argv + 2);
    perror("setnsprobe: exec");
    return 127;
}
