package dev.timens.engine;

/** The supervisor could not start or keep tracing the command (not a failure of the command). */
public final class SupervisorException extends Exception {
    public SupervisorException(String message) {
        super(message);
    }

    public SupervisorException(String message, Throwable cause) {
        super(message, cause);
    }
}
