package dev.timens.engine;

/**
 * Code running at a new program's entry point ({@link ExecStop#startAtEntry}),
 * as the supervisor remembers it until the thread execs again or exits: what
 * to put back if the code reports a failure. Success needs no stop, so the
 * supervisor never learns of it; a failure shows as a trap with the frame's
 * address in r12 and {@link #FAILED} in the upper bits of rbx.
 *
 * @param frame     address of the entry frame on the program's stack
 * @param start     the program's entry point, where the code was written
 * @param original  the bytes the code replaced
 * @param registers the registers the program starts with (user_regs_struct)
 */
record EntryCode(long frame, long start, byte[] original, long[] registers, EntryTrap.EntryFailure onFailure) {
    /** ENTRY_FAILED of entry-frame.h: "timens" in the upper six bytes of rbx. */
    static final long FAILED = 0x74696d656e730000L;
    static final long FAILED_MASK = 0xffff_ffff_ffff_0000L;
    /** ENTRY_FAILED_SYSCALL of entry-frame.h: how failing code reaches engine v2. */
    static final int FAILED_SYSCALL = 0x3e00_0002;

    /** Whether {@code regs} (of a thread that reported a failure) are this code's report: its frame, its marker. */
    boolean reportedIn(Registers regs) {
        return regs.r12() == frame && (regs.rbx() & FAILED_MASK) == FAILED;
    }

    /**
     * The code reported a failure (its registers in {@code regs}, the failing
     * call's result {@code result}): puts the original bytes and the registers
     * exec gave the program back, so that it is as exec left it, and lets the
     * tool finish another way; kills the program, saying why, when the tool
     * cannot. Both engines recover alike; only how they learn of the failure
     * differs (an int3, or ENTRY_FAILED_SYSCALL).
     */
    void recover(int tid, long result, Registers regs, Registers work, Ptracer ptracer, ProcessMemory memory,
                 PendingSignals pending, java.io.PrintWriter diagnostics) {
        EntryTrap trap = new EntryTrap(tid, (int) (regs.rbx() & 0xffff), result, regs.r14(), ptracer, memory, regs,
                work, pending);
        try {
            memory.forceWrite(new RemotePtr(start), original, original);
            regs.fromArray(registers);
            regs.origRax(-1); // not in a syscall: nothing to restart
            ptracer.setRegs(tid, regs);
            onFailure.onFailure(trap);
        } catch (TraceeGone e) {
            throw e;
        } catch (TraceeFault | RuntimeException e) {
            diagnostics.println("timens: killing pid " + tid + ": " + e.getMessage());
            diagnostics.flush();
            dev.timens.linux.Unistd.kill(tid, 9 /* SIGKILL */);
        }
    }
}
