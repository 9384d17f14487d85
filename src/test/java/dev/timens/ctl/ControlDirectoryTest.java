package dev.timens.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the control directory is, and when it is refused. */
class ControlDirectoryTest {
    @TempDir
    Path tmp;

    private static int uid(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void runtimeDirectoryFirstThenTmp() throws Exception {
        int me = uid(tmp);
        assertThat(ControlDirectory.locate(Map.of("XDG_RUNTIME_DIR", tmp.toString()), me))
                .isEqualTo(tmp.resolve("timens"));
        assertThat(ControlDirectory.locate(Map.of("XDG_RUNTIME_DIR", ""), 1000)).isEqualTo(Path.of("/tmp/timens-1000"));
        assertThat(ControlDirectory.locate(Map.of(), 0)).isEqualTo(Path.of("/tmp/timens-0"));
        // Another user's (inherited through su or setpriv), or none at all: not this user's runtime directory.
        assertThat(ControlDirectory.locate(Map.of("XDG_RUNTIME_DIR", tmp.toString()), me + 1))
                .isEqualTo(Path.of("/tmp/timens-" + (me + 1)));
        assertThat(ControlDirectory.locate(Map.of("XDG_RUNTIME_DIR", tmp.resolve("gone").toString()), me))
                .isEqualTo(Path.of("/tmp/timens-" + me));
    }

    @Test
    void createdPrivateAndAcceptedAgain() throws Exception {
        Path dir = tmp.resolve("timens");
        int me = uid(tmp);
        assertThat(ControlDirectory.existing(dir, me)).isEmpty();
        assertThat(ControlDirectory.prepare(dir, me)).isEqualTo(dir);
        assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(ControlDirectory.prepare(dir, me)).isEqualTo(dir);
        assertThat(ControlDirectory.existing(dir, me)).contains(dir);
    }

    @Test
    void refusedWhenOthersMayUseIt() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("timens"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x---"));
        assertThatThrownBy(() -> ControlDirectory.prepare(dir, uid(tmp)))
                .isInstanceOfSatisfying(ControlException.class,
                        e -> assertThat(e.kind()).isEqualTo(ControlException.Kind.PERMISSION_DENIED))
                .hasMessage("refusing to use the control directory " + dir
                        + ": group or others may use it (mode 0710; it must be 0700)");
    }

    @Test
    void refusedWhenAnotherUserOwnsIt() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("timens"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        int other = uid(tmp) + 1;
        assertThatThrownBy(() -> ControlDirectory.existing(dir, other))
                .isInstanceOf(ControlException.class)
                .hasMessageContaining("it belongs to uid " + uid(tmp) + ", not " + other);
    }

    @Test
    void refusedWhenALinkOrAFile() throws Exception {
        Path real = Files.createDirectory(tmp.resolve("real"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(tmp.resolve("timens"), real);
        assertThatThrownBy(() -> ControlDirectory.prepare(link, uid(tmp))).hasMessageEndingWith("it is not a directory");
        Path file = Files.createFile(tmp.resolve("file"));
        assertThatThrownBy(() -> ControlDirectory.existing(file, uid(tmp))).hasMessageEndingWith("it is not a directory");
    }
}
