package dev.timens.linux;

import java.lang.foreign.MemorySegment;

/** getauxval(3), from sys/auxv.h, and the auxiliary vector entry types timens uses. */
public final class Auxv {
    private Auxv() {}

    public static final int AT_NULL = 0;
    public static final int AT_PAGESZ = 6;
    /** The address of the vDSO's ELF header (linux/auxvec.h, x86). */
    public static final int AT_SYSINFO_EHDR = 33;

    private static final class Function {
        static final MemorySegment GETAUXVAL = Native.function("getauxval");
    }

    /** This process's auxiliary vector entry {@code type}, 0 when absent. */
    public static long getauxval(int type) {
        return Native.call(Function.GETAUXVAL, Native.capture(), type, 0, 0, 0, 0, 0);
    }
}
