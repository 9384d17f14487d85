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
 * @param signals    the signal dispositions and mask the command starts with,
 *                   or null to leave them as the supervisor's process has them
 * @param door       one end of a Unix stream socket pair on which the namespace
 *                   serves its door (timens-exec.c: how {@code timensctl exec}
 *                   starts processes in it), or -1 for none
 */
public record Launch(Path executable, List<String> argv, Path helper, java.util.Set<Integer> keepFds,
                     Signals signals, int door) {
    /** The command name (/proc/PID/comm) of the door and of its monitors (timens-exec.c). */
    public static final String DOOR_COMM = "timens-door";

    public Launch(Path executable, List<String> argv, Path helper) {
        this(executable, argv, helper, java.util.Set.of(), null, -1);
    }

    /**
     * The timens-exec helper built with the engine: {@code -Dtimens.helper=PATH}
     * when set, else {@code native/timens-exec} next to the jar or class folder
     * the engine was loaded from (both live in Maven's target folder), else the
     * copy the jar carries, copied out ({@link NativeCopies}: a jar with nothing
     * beside it, a Maven dependency).
     *
     * @throws IllegalStateException when there is no executable there
     */
    public static Path bundledHelper() {
        String configured = System.getProperty("timens.helper");
        Path helper;
        if (configured != null) {
            helper = Path.of(configured);
        } else {
            try {
                Path codeSource = Path.of(Launch.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                helper = codeSource.getParent().resolve("native").resolve("timens-exec");
            } catch (java.net.URISyntaxException | NullPointerException e) {
                throw new IllegalStateException("cannot locate the engine's own files; set -Dtimens.helper", e);
            }
            if (!java.nio.file.Files.isExecutable(helper)) {
                Path copied = NativeCopies.helper();
                if (copied != null) helper = copied;
            }
        }
        if (!java.nio.file.Files.isExecutable(helper)) {
            throw new IllegalStateException("the timens-exec helper is missing at " + helper + ": build timens first");
        }
        return helper;
    }

    public Launch {
        keepFds = java.util.Set.copyOf(keepFds);
        argv = List.copyOf(argv);
        if (argv.isEmpty()) throw new IllegalArgumentException("argv must contain at least argv[0]");
    }

    /**
     * Signal state as /proc/PID/status shows it: bit N-1 stands for signal N.
     * Every signal in {@code ignored} starts as SIG_IGN, every other one as
     * SIG_DFL (exec resets handled signals to SIG_DFL anyway; only ignored ones
     * survive it), and {@code blocked} is the signal mask.
     */
    public record Signals(long ignored, long blocked) {
        /** As timens-exec takes it: {@code IGNORED:BLOCKED} in hexadecimal. */
        public String argument() {
            return Long.toHexString(ignored) + ":" + Long.toHexString(blocked);
        }
    }
}
