package dev.timens.engine;

/**
 * Room for the supervisor's copies on a stopped thread's unused stack, below
 * the x86_64 red zone (which belongs to the interrupted code). Successive
 * pushes return disjoint places; the same stack pointer gives the same places
 * again (a restarted syscall finds its copy where it left it).
 */
final class StackScratch {
    private static final long RED_ZONE = 128;

    private final TraceeMemory memory;
    private long top;

    StackScratch(TraceeMemory memory, long stackPointer) {
        this.memory = memory;
        this.top = (stackPointer - RED_ZONE) & ~15L;
    }

    /** Copies {@code bytes} below the places handed out so far, 16-byte aligned; returns their address. */
    RemotePtr push(byte[] bytes) throws TraceeFault {
        top = (top - bytes.length) & ~15L;
        RemotePtr at = new RemotePtr(top);
        memory.write(at, bytes);
        return at;
    }
}
