package dev.timens.engine;

/**
 * The memory of one traced process. All access to tracee memory goes through
 * this interface; an unreadable or unwritable range is a {@link TraceeFault}.
 */
public interface TraceeMemory {
    /** Reads exactly {@code length} bytes at {@code address}. */
    byte[] read(RemotePtr address, int length) throws TraceeFault;

    /** Writes all of {@code bytes} at {@code address}, which must be writable by the program. */
    void write(RemotePtr address, byte[] bytes) throws TraceeFault;

    /** Reads a little-endian 64-bit value. */
    long readLong(RemotePtr address) throws TraceeFault;

    /** Writes a little-endian 64-bit value. */
    void writeLong(RemotePtr address, long value) throws TraceeFault;
}
