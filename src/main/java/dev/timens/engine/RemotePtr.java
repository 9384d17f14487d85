package dev.timens.engine;

/**
 * An address in a traced process, never in the supervisor's own memory. Kept
 * apart from plain {@code long}s so that it can't be mistaken for one.
 */
public record RemotePtr(long address) {
    public static final RemotePtr NULL = new RemotePtr(0);

    public boolean isNull() {
        return address == 0;
    }

    public RemotePtr plus(long bytes) {
        return new RemotePtr(address + bytes);
    }

    @Override
    public String toString() {
        return "0x" + Long.toHexString(address);
    }
}
