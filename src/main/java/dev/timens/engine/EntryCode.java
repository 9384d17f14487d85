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
}
