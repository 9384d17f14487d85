package dev.timens.engine;

/**
 * A running engine v2 namespace taking in processes that run already (started
 * outside it), as {@link OnDemandSupervisor#adopt} takes in the first one of a
 * namespace of its own: each gets a filter of its own, whose listener the
 * supervisor serves beside the others, and is prepared by the tool
 * ({@link Tool#onAdopt}). Any thread may ask; the tracer thread does the work,
 * and the call returns once it is done.
 */
public interface Joining {
    /**
     * Takes process {@code pid}, its threads and what it starts from then on
     * into the namespace; with {@code tree}, each process it started before
     * (its descendants, as /proc shows them now) too, each the same way. A
     * descendant that cannot be taken in (another user's, traced, stopped)
     * stays on host time, said on the supervisor's diagnostics.
     *
     * @throws SupervisorException with the cause's errno telling why: ESRCH no
     *                             such process, EPERM ptrace refused, EBUSY in a
     *                             namespace already, traced, stopped, or a filter of
     *                             another kind; the process runs on untouched
     */
    void join(int pid, boolean tree) throws SupervisorException;

    /**
     * As {@code join(pid, true)} for process {@code pid} in the namespace
     * already (the one {@link OnDemandSupervisor#adopt} took in): the
     * processes it started before it was taken in come too.
     */
    void joinDescendants(int pid) throws SupervisorException;

    /**
     * Lets process {@code pid}, which {@link #join} took in, go back to host
     * time, with what it started since and the processes {@code tree} took in
     * with it; their filters are left to {@code timens-exec continue}.
     *
     * @throws SupervisorException when {@code pid} was not taken in by
     *                             {@link #join} (ESRCH), or one of those processes
     *                             runs a program exec'd in the namespace, whose
     *                             clock code is the namespace's (EBUSY): nothing
     *                             changed
     */
    void leave(int pid) throws SupervisorException;

    /** Whether {@code pid} is a process {@link #join} took in (not one it started since). */
    boolean joined(int pid);
}
