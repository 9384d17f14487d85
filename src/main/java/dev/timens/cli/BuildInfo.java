package dev.timens.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What {@code timens --version} prints: the version and the git commit this
 * build was made from (written at build time by {@code src/main/packaging/build-info}),
 * and the Java runtime it runs on.
 */
final class BuildInfo {
    private BuildInfo() {}

    /** {@code timens 0.1.0 (commit 3b83ef96387f)}, then the runtime. */
    static String[] versionLines() {
        Properties info = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build-info.properties")) {
            if (in != null) info.load(in);
        } catch (IOException e) {
            // a jar that cannot be read would not have started; the fields stay unknown
        }
        return new String[] {
            "timens " + info.getProperty("version", "(development build)")
                    + " (commit " + info.getProperty("commit", "unknown") + ")",
            "Java " + Runtime.version() + " in " + System.getProperty("java.home"),
        };
    }
}
