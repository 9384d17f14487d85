package dev.timens.engine;

import java.util.function.LongSupplier;

/**
 * Room for the supervisor's copies on a stopped thread's unused stack, below
 * the x86_64 red zone (which belongs to the interrupted code). Successive
 * pushes return disjoint places; the same stack pointer gives the same places
 * again (a restarted syscall finds its copy where it left it).
 *
 * <p>Where the stack has no room (the stack pointer within a few hundred bytes
 * of a guard page: the write there fails, as the memory is not writable), the
 * copies go to the thread's {@link Tool#scratchArea} instead, when the tool
 * has one: the same place for the same thread every time.
 */
final class StackScratch {
    private static final long RED_ZONE = 128;

    private final TraceeMemory memory;
    /** Null: no fallback. */
    private final LongSupplier fallback;
    private long top;
    /** Next free byte of the fallback area once in use, else 0. */
    private long areaNext;
    private long areaEnd;

    StackScratch(TraceeMemory memory, long stackPointer) {
        this(memory, stackPointer, null);
    }

    /**
     * @param fallback gives the thread's {@link Tool#scratchArea} (0: none);
     *                 asked only when the stack has no room; its memory is
     *                 written with {@link ProcessMemory#forceWrite}, so
     *                 {@code memory} must then be a {@link ProcessMemory}
     */
    StackScratch(TraceeMemory memory, long stackPointer, LongSupplier fallback) {
        this.memory = memory;
        this.fallback = fallback;
        this.top = (stackPointer - RED_ZONE) & ~15L;
    }

    /** Copies {@code bytes} below the places handed out so far, 16-byte aligned; returns their address. */
    RemotePtr push(byte[] bytes) throws TraceeFault {
        if (areaNext == 0) {
            long at = (top - bytes.length) & ~15L;
            try {
                memory.write(new RemotePtr(at), bytes);
                top = at;
                return new RemotePtr(at);
            } catch (TraceeFault noRoom) {
                long area = fallback == null || !(memory instanceof ProcessMemory) ? 0 : fallback.getAsLong();
                if (area == 0) throw noRoom;
                areaNext = area;
                areaEnd = area + Tool.SCRATCH_AREA_SIZE;
            }
        }
        long at = (areaNext + 15) & ~15L;
        if (at + bytes.length > areaEnd) throw new TraceeFault(new RemotePtr(at), bytes.length);
        ((ProcessMemory) memory).forceWrite(new RemotePtr(at), bytes);
        areaNext = at + bytes.length;
        return new RemotePtr(at);
    }
}
