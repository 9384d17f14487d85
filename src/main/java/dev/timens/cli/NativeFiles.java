package dev.timens.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the native helper executable is: {@code -Dtimens.helper=PATH}, or
 * {@code native/timens-exec} next to the jar or class folder timens runs from
 * (both live in Maven's target folder). The supervisor's signal handler,
 * {@code libtimens-signals.so}, is built next to the helper.
 */
final class NativeFiles {
    private NativeFiles() {}

    static Path helper() {
        return dev.timens.engine.Launch.bundledHelper();
    }

    static Path signalLibrary() {
        Path library = helper().resolveSibling("libtimens-signals.so");
        if (!Files.isReadable(library)) {
            throw new IllegalStateException("libtimens-signals.so is missing at " + library + ": build timens first");
        }
        return library;
    }
}
