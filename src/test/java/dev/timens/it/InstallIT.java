package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What bin/build packages, installed as a user would install it, then run
 * with JAVA_HOME unset and no java on PATH: the release archive unpacked into
 * a prefix of its own, and the .deb unpacked into a throwaway root
 * ({@code dpkg-deb -x}; .ci/run also installs it with dpkg). Each must put
 * the command in 2038, with no word about its AOT cache, and its JVM must take
 * timens's classes from that cache where it was unpacked.
 */
@Tag("e2e")
class InstallIT {
    private static final Path TARGET = Toolchains.basedir().resolve("target");
    private final TimensRunner runner = new TimensRunner();

    @TempDir
    Path temp;

    @Test
    void theArchiveRunsWithoutAJdk() throws IOException {
        Path archive = TARGET.resolve("timens-" + version() + "-linux-x86_64.tar.gz");
        assertThat(archive).as("made by bin/build").isRegularFile();
        Path prefix = Files.createDirectories(temp.resolve("prefix"));
        runner.nativeRun("tar", "-xzf", archive.toString(), "-C", prefix.toString()).assertExit(0);
        Path top;
        try (Stream<Path> entries = Files.list(prefix)) {
            top = entries.findFirst().orElseThrow();
        }
        assertThat(top.getFileName().toString()).isEqualTo(archive.getFileName().toString().replace(".tar.gz", ""));
        assertThat(top.resolve("share/man/man1/timens.1")).isRegularFile();
        assertThat(top.resolve("share/man/man1/timens-faketime.1")).isRegularFile();
        assertThat(top.resolve("share/bash-completion/completions/timens")).isRegularFile();
        assertThat(top.resolve("share/zsh/vendor-completions/_timens")).isRegularFile();
        assertThat(top.resolve("share/doc/timens/LICENSE")).isRegularFile();
        runsIn2038WithoutAJdk(top.resolve("bin/timens"));
        takesItsClassesFromTheAotCache(top.resolve("lib/timens"));
    }

    @Test
    void theDebRunsWithoutAJdk() throws IOException {
        Toolchains.requireOnPath("dpkg-deb", "a Debian machine");
        // Debian's order puts 0.1.0~SNAPSHOT before 0.1.0, as Maven's does with 0.1.0-SNAPSHOT.
        Path deb = TARGET.resolve("timens_" + version().replace('-', '~') + "_amd64.deb");
        assertThat(deb).as("made by bin/build").isRegularFile();
        TimensRunner.Result fields = runner.nativeRun("dpkg-deb", "-f", deb.toString(), "Package", "Architecture")
                .assertExit(0);
        assertThat(fields.stdout()).as(fields.describe()).isEqualTo("Package: timens\nArchitecture: amd64\n");
        Path root = Files.createDirectories(temp.resolve("root"));
        runner.nativeRun("dpkg-deb", "-x", deb.toString(), root.toString()).assertExit(0);
        assertThat(root.resolve("usr/share/man/man1/timens.1.gz")).isRegularFile();
        assertThat(root.resolve("usr/share/man/man1/timens-faketime.1.gz")).isRegularFile();
        assertThat(root.resolve("usr/share/bash-completion/completions/timens")).isRegularFile();
        assertThat(root.resolve("usr/share/zsh/vendor-completions/_timens")).isRegularFile();
        assertThat(root.resolve("usr/share/doc/timens/copyright")).isRegularFile();
        runsIn2038WithoutAJdk(root.resolve("usr/bin/timens"));
        takesItsClassesFromTheAotCache(root.resolve("usr/lib/timens"));
    }

    /** As the check: `timens --at 2038-01-19T03:14:00Z -- date`, JAVA_HOME unset, no java on PATH. */
    private void runsIn2038WithoutAJdk(Path timens) throws IOException {
        // A PATH with what the launcher and the command need, and no java.
        Path bin = Files.createDirectories(temp.resolve("path-without-java"));
        for (String command : List.of("sh", "bash", "env", "date", "readlink", "dirname")) {
            Path link = bin.resolve(command);
            if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, Toolchains.requireOnPath(command, "coreutils"));
            }
        }
        TimensRunner.Result run = runner.nativeRun("env", "-u", "JAVA_HOME", "PATH=" + bin, "sh", "-c",
                "if command -v java; then echo 'java on PATH' >&2; exit 99; fi; exec \"$0\" \"$@\"",
                timens.toString(), "--at", "2038-01-19T03:14:00Z", "--", "date", "-u").assertExit(0);
        assertThat(run.stdout()).as(run.describe()).contains("2038").contains("03:14:0");
        assertThat(run.stderr()).as("no word about the AOT cache: it is used\n%s", run.describe()).isEmpty();
        TimensRunner.Result version = runner.nativeRun("env", "-u", "JAVA_HOME", "PATH=" + bin, timens.toString(),
                "--version").assertExit(0);
        assertThat(version.stdout()).as(version.describe()).startsWith("timens " + version() + " (commit ")
                .contains("Java 25").contains(timens.getParent().getParent().resolve("lib/timens/runtime").toString());
    }

    /** The AOT cache was made where the build staged the tree; the JVM must find the jar again here. */
    private void takesItsClassesFromTheAotCache(Path home) throws IOException {
        List<String> command = new ArrayList<>(List.of(home.resolve("native/timens-exec").toString(), "supervisor",
                home.resolve("runtime/bin/java").toString()));
        command.addAll(List.of(Files.readString(home.resolve("jvm-options")).trim().split("\\s+")));
        command.addAll(List.of("-XX:AOTCache=" + home.resolve("timens.aot"), "-Xlog:class+load=info",
                "-Dtimens.helper=" + home.resolve("native/timens-exec"), "-jar", home.resolve("timens.jar").toString(),
                "--", "true"));
        TimensRunner.Result run = runner.nativeRun(command).assertExit(0);
        long fromCache = run.stdout().lines()
                .filter(line -> line.contains(" picocli.CommandLine") && line.contains("shared objects file")).count();
        long fromJar = run.stdout().lines()
                .filter(line -> line.contains(" picocli.CommandLine") && line.contains("timens.jar")).count();
        assertThat(fromCache).as("picocli classes from the AOT cache\n%s", run.describe()).isGreaterThan(100);
        assertThat(fromJar).as("picocli classes read from the jar").isZero();
    }

    /** The version bin/build packaged, as `timens --version` has it. */
    private static String version() throws IOException {
        java.util.Properties info = new java.util.Properties();
        try (var in = Files.newInputStream(TARGET.resolve("classes/dev/timens/cli/build-info.properties"))) {
            info.load(in);
        }
        return info.getProperty("version");
    }
}
