package dev.timens.engine;

import dev.timens.linux.Wait;

/**
 * The tracee died (SIGKILL, or its thread group exec'd or exited) while the
 * supervisor was handling one of its stops. Not an error: the tracer loop drops
 * the handling and processes the death like any other wait status.
 */
final class TraceeGone extends RuntimeException {
    final int tid;
    /** The exit status already taken from waitpid while handling, or null if not yet seen. */
    final Wait.Status status;

    TraceeGone(int tid) {
        this(tid, null);
    }

    TraceeGone(int tid, Wait.Status status) {
        super("tracee " + tid + " is gone", null, false, false);
        this.tid = tid;
        this.status = status;
    }
}
