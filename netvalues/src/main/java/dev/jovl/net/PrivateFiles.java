package dev.jovl.net;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Directories 0700 and files 0600, whatever the process's umask: the store, the run-dir and the
 * endpoint journal hold what other users of the host have no business reading (or planting).
 * Modes are set explicitly after creation (the umask only ever narrows what creation asks for).
 */
public final class PrivateFiles {
    public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private PrivateFiles() {}

    /**
     * Creates {@code dir} and missing parents; {@code dir} itself and every directory created here
     * end up 0700 (existing parents are left as they are).
     */
    public static Path directory(Path dir) throws IOException {
        missingDirectories(dir);
        restrict(dir.toAbsolutePath(), DIRECTORY);
        return dir;
    }

    /**
     * Creates whichever of {@code dir} and its parents are missing, each 0700, and leaves the
     * existing ones as they are: for a directory that may belong to someone else (the plugin
     * socket's {@code /run/docker/plugins} is Docker's), where jovl must not change an existing
     * mode but must not leave a world-writable one behind either.
     */
    public static void missingDirectories(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return;
        }
        Path parent = absolute.getParent();
        if (parent != null) {
            missingDirectories(parent);
        }
        try {
            Files.createDirectory(absolute, PosixFilePermissions.asFileAttribute(DIRECTORY));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(absolute)) {
                throw e;
            }
            return; // made by someone else meanwhile: theirs
        }
        restrict(absolute, DIRECTORY);
    }

    /** Makes an existing file 0600 (a no-op if it does not exist). */
    public static void file(Path file) throws IOException {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            restrict(file, FILE);
        }
    }

    /** Writes {@code bytes} to {@code file} (0600) through a temporary file and an atomic rename. */
    public static void write(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(FILE));
        restrict(tmp, FILE);
        Files.write(tmp, bytes);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void restrict(Path path, Set<PosixFilePermission> mode) throws IOException {
        if (!Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS).equals(mode)) {
            Files.setPosixFilePermissions(path, mode);
        }
    }
}
