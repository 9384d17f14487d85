package dev.timens.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static dev.timens.linux.Native.INT;
import static dev.timens.linux.Native.PTR;

/**
 * posix_spawn(3), from spawn.h. glibc implements it with clone(CLONE_VM |
 * CLONE_VFORK) and runs no Java in the child, which makes it safe to call from
 * a JVM; unlike ProcessBuilder it leaves the wait status to us (the JDK's
 * process reaper would otherwise take the statuses the tracer needs).
 */
public final class Spawn {
    private Spawn() {}

    /** Larger than glibc's posix_spawn_file_actions_t (80 bytes on x86_64). */
    private static final long FILE_ACTIONS_SIZE = 256;

    private static final class Function {
        static final MemorySegment SPAWN = Native.function("posix_spawn");
        static final MemorySegment ACTIONS_INIT = Native.function("posix_spawn_file_actions_init");
        static final MemorySegment ACTIONS_DESTROY = Native.function("posix_spawn_file_actions_destroy");
        static final MemorySegment ACTIONS_ADDDUP2 = Native.function("posix_spawn_file_actions_adddup2");
        static final MemorySegment ENVIRON = Native.LIBC.find("environ")
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no environ"))
                // Safe: environ is a char ** variable of libc, 8 bytes.
                .reinterpret(8);
    }

    /**
     * Starts {@code path} with {@code argv} and this process's environment.
     * {@code inheritFds} are passed to the child even though they are close-on-exec
     * here (glibc 2.29+ clears FD_CLOEXEC for a dup2 onto itself), so no other
     * thread's spawn can leak them. Returns the child's pid.
     */
    public static int spawn(String path, List<String> argv, int... inheritFds) {
        // Each function returns an error number (int), not -1 and errno.
        MemorySegment capture = Native.capture();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment actions = arena.allocate(FILE_ACTIONS_SIZE, 16);
            check("posix_spawn_file_actions_init",
                    (int) Native.call(Function.ACTIONS_INIT, capture, actions.address(), 0, 0, 0, 0, 0));
            try {
                for (int fd : inheritFds) {
                    check("posix_spawn_file_actions_adddup2",
                            (int) Native.call(Function.ACTIONS_ADDDUP2, capture, actions.address(), fd, fd, 0, 0, 0));
                }
                MemorySegment argvArray = arena.allocate(PTR, argv.size() + 1L);
                for (int i = 0; i < argv.size(); i++) {
                    argvArray.setAtIndex(PTR, i, arena.allocateFrom(argv.get(i)));
                }
                argvArray.setAtIndex(PTR, argv.size(), MemorySegment.NULL);
                MemorySegment pid = arena.allocate(INT);
                MemorySegment environ = Function.ENVIRON.get(PTR, 0);
                int error = (int) Native.call(Function.SPAWN, capture, pid.address(),
                        arena.allocateFrom(path).address(), actions.address(), 0, argvArray.address(),
                        environ.address());
                check("posix_spawn " + path, error);
                return pid.get(INT, 0);
            } finally {
                Native.call(Function.ACTIONS_DESTROY, capture, actions.address(), 0, 0, 0, 0, 0);
            }
        }
    }

    private static void check(String call, int error) {
        // posix_spawn returns the error number instead of setting errno.
        if (error != 0) throw new LinuxException(call, error);
    }
}
