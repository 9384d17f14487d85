package dev.timens.ctl;

/**
 * Why a control operation could not be done: a message of one line, and the kind of
 * refusal, which the commands turn into their exit statuses.
 */
public final class ControlException extends Exception {
    /** What went wrong, as the user must tell it apart. */
    public enum Kind {
        /** No live namespace of this user has that name or that process. */
        NO_SUCH_NAMESPACE,
        /** The control directory is not safe to use, or the namespace refused this user. */
        PERMISSION_DENIED,
        /** The namespace refused the change; nothing changed. */
        REFUSED,
        /** The name is taken by a live namespace of this user. */
        NAME_IN_USE,
        /** Anything else (I/O errors talking to a namespace). */
        FAILED,
    }

    private final Kind kind;

    public ControlException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ControlException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
