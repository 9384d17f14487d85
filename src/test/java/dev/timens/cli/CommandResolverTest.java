package dev.timens.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandResolverTest {
    @TempDir
    Path dir;

    @Test
    void searchesPathInOrderAndSkipsUnexecutableFiles() throws Exception {
        Path first = Files.createDirectories(dir.resolve("a"));
        Path second = Files.createDirectories(dir.resolve("b"));
        Files.writeString(first.resolve("tool"), "not executable");
        Path tool = Files.writeString(second.resolve("tool"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(CommandResolver.resolve("tool", first + ":" + second)).isEqualTo(tool.toAbsolutePath());
    }

    @Test
    void onlyUnexecutableMatchesGive126() throws Exception {
        Files.writeString(dir.resolve("tool"), "x");
        assertThatThrownBy(() -> CommandResolver.resolve("tool", dir.toString()))
                .isInstanceOfSatisfying(CommandResolver.Unrunnable.class, e -> assertThat(e.status).isEqualTo(126));
    }

    @Test
    void slashMeansNoSearch() throws Exception {
        assertThatThrownBy(() -> CommandResolver.resolve("./definitely-missing", "/bin"))
                .isInstanceOfSatisfying(CommandResolver.Unrunnable.class, e -> assertThat(e.status).isEqualTo(127));
        assertThat(CommandResolver.resolve("sh", "/bin")).isEqualTo(Path.of("/bin/sh"));
    }
}
