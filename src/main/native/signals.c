/*
 * libtimens-signals.so: the signal handler of the timens supervisor itself.
 *
 * Where it runs: inside the timens JVM, loaded by dev.timens.linux.CaughtSignals,
 * on whichever thread the kernel picks for a signal sent to the process. Why it
 * is not Java: a handler runs between any two instructions of any thread, the
 * JVM's own included, where no Java code may run; and for the signals the JVM
 * uses itself it must decide, before anything else happens, whether this one is
 * the JVM's business.
 *
 * timens_signals_catch(FD, CAUGHT, CHAINED) installs the handler for every
 * signal N with bit N-1 set in CAUGHT. Then, for each signal:
 *   - A signal in CHAINED that the kernel raised for this process's own code
 *     (si_code > 0: a fault, which HotSpot turns into a NullPointerException, a
 *     safepoint, a StackOverflowError...) or that this process sent itself
 *     (HotSpot's suspend/resume signal between its threads) goes to the handler
 *     that was installed before, as if ours were not there. HotSpot's handler
 *     takes any such signal sent by kill(1) for a crash of its own: it prints a
 *     fatal-error banner and writes hs_err_pid*.log into the working directory.
 *   - Every other one is written to FD as a struct caught_signal, and the
 *     handler returns. FD is the write end of a non-blocking pipe that a Java
 *     thread reads and acts on (it decides what the signal means: forward it to
 *     the command or ignore it). write(2) is async-signal-safe and, for 16
 *     bytes, atomic (pipe(7), PIPE_BUF); with the pipe full, the signal is
 *     dropped, as the kernel drops a standard signal already pending.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "caught-signal.h"

#define MAX_SIGNAL 64

static volatile int record_fd = -1;
static volatile pid_t self;
/* The action before ours, for the signals in chained_mask. */
static struct sigaction previous[MAX_SIGNAL + 1];
static volatile uint64_t chained_mask;

static int is_function(const struct sigaction *action)
{
	if (action->sa_flags & SA_SIGINFO)
		return action->sa_sigaction != NULL;
	return action->sa_handler != SIG_DFL && action->sa_handler != SIG_IGN;
}

static void on_signal(int signo, siginfo_t *info, void *context)
{
	int saved_errno = errno;
	if (((chained_mask >> (signo - 1)) & 1) && (info->si_code > 0 || info->si_pid == self)) {
		const struct sigaction *before = &previous[signo];
		if (before->sa_flags & SA_SIGINFO)
			before->sa_sigaction(signo, info, context);
		else
			before->sa_handler(signo);
	} else if (info->si_code > 0 && (signo == SIGSEGV || signo == SIGBUS || signo == SIGILL || signo == SIGFPE)) {
		/* A fault of our own with no JVM handler to take it (cannot happen
		 * with HotSpot): the default action, when the instruction runs again. */
		signal(signo, SIG_DFL);
	} else {
		struct caught_signal record = { signo, info->si_code, info->si_pid, (int32_t)info->si_uid };
		ssize_t ignored = write(record_fd, &record, sizeof record);
		(void)ignored;
	}
	errno = saved_errno;
}

/*
 * Installs on_signal for the signals in CAUGHT (bit N-1 for signal N; never
 * 32 and 33, which glibc keeps for itself). Returns 0, or -errno of the first
 * sigaction that failed.
 */
int timens_signals_catch(int fd, uint64_t caught, uint64_t chained)
{
	record_fd = fd;
	self = getpid();
	for (int signo = 1; signo <= MAX_SIGNAL; signo++) {
		uint64_t bit = UINT64_C(1) << (signo - 1);
		if (!(caught & bit))
			continue;
		struct sigaction before;
		if (sigaction(signo, NULL, &before) != 0)
			return -errno;
		struct sigaction action;
		memset(&action, 0, sizeof action);
		action.sa_sigaction = on_signal;
		if ((chained & bit) && is_function(&before)) {
			/* As the JVM asked for its own: same mask and flags (SA_ONSTACK...). */
			previous[signo] = before;
			action.sa_mask = before.sa_mask;
			action.sa_flags = (before.sa_flags & ~(SA_RESETHAND | SA_NODEFER)) | SA_SIGINFO;
			/* Published before the handler can run with it. */
			__atomic_or_fetch(&chained_mask, bit, __ATOMIC_SEQ_CST);
		} else {
			/* Other signals wait while one is recorded; faults never do. */
			sigfillset(&action.sa_mask);
			sigdelset(&action.sa_mask, SIGSEGV);
			sigdelset(&action.sa_mask, SIGBUS);
			sigdelset(&action.sa_mask, SIGILL);
			sigdelset(&action.sa_mask, SIGFPE);
			action.sa_flags = SA_SIGINFO | SA_RESTART;
		}
		if (sigaction(signo, &action, NULL) != 0)
			return -errno;
	}
	return 0;
}
