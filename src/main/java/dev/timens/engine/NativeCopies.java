package dev.timens.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The native executables timens runs (the timens-exec helper and the
 * supervisor's signal library), copied out of the jar they are built into,
 * for timens run from a jar with nothing beside it (a Maven dependency, as
 * timens-junit uses it): into {@code TMPDIR/timens-native-UID-DIGEST/}, a
 * directory of the user's alone (mode 0700, checked when it exists already),
 * named by a digest of the files, so that two versions never share one.
 */
final class NativeCopies {
    private static final String RESOURCES = "/dev/timens/native/";
    private static final String[] FILES = {"timens-exec", "libtimens-signals.so"};

    private NativeCopies() {}

    /** The helper's path once copied out with the library beside it; null when the jar carries none. */
    static synchronized Path helper() {
        byte[][] contents = new byte[FILES.length][];
        for (int i = 0; i < FILES.length; i++) {
            try (InputStream in = NativeCopies.class.getResourceAsStream(RESOURCES + FILES[i])) {
                if (in == null) return null;
                contents[i] = in.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + FILES[i] + " from timens's jar: " + e.getMessage(), e);
            }
        }
        int uid = dev.timens.linux.Unistd.geteuid();
        Path dir = Path.of(System.getProperty("java.io.tmpdir"),
                "timens-native-" + uid + "-" + Continuer.digest(contents));
        try {
            ownDirectory(dir, uid);
            for (int i = 0; i < FILES.length; i++) {
                Path file = dir.resolve(FILES[i]);
                if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)
                        && java.util.Arrays.equals(Files.readAllBytes(file), contents[i])) {
                    continue;
                }
                Path part = Files.createTempFile(dir, FILES[i], ".part");
                Files.write(part, contents[i]);
                Files.setPosixFilePermissions(part, PosixFilePermissions.fromString("rwxr-xr-x"));
                try {
                    Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(part, file, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot copy timens's native parts to " + dir + ": " + e.getMessage(), e);
        }
        return dir.resolve(FILES[0]);
    }

    /** Makes {@code dir} with mode 0700, or checks that the one there is a directory of {@code uid}'s alone. */
    private static void ownDirectory(Path dir, int uid) throws IOException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return;
        } catch (FileAlreadyExistsException e) {
            // checked below
        }
        Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || !Integer.valueOf(uid).equals(owner)
                || !mode.equals(PosixFilePermissions.fromString("rwx------"))) {
            throw new IOException("it is not a directory of uid " + uid + "'s alone (mode 0700): remove it");
        }
    }
}
