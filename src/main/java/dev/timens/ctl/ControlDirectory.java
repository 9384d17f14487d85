package dev.timens.ctl;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The per-user directory where every running timens serves its control socket:
 * {@code $XDG_RUNTIME_DIR/timens/}, else {@code /tmp/timens-$UID/}. It must be
 * a directory (not a link) owned by the user, with no access for group or others:
 * anyone else who could write in it could put a socket of theirs where a
 * timensctl looks for one, and anyone who could read it would see which
 * namespaces run.
 */
public final class ControlDirectory {
    private ControlDirectory() {}

    /**
     * Where the directory of user {@code uid} is, given the environment {@code env}.
     * An {@code XDG_RUNTIME_DIR} the user does not own is not the user's runtime
     * directory (the XDG Base Directory specification requires it to be): one
     * inherited from another user ({@code su}, {@code setpriv}, {@code sudo -E})
     * is passed over for {@code /tmp/timens-$UID}, rather than refused.
     */
    public static Path locate(Map<String, String> env, int uid) {
        String runtime = env.get("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isEmpty() && ownedBy(Path.of(runtime), uid)) return Path.of(runtime, "timens");
        return Path.of("/tmp", "timens-" + Integer.toUnsignedString(uid));
    }

    private static boolean ownedBy(Path dir, int uid) {
        try {
            return (Integer) Files.getAttribute(dir, "unix:uid") == uid;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The directory at {@code dir}, created (mode 0700) if missing, and checked. For timens. */
    public static Path prepare(Path dir, int uid) throws ControlException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            // checked below
        } catch (IOException e) {
            throw new ControlException(ControlException.Kind.PERMISSION_DENIED,
                    "cannot create the control directory " + dir + ": " + reason(e), e);
        }
        return check(dir, uid);
    }

    /**
     * {@code dir} if it is safe to use; empty when it does not exist (no namespace
     * runs). For timensctl, which never creates it.
     */
    public static java.util.Optional<Path> existing(Path dir, int uid) throws ControlException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return java.util.Optional.empty();
        return java.util.Optional.of(check(dir, uid));
    }

    /** {@code dir}, or a refusal when it is not a directory of {@code uid}'s alone. */
    static Path check(Path dir, int uid) throws ControlException {
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw denied(dir, "it is not a directory");
            }
            int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (owner != uid) {
                throw denied(dir, "it belongs to uid " + Integer.toUnsignedString(owner) + ", not "
                        + Integer.toUnsignedString(uid));
            }
            int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & 077) != 0) {
                throw denied(dir, "group or others may use it (mode " + String.format("%04o", mode & 07777)
                        + "; it must be 0700)");
            }
            return dir;
        } catch (IOException e) {
            throw denied(dir, reason(e));
        }
    }

    private static ControlException denied(Path dir, String why) {
        return new ControlException(ControlException.Kind.PERMISSION_DENIED,
                "refusing to use the control directory " + dir + ": " + why);
    }

    static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.NoSuchFileException) return "no such file or directory";
        return String.valueOf(e.getMessage());
    }
}
