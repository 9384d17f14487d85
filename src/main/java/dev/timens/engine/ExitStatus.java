package dev.timens.engine;

/** How the traced command ended: an exit code, or the signal that killed it. */
public record ExitStatus(int code, int signal, boolean coreDumped) {
    public static ExitStatus exited(int code) {
        return new ExitStatus(code, 0, false);
    }

    public static ExitStatus killed(int signal, boolean coreDumped) {
        return new ExitStatus(0, signal, coreDumped);
    }

    /** The status a shell reports: the exit code, or 128 + signal. */
    public int shellStatus() {
        return signal != 0 ? 128 + signal : code;
    }
}
