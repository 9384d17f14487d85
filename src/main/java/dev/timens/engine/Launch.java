package dev.timens.engine;

import java.nio.file.Path;
import java.util.List;

/**
 * What to run under the supervisor.
 *
 * @param executable the resolved path of the program to exec
 * @param argv       its argument vector, argv[0] included
 * @param helper     the timens-exec helper that installs the filter and execs
 */
public record Launch(Path executable, List<String> argv, Path helper) {
    public Launch {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) throw new IllegalArgumentException("argv must contain at least argv[0]");
    }
}
