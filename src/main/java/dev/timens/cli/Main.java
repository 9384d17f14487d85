package dev.timens.cli;

import java.io.PrintWriter;

/**
 * The {@code timens} program, and {@code timens-faketime} or {@code timensctl} when its
 * launcher sets the system property {@code timens.command} to {@code faketime} or
 * {@code timensctl}.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int status = switch (System.getProperty("timens.command", "timens")) {
            case "faketime" -> FaketimeCommand.run(out, err, System.getenv(), args);
            case "timensctl" -> TimensctlCommand.run(out, err, System.getenv(), args);
            default -> TimensCommand.run(out, err, args);
        };
        out.flush();
        err.flush();
        // Nothing is left to clean up (the namespace's memory dies with the process),
        // and the JVM's orderly shutdown is a measurable part of a short command's time.
        Runtime.getRuntime().halt(status);
    }
}
