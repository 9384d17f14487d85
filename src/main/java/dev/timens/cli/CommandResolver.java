package dev.timens.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the program to run the way execvp(3) and env(1) do, before anything is
 * started, so that "not found" and "not executable" are reported with env's
 * exit statuses (127 and 126) and no namespace is set up for nothing.
 */
final class CommandResolver {
    private CommandResolver() {}

    /** Why a command can't be run, with the exit status to report. */
    static final class Unrunnable extends Exception {
        final int status;

        Unrunnable(String message, int status) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    static Path resolve(String command, String pathVariable) throws Unrunnable {
        if (command.isEmpty()) throw new Unrunnable("'': No such file or directory", 127);
        if (command.contains("/")) return check(Path.of(command), command);
        boolean sawUnexecutable = false;
        String path = pathVariable == null ? "/usr/local/bin:/usr/bin:/bin" : pathVariable;
        for (String dir : path.split(":", -1)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir).resolve(command);
            if (!Files.exists(candidate)) continue;
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return candidate.toAbsolutePath();
            sawUnexecutable = true;
        }
        if (sawUnexecutable) throw new Unrunnable("'" + command + "': Permission denied", 126);
        throw new Unrunnable("'" + command + "': command not found", 127);
    }

    private static Path check(Path file, String command) throws Unrunnable {
        if (!Files.exists(file)) throw new Unrunnable("'" + command + "': No such file or directory", 127);
        if (Files.isDirectory(file)) throw new Unrunnable("'" + command + "': Is a directory", 126);
        if (!Files.isExecutable(file)) throw new Unrunnable("'" + command + "': Permission denied", 126);
        return file.toAbsolutePath();
    }
}
