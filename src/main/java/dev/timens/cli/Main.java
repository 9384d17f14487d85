package dev.timens.cli;

/** The {@code timens} program. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(TimensCommand.run(new java.io.PrintWriter(System.out, true),
                new java.io.PrintWriter(System.err, true), args));
    }
}
