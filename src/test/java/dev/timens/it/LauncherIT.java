package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/timens and the AOT cache: a cache older than the jar is never used
 * silently (it could hold stale classes, and without it timens starts about
 * twice as slowly), a fresh one is used without a word. Run on a copy of the
 * build tree's launcher, jar and cache, so that the real ones are not touched
 * while other tests run.
 */
@Tag("e2e")
class LauncherIT {
    private final TimensRunner runner = new TimensRunner();

    @TempDir
    Path tree;

    private Path launcher;
    private Path jar;
    private Path cache;

    @BeforeEach
    void copyTheBuildTree() throws IOException {
        Path base = Toolchains.basedir();
        Path builtCache = base.resolve("target/timens.aot");
        assertThat(builtCache).as("the AOT cache bin/build makes").isRegularFile();
        for (String file : List.of("bin/timens", "bin/jdk.sh", "src/main/aot/jvm-options", "target/timens.jar")) {
            Files.createDirectories(tree.resolve(file).getParent());
            Files.copy(base.resolve(file), tree.resolve(file), StandardCopyOption.COPY_ATTRIBUTES);
        }
        Files.createSymbolicLink(tree.resolve("target/native"), base.resolve("target/native"));
        launcher = tree.resolve("bin/timens");
        jar = tree.resolve("target/timens.jar");
        cache = tree.resolve("target/timens.aot");
        Files.copy(builtCache, cache);
    }

    @Test
    void aFreshCacheIsUsedWithoutAWord() throws IOException {
        setTimes(Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:00:01Z"));
        TimensRunner.Result run = runner.nativeRun(launcher.toString(), "--", "echo", "ok").assertExit(0);
        assertThat(run.stdout()).as(run.describe()).isEqualTo("ok\n");
        assertThat(run.stderr()).as(run.describe()).isEmpty();
    }

    /**
     * The build tree's cache holds picocli's classes: the build rewrote them as
     * Java 8 classes (ModernizeClasses), since the JDK leaves Java 5 classes out.
     */
    @Test
    void theCacheHoldsPicocli() throws IOException {
        Path base = Toolchains.basedir();
        List<String> command = new java.util.ArrayList<>(List.of(base.resolve("target/native/timens-exec").toString(),
                "supervisor", Toolchains.java().toString()));
        command.addAll(List.of(Files.readString(base.resolve("src/main/aot/jvm-options")).trim().split("\\s+")));
        command.addAll(List.of("-XX:AOTCache=" + base.resolve("target/timens.aot"), "-Xlog:class+load=info",
                "-Dtimens.helper=" + base.resolve("target/native/timens-exec"), "-jar",
                base.resolve("target/timens.jar").toString(), "--", "true"));
        TimensRunner.Result run = runner.nativeRun(command).assertExit(0);
        long fromCache = run.stdout().lines()
                .filter(line -> line.contains(" picocli.CommandLine") && line.contains("shared objects file")).count();
        assertThat(fromCache).as("picocli classes from the AOT cache\n%s", run.describe()).isGreaterThan(100);
    }

    @Test
    void aCacheOlderThanTheJarIsSaidInOneLineAndNotUsed() throws IOException {
        setTimes(Instant.parse("2026-01-01T00:00:01Z"), Instant.parse("2026-01-01T00:00:00Z"));
        TimensRunner.Result run = runner.nativeRun(launcher.toString(), "--", "echo", "ok").assertExit(0);
        assertThat(run.stdout()).as(run.describe()).isEqualTo("ok\n");
        assertThat(run.stderrLines()).as(run.describe()).containsExactly("timens: the AOT cache " + cache
                + " is older than " + jar + ": starting without it, slower (bin/build makes a new one)");
    }

    @Test
    void aMissingCacheIsSaidInOneLine() throws IOException {
        Files.delete(cache);
        TimensRunner.Result run = runner.nativeRun(launcher.toString(), "--", "echo", "ok").assertExit(0);
        assertThat(run.stdout()).as(run.describe()).isEqualTo("ok\n");
        assertThat(run.stderrLines()).as(run.describe())
                .containsExactly("timens: no AOT cache at " + cache + ": starting slower (bin/build makes a new one)");
    }

    private void setTimes(Instant jarTime, Instant cacheTime) throws IOException {
        Files.setLastModifiedTime(jar, FileTime.from(jarTime));
        Files.setLastModifiedTime(cache, FileTime.from(cacheTime));
    }
}
