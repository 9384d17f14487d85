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

    /** The address of libc's function {@code name}. */
    static MemorySegment function(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    /**
     * One downcall shape for every C function timens calls, libc's
     * {@code syscall} included: the function's address, then seven integer
     * arguments, an integer result, errno captured. Each distinct shape costs
     * the JVM generated code at start-up (10-20 ms each on a 2-vCPU VM, seven
     * shapes once), and start-up is part of every {@code timens -- command}.
     *
     * <p>Safe for any function of up to seven integer or pointer parameters
     * (x86-64 System V): the first six go in registers and the seventh on the
     * stack in the caller's frame, which the caller pops, so a function taking
     * fewer never sees the rest; the arguments from the second on are passed
     * as variadic (for {@code syscall(long, ...)}), which only sets %al, the
     * count of vector registers used (zero), and a function that is not
     * variadic ignores %al. A function returning {@code int} defines only
     * the low 32 bits of the result: callers cast.
     */
    private static final class Call {
        static final MethodHandle HANDLE = LINKER.downcallHandle(
                FunctionDescriptor.of(LONG, LONG, LONG, LONG, LONG, LONG, LONG, LONG),
                CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));
        static final MemorySegment SYSCALL = function("syscall");
    }

    /**
     * Calls the C function at {@code function} with up to six integer or
     * pointer arguments (unused ones are ignored: see {@link Call}), leaving
     * errno in {@code capture}. The caller keeps any memory it passes the
     * address of alive for the call.
     */
    static long call(MemorySegment function, MemorySegment capture,
                     long a0, long a1, long a2, long a3, long a4, long a5) {
        try {
            return (long) Call.HANDLE.invokeExact(function, capture, a0, a1, a2, a3, a4, a5, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
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
            result = (long) Call.HANDLE.invokeExact(Call.SYSCALL, capture, (long) number, a0, a1, a2, a3, a4, a5);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return result == -1 ? -errno(capture) : result;
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
