package dev.timens.ctl;

import java.util.regex.Pattern;

/** The name a namespace may be given ({@code timens --name}): what is safe as a file name and on a command line. */
public final class NamespaceName {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private NamespaceName() {}

    /** Whether {@code name} may name a namespace: 1 to 64 of {@code A-Z a-z 0-9 . _ -}, and not all digits (a pid) nor {@code .}/{@code ..}. */
    public static boolean isValid(String name) {
        return name != null && VALID.matcher(name).matches() && !name.matches("[0-9]+")
                && !name.equals(".") && !name.equals("..");
    }

    /** {@code name}, or an IllegalArgumentException that says what a name may be. */
    public static String check(String name) {
        if (!isValid(name)) {
            throw new IllegalArgumentException("invalid --name '" + name + "': 1 to 64 letters, digits, '.', '_' or '-',"
                    + " not only digits (those name a pid)");
        }
        return name;
    }
}
