/**
 * The time namespace: timens's tool on the interception engine.
 * {@link dev.timens.clock.TimeNamespace} answers the time syscalls of its
 * processes, gives each new program a vDSO of its own
 * ({@link dev.timens.clock.VdsoImage}) whose clock code reads a shared page
 * ({@link dev.timens.clock.ClockPage}) and applies the namespace's
 * {@link dev.timens.clock.ClockTransform} in the process, and translates
 * deadlines, scales waits under a rate and jumps the clocks under warp.
 * {@link dev.timens.clock.NamespaceTree} is what the engine runs: one namespace,
 * and those nested in it by a {@code timens} run inside.
 */
package dev.timens.clock;
