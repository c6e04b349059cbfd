package dev.jovl.overlay.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network ids of sandbox namespaces whose names are hashes ({@code SandboxNames.isHashed}: ids
 * too long for a namespace file name), one small file per namespace beside the namespace
 * directory, so that a restarted daemon can still tell which network a sandbox belongs to.
 */
final class HashedNamespaceNames {
    private static final Logger log = LoggerFactory.getLogger(HashedNamespaceNames.class);

    private final Path dir;

    /** @param netnsDir the namespace directory; the ids live in {@code <netnsDir>-ids} */
    HashedNamespaceNames(Path netnsDir) {
        this.dir = netnsDir.resolveSibling(netnsDir.getFileName() + "-ids");
    }

    void record(String namespaceName, String networkId) {
        try {
            Files.createDirectories(
                    dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path tmp = dir.resolve(namespaceName + ".tmp");
            Files.writeString(tmp, networkId, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.move(
                    tmp,
                    dir.resolve(namespaceName),
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the network id of sandbox " + namespaceName, e);
        }
    }

    /** The network id of a hashed namespace name, or {@code null} (logged) if none was recorded. */
    String networkOf(String namespaceName) {
        try {
            return Files.readString(dir.resolve(namespaceName), StandardCharsets.UTF_8)
                    .trim();
        } catch (NoSuchFileException e) {
            log.warn("sandbox namespace {} has no recorded network id; leaving it alone", namespaceName);
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void forget(String namespaceName) {
        try {
            Files.deleteIfExists(dir.resolve(namespaceName));
        } catch (IOException e) {
            log.warn("cannot remove the recorded network id of {}: {}", namespaceName, e.toString());
        }
    }
}
