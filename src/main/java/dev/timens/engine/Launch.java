package dev.timens.engine;

import java.nio.file.Path;
import java.util.List;

/**
 * What to run under the supervisor.
 *
 * @param executable the resolved path of the program to exec
 * @param argv       its argument vector, argv[0] included
 * @param helper     the timens-exec helper that installs the filter and execs
 * @param keepFds    descriptors above 2 the command inherits (those passed to
 *                   timens itself); every other one of this process is closed
 */
public record Launch(Path executable, List<String> argv, Path helper, java.util.Set<Integer> keepFds) {
    public Launch(Path executable, List<String> argv, Path helper) {
        this(executable, argv, helper, java.util.Set.of());
    }

    public Launch {
        keepFds = java.util.Set.copyOf(keepFds);
        argv = List.copyOf(argv);
        if (argv.isEmpty()) throw new IllegalArgumentException("argv must contain at least argv[0]");
    }
}
