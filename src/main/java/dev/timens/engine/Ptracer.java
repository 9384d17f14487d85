package dev.timens.engine;

import dev.timens.linux.Errno;
import dev.timens.linux.LinuxException;
import dev.timens.linux.Ptrace;
import dev.timens.linux.Wait;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The ptrace requests of the tracer thread, with ESRCH turned into
 * {@link TraceeGone}. Confined to the tracer thread, like ptrace itself.
 */
final class Ptracer {
    static final int SIGTRAP = 5;

    /** si_code of a trap the CPU raised (an int3), from include/uapi/asm-generic/siginfo.h. */
    private static final int SI_KERNEL = 0x80;
    /** siginfo_t is 128 bytes; si_code is its third int. */
    private static final long SIGINFO_SIZE = 128;
    private static final long SI_CODE = 8;

    private final MemorySegment word;
    private final MemorySegment status;
    private final MemorySegment siginfo;

    Ptracer(Arena arena) {
        this.word = arena.allocate(ValueLayout.JAVA_LONG);
        this.status = arena.allocate(ValueLayout.JAVA_INT);
        this.siginfo = arena.allocate(SIGINFO_SIZE, 8);
    }

    /** Whether the SIGTRAP {@code tid} is stopped with came from the CPU (our int3), not from kill(). */
    boolean trapFromCpu(int tid) {
        check("GETSIGINFO", tid, Ptrace.request(Ptrace.GETSIGINFO, tid, 0, siginfo.address()));
        return siginfo.get(ValueLayout.JAVA_INT, SI_CODE) == SI_KERNEL;
    }

    private static long check(String what, int tid, long result) {
        if (result >= 0) return result;
        if (result == -Errno.ESRCH) throw new TraceeGone(tid);
        throw new LinuxException("ptrace(" + what + ", " + tid + ")", (int) -result);
    }

    void getRegs(int tid, Registers regs) {
        check("GETREGS", tid, Ptrace.request(Ptrace.GETREGS, tid, 0, regs.segment.address()));
    }

    void setRegs(int tid, Registers regs) {
        check("SETREGS", tid, Ptrace.request(Ptrace.SETREGS, tid, 0, regs.segment.address()));
    }

    void cont(int tid, int signal) {
        check("CONT", tid, Ptrace.request(Ptrace.CONT, tid, 0, signal));
    }

    /** Resumes until the current syscall's exit (or the next syscall entry, or a signal). */
    void syscall(int tid, int signal) {
        check("SYSCALL", tid, Ptrace.request(Ptrace.SYSCALL, tid, 0, signal));
    }

    /** Lets go of {@code tid}, which resumes with {@code signal} (0: none) and the registers as set. */
    void detach(int tid, int signal) {
        check("DETACH", tid, Ptrace.request(Ptrace.DETACH, tid, 0, signal));
    }

    void listen(int tid) {
        check("LISTEN", tid, Ptrace.request(Ptrace.LISTEN, tid, 0, 0));
    }

    long eventMessage(int tid) {
        check("GETEVENTMSG", tid, Ptrace.request(Ptrace.GETEVENTMSG, tid, 0, word.address()));
        return word.get(ValueLayout.JAVA_LONG, 0);
    }

    /** Writes one word even into read-only private mappings (the kernel copies the page). */
    boolean poke(int tid, long address, long value) {
        long result = Ptrace.request(Ptrace.POKEDATA, tid, address, value);
        if (result == -Errno.ESRCH) throw new TraceeGone(tid);
        return result >= 0;
    }

    /**
     * Single-steps {@code tid} and waits for the step's SIGTRAP. Signals that
     * arrive meanwhile are held back (the step is retried without them) and
     * added to {@code pending}, for the caller to deliver when it resumes the
     * thread for real.
     *
     * @throws IllegalStateException when the instruction itself faults (SIGSEGV,
     *                               SIGILL...): stepping it again would fault again
     */
    void singleStep(int tid, PendingSignals pending) {
        int signal = 0;
        for (;;) {
            check("SINGLESTEP", tid, Ptrace.request(Ptrace.SINGLESTEP, tid, 0, signal));
            Wait.Status s = Wait.waitpid(tid, Wait.WALL, status);
            if (!s.stopped()) throw new TraceeGone(tid, s);
            if (s.event() == 0 && s.stopSignal() == SIGTRAP) return;
            if (s.event() == 0 && synchronousFault(s.stopSignal())) {
                throw new IllegalStateException("a single-step of tid " + tid + " faulted (signal " + s.stopSignal()
                        + ")");
            }
            if (s.event() == 0) pending.add(s.stopSignal());
        }
    }

    /** Signals the CPU raises for the instruction itself: resuming would only repeat it. */
    static boolean synchronousFault(int signal) {
        return signal == 4 /* SIGILL */ || signal == 7 /* SIGBUS */ || signal == 8 /* SIGFPE */
                || signal == 11 /* SIGSEGV */;
    }

    MemorySegment statusBuffer() {
        return status;
    }
}
