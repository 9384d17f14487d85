/*
 * One signal caught by libtimens-signals.so (signals.c), as the handler writes
 * it into its pipe and dev.timens.linux.CaughtSignals.RECORD reads it. Shared
 * with src/test/native/layout-probe.c, which checks the Java layout against it.
 */
#ifndef TIMENS_CAUGHT_SIGNAL_H
#define TIMENS_CAUGHT_SIGNAL_H

#include <stdint.h>

struct caught_signal {
	int32_t signo;
	int32_t code;	/* si_code */
	int32_t pid;	/* si_pid: the sender, when a process sent it */
	int32_t uid;	/* si_uid */
};

#endif
