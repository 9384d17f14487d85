package dev.timens.cli;

import java.net.URISyntaxException;
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
        String configured = System.getProperty("timens.helper");
        Path helper;
        if (configured != null) {
            helper = Path.of(configured);
        } else {
            try {
                Path codeSource = Path.of(NativeFiles.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                helper = codeSource.getParent().resolve("native").resolve("timens-exec");
            } catch (URISyntaxException | NullPointerException e) {
                throw new IllegalStateException("cannot locate timens's own files; set -Dtimens.helper", e);
            }
        }
        if (!Files.isExecutable(helper)) {
            throw new IllegalStateException("the timens-exec helper is missing at " + helper + ": build timens first");
        }
        return helper;
    }

    static Path signalLibrary() {
        Path library = helper().resolveSibling("libtimens-signals.so");
        if (!Files.isReadable(library)) {
            throw new IllegalStateException("libtimens-signals.so is missing at " + library + ": build timens first");
        }
        return library;
    }
}
