package dev.timens.engine;

import java.util.Map;

/**
 * A process just taken in ({@link Tool#onAdopt}): every thread is held, and
 * {@link #at()} is the one the filter was installed from, where the tool may
 * inject syscalls and write memory. Valid only during the call.
 */
public final class AdoptStop {
    private static final int MOST_STEPS = 64;

    private final InterruptStop at;
    private final Registers atRegisters;
    private final Map<Integer, PendingSignals> held;
    private final Ptracer ptracer;
    private final Registers other;

    AdoptStop(InterruptStop at, Registers atRegisters, Map<Integer, PendingSignals> held, Ptracer ptracer,
              Registers other) {
        this.at = at;
        this.atRegisters = atRegisters;
        this.held = held;
        this.ptracer = ptracer;
        this.other = other;
    }

    /** The thread the filter was installed from. */
    public InterruptStop at() {
        return at;
    }

    /**
     * Moves every held thread whose next instruction lies in [{@code address},
     * {@code address + length}) out of it, one instruction at a time, so that
     * code there can be rewritten under none of them (a thread left inside
     * would go on in the middle of the new bytes). For a few instructions at
     * the start of a function: a thread still inside after 64 steps is a failure.
     */
    public void stepOutOf(long address, int length) {
        for (Map.Entry<Integer, PendingSignals> thread : held.entrySet()) {
            int tid = thread.getKey();
            Registers regs = tid == at.tid() ? atRegisters : other;
            ptracer.getRegs(tid, regs);
            for (int steps = 0; regs.rip() >= address && regs.rip() < address + length; steps++) {
                if (steps == MOST_STEPS) {
                    throw new IllegalStateException("thread " + tid + " stays in the code at 0x"
                            + Long.toHexString(address) + " to be rewritten");
                }
                ptracer.singleStep(tid, thread.getValue());
                ptracer.getRegs(tid, regs);
            }
        }
    }
}
