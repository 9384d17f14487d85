package dev.timens.engine;

/**
 * The seccomp ABI a filter is written against: its return values (actions), the
 * audit architectures it tells apart, and the layout of {@code struct seccomp_data}
 * it reads.
 *
 * <p>Values come from the kernel's uapi headers: {@code <linux/seccomp.h>} for the
 * actions and {@code struct seccomp_data}, {@code <linux/audit.h>} with
 * {@code <linux/elf-em.h>} for the architectures, and {@code <asm/unistd.h>} (x86)
 * for {@link #X32_SYSCALL_BIT}.
 *
 * <p>An action is a 32-bit value: the high 16 bits select what the kernel does, the
 * low 16 bits ({@code SECCOMP_RET_DATA}) are passed along (the errno for
 * {@code ERRNO}, the {@code PTRACE_GETEVENTMSG} message for {@code TRACE}).
 */
public final class SeccompAction {

    /** Kill the whole process, as if by an uncatchable SIGSYS (Linux 4.14). */
    public static final int KILL_PROCESS = 0x8000_0000;
    /** Kill only the calling thread. */
    public static final int KILL_THREAD = 0x0000_0000;
    /** Do not run the syscall; deliver SIGSYS to the caller. */
    public static final int TRAP = 0x0003_0000;
    /** Do not run the syscall; it returns {@code -data}. See {@link #errno(int)}. */
    public static final int ERRNO = 0x0005_0000;
    /**
     * Stop the caller for its ptrace tracer ({@code PTRACE_EVENT_SECCOMP}). With no
     * tracer using {@code PTRACE_O_TRACESECCOMP}, the syscall fails with ENOSYS,
     * which is why every process of the namespace must stay traced.
     */
    public static final int TRACE = 0x7FF0_0000;
    /**
     * Make the caller wait for an answer from the filter's listener descriptor
     * (Linux 5.0+; {@link Notifications}). With no listener left, ENOSYS.
     */
    public static final int USER_NOTIF = 0x7FC0_0000;
    /** Run the syscall. */
    public static final int ALLOW = 0x7FFF_0000;

    /** Mask of the part of an action that selects what the kernel does. */
    public static final int ACTION_MASK = 0xFFFF_0000;
    /** Mask of the part of an action that is passed along. */
    public static final int DATA_MASK = 0x0000_FFFF;

    /** {@code ENOSYS} from {@code <asm-generic/errno.h>}: "function not implemented". */
    public static final int ENOSYS = 38;
    /**
     * The kernel caps the errno of an {@code ERRNO} action at {@code MAX_ERRNO}
     * ({@code include/linux/err.h}).
     */
    public static final int MAX_ERRNO = 4095;

    /** {@code AUDIT_ARCH_X86_64}: EM_X86_64 (62) | 64-bit | little-endian. Also used by x32. */
    public static final int AUDIT_ARCH_X86_64 = 0xC000_003E;
    /** {@code AUDIT_ARCH_I386}: EM_386 (3) | little-endian; {@code int $0x80} from any process. */
    public static final int AUDIT_ARCH_I386 = 0x4000_0003;
    /**
     * {@code __X32_SYSCALL_BIT}: set in the syscall number of every x32 call. x32
     * calls report {@link #AUDIT_ARCH_X86_64}, so this bit is the only way a filter
     * tells them from native calls.
     */
    public static final int X32_SYSCALL_BIT = 0x4000_0000;

    /** Offset of {@code int nr} in {@code struct seccomp_data}. */
    public static final int OFFSET_NR = 0;
    /** Offset of {@code __u32 arch}. */
    public static final int OFFSET_ARCH = 4;
    /** Offset of {@code __u64 instruction_pointer}. */
    public static final int OFFSET_INSTRUCTION_POINTER = 8;
    /** Offset of {@code __u64 args[6]}. */
    public static final int OFFSET_ARGS = 16;
    /** Number of syscall arguments in {@code struct seccomp_data}. */
    public static final int ARG_COUNT = 6;
    /**
     * Classic BPF loads 32 bits at a time; the high half of a {@code __u64} field is
     * 4 bytes after its low half because x86 is little-endian.
     */
    public static final int HIGH_WORD = 4;
    /** {@code sizeof(struct seccomp_data)}. */
    public static final int SECCOMP_DATA_SIZE = 64;

    private SeccompAction() {}

    /**
     * {@code SECCOMP_RET_ERRNO | errno}: the syscall is not run and returns
     * {@code -errno}.
     *
     * @throws IllegalArgumentException unless {@code 0 <= errno <= MAX_ERRNO}
     */
    public static int errno(int errno) {
        if (errno < 0 || errno > MAX_ERRNO) {
            throw new IllegalArgumentException("errno must be in 0.." + MAX_ERRNO + ": " + errno);
        }
        return ERRNO | errno;
    }

    /**
     * {@code SECCOMP_RET_TRACE | data}: the tracer reads {@code data} with
     * {@code PTRACE_GETEVENTMSG} at the seccomp stop.
     *
     * @throws IllegalArgumentException unless {@code data} fits in 16 bits
     */
    public static int trace(int data) {
        if ((data & ~DATA_MASK) != 0) {
            throw new IllegalArgumentException("trace data must fit in 16 bits: " + data);
        }
        return TRACE | data;
    }

    /** Offset in {@code struct seccomp_data} of the low 32 bits of {@code args[index]}. */
    public static int offsetOfArg(int index) {
        if (index < 0 || index >= ARG_COUNT) {
            throw new IllegalArgumentException("syscall argument index must be in 0..5: " + index);
        }
        return OFFSET_ARGS + Long.BYTES * index;
    }

    /** A readable name for an action value, such as {@code ERRNO(38)} or {@code ALLOW}. */
    public static String describe(int action) {
        int data = action & DATA_MASK;
        String name = switch (action & ACTION_MASK) {
            case KILL_PROCESS -> "KILL_PROCESS";
            case KILL_THREAD -> "KILL_THREAD";
            case TRAP -> "TRAP";
            case ERRNO -> "ERRNO";
            case TRACE -> "TRACE";
            case ALLOW -> "ALLOW";
            default -> "0x" + Integer.toHexString(action & ACTION_MASK);
        };
        return data == 0 && (action & ACTION_MASK) != ERRNO ? name : name + "(" + data + ")";
    }
}
