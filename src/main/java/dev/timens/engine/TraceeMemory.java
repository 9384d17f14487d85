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

    /**
     * Reads a NUL-terminated string (a path, an argv element) at {@code address}:
     * its bytes without the NUL, at most {@code maxLength} of them (a longer string
     * is cut there, so a result of exactly {@code maxLength} bytes may be a part).
     * Reads page by page, never past the page holding the NUL, so a string that
     * ends just before an unmapped page is read whole; a string that runs into
     * one is a fault, as the kernel's {@code strncpy_from_user} would make it.
     */
    default byte[] readCString(RemotePtr address, int maxLength) throws TraceeFault {
        final int page = 4096; // x86_64's base page: the unit in which memory is mapped
        java.io.ByteArrayOutputStream string = new java.io.ByteArrayOutputStream();
        RemotePtr at = address;
        while (string.size() < maxLength) {
            int chunk = (int) Math.min(page - (at.address() & (page - 1)), maxLength - string.size());
            byte[] bytes = read(at, chunk);
            for (int i = 0; i < chunk; i++) {
                if (bytes[i] == 0) {
                    string.write(bytes, 0, i);
                    return string.toByteArray();
                }
            }
            string.write(bytes, 0, chunk);
            at = at.plus(chunk);
        }
        return string.toByteArray();
    }
}
