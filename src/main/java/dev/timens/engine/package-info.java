/**
 * The interception engine: runs a command under a seccomp filter built from
 * what a {@link dev.timens.engine.Tool} subscribes to, and hands the tool each
 * subscribed syscall, each exec and each new or ended task. It knows nothing of
 * clocks: timens's time namespace ({@code dev.timens.clock}) is one tool on it,
 * {@code examples/syscall-log} another.
 *
 * <p>Where to start:
 * <ul>
 * <li>{@link dev.timens.engine.Tool}: what a tool implements; every method but
 *     {@code syscalls()} has a default that does nothing.</li>
 * <li>{@link dev.timens.engine.SyscallSet}: the subscription. Calls sent to the
 *     tracer stop the caller ({@link dev.timens.engine.SyscallStop}); calls sent
 *     to the seccomp listener wait in the kernel
 *     ({@link dev.timens.engine.Notification}); both are a
 *     {@link dev.timens.engine.SyscallCall}. Everything else runs at native
 *     speed.</li>
 * <li>{@link dev.timens.engine.ExecStop}: a thread that has just exec'd, before
 *     its first instruction.</li>
 * <li>{@link dev.timens.engine.Supervisor#run} (engine v1: every process traced
 *     for its life) and {@link dev.timens.engine.OnDemandSupervisor#run}
 *     (engine v2: a thread is attached only while its registers must change, so
 *     debuggers and strace work inside) run a command with a tool and return its
 *     {@link dev.timens.engine.ExitStatus}.</li>
 * </ul>
 *
 * <p>The engine's own rules come before the tool's, and no subscription switches
 * them off (see {@link dev.timens.engine.Tool#syscalls()}). Memory of a traced
 * process is reached through {@link dev.timens.engine.TraceeMemory} and
 * {@link dev.timens.engine.RemotePtr}, never through bare addresses.
 */
package dev.timens.engine;
