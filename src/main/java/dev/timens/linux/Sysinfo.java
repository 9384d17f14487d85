package dev.timens.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static dev.timens.linux.Native.INT;
import static dev.timens.linux.Native.LONG;

/** sys/sysinfo.h: the machine-wide figures of sysinfo(2). */
public final class Sysinfo {
    private Sysinfo() {}

    /** struct sysinfo (x86_64, 112 bytes). */
    public static final StructLayout SYSINFO = MemoryLayout.structLayout(
            LONG.withName("uptime"), MemoryLayout.sequenceLayout(3, LONG).withName("loads"),
            LONG.withName("totalram"), LONG.withName("freeram"), LONG.withName("sharedram"),
            LONG.withName("bufferram"), LONG.withName("totalswap"), LONG.withName("freeswap"),
            Native.SHORT.withName("procs"), Native.SHORT.withName("pad"), MemoryLayout.paddingLayout(4),
            LONG.withName("totalhigh"), LONG.withName("freehigh"), INT.withName("mem_unit"),
            MemoryLayout.paddingLayout(4)).withName("sysinfo");

    /** sysinfo(2) of the host into {@code buffer} (a struct sysinfo); returns 0 or {@code -errno}. */
    public static int sysinfo(MemorySegment buffer) {
        if (buffer.byteSize() < SYSINFO.byteSize()) throw new IllegalArgumentException("buffer too small");
        return (int) Native.syscall(SyscallNumbers.SYSINFO, buffer.address(), 0, 0, 0, 0, 0);
    }
}
