/**
 * The Linux calls timens makes itself, through the FFM API: ptrace, seccomp and
 * its listener, sockets, memory files, /proc, and the errno and syscall tables
 * ({@link dev.timens.linux.Errno}, {@link dev.timens.linux.SyscallNumbers}).
 * x86-64 only.
 */
package dev.timens.linux;
