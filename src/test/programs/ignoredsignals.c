/*
 * ignoredsignals: waits that a signal the program ignores must not cut short
 * (dev.timens.it.SignalStateIT). Natively the kernel discards a signal whose
 * disposition is SIG_IGN (or SIG_DFL for SIGCHLD, SIGURG, SIGWINCH) when it is
 * sent; under ptrace it is queued and wakes the thread, and calls that do not
 * restart (epoll_wait, sigtimedwait) returned EINTR.
 *
 * For each call, a child sends the signal (or, for SIGCHLD, exits) 50 ms into a
 * 300 ms wait, and the program prints
 *     WAIT call=NAME signal=NAME result=0|error-ENAME
 * Exits 0.
 */
#include "probe.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/wait.h>

static pid_t send_later(int sig)
{
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        struct timespec d = { 0, 50 * 1000 * 1000 };
        nanosleep(&d, NULL);
        if (sig != SIGCHLD)
            kill(parent, sig);
        _exit(0);
    }
    return child;
}

static void report(const char *call, const char *signal, long r)
{
    if (r < 0)
        printf("WAIT call=%s signal=%s result=error-%s\n", call, signal, errno_name(errno));
    else
        printf("WAIT call=%s signal=%s result=%ld\n", call, signal, r);
    fflush(stdout);
}

static void epoll(int sig, const char *name)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev;
    pid_t child = send_later(sig);
    long r = epoll_wait(ep, &ev, 1, 300);
    report("epoll_wait", name, r);
    waitpid(child, NULL, 0);
    close(ep);
}

static void timedwait(int sig, const char *name)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2); /* never sent: the wait times out */
    sigprocmask(SIG_BLOCK, &set, NULL);
    struct timespec t = { 0, 300 * 1000 * 1000 };
    pid_t child = send_later(sig);
    long r = sigtimedwait(&set, NULL, &t);
    report("sigtimedwait", name, r);
    waitpid(child, NULL, 0);
}

int main(void)
{
    signal(SIGUSR1, SIG_IGN);
    signal(SIGCHLD, SIG_DFL);
    epoll(SIGUSR1, "USR1");
    epoll(SIGCHLD, "CHLD");
    epoll(SIGWINCH, "WINCH");
    timedwait(SIGUSR1, "USR1");
    timedwait(SIGCHLD, "CHLD");
    return 0;
}
