package dev.timens.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The shared plumbing of timens's libc bindings: the linker, symbol lookup and
 * errno capture. Internal to timens; the public API packages never expose it.
 */
final class Native {
    private Native() {}

    static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LIBC = LINKER.defaultLookup();
    static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /**
     * One capture buffer per thread: a call writes errno into it and the same
     * thread reads it back right after, so threads never share one.
     */
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.global().allocate(CAPTURE_LAYOUT));

    static MemorySegment capture() {
        return CAPTURE.get();
    }

    static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment address = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(address, descriptor, options);
    }

    private static final class Syscall {
        // long syscall(long number, ...): one downcall shape for every system call
        // timens makes. Each distinct shape costs the JVM generated code at start-up,
        // and start-up is part of every `timens -- command`.
        static final MethodHandle HANDLE = downcall("syscall",
                FunctionDescriptor.of(LONG, LONG, LONG, LONG, LONG, LONG, LONG, LONG),
                CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));
    }

    /**
     * Makes system call {@code number} (x86_64 numbering) with six arguments
     * (unused ones are ignored by the kernel). Returns the result, or
     * {@code -errno} on failure, like the kernel's own convention.
     */
    static long syscall(int number, long a0, long a1, long a2, long a3, long a4, long a5) {
        MemorySegment capture = capture();
        long result;
        try {
            result = (long) Syscall.HANDLE.invokeExact(capture, (long) number, a0, a1, a2, a3, a4, a5);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return result == -1 ? -errno(capture) : result;
    }

    /** A libc call that sets errno: the returned handle takes the capture segment first. */
    static MethodHandle syscall(String name, FunctionDescriptor descriptor, Linker.Option... more) {
        Linker.Option[] options = new Linker.Option[more.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(more, 0, options, 1, more.length);
        return downcall(name, descriptor, options);
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException e) throw e;
        if (t instanceof Error e) throw e;
        throw new AssertionError(t);
    }

    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;
    static final java.lang.foreign.AddressLayout PTR = ValueLayout.ADDRESS;
}
