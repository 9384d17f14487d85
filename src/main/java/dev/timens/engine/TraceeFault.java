package dev.timens.engine;

/**
 * A traced program passed an address that cannot be read or written: the
 * handler answers EFAULT, as the kernel would. Never a supervisor failure.
 */
public final class TraceeFault extends Exception {
    public TraceeFault(RemotePtr address, long length) {
        super("bad address " + address + " (" + length + " bytes)", null, false, false);
    }
}
