package dev.jovl.netlink;

import dev.jovl.net.PrivateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Named network namespaces kept alive by bind mounts in one directory, as {@code ip netns} does in
 * /run/netns and Docker in /var/run/docker/netns. jovl's default is {@value #DEFAULT_RUN_DIR}.
 *
 * <p>Create: a throwaway platform thread calls unshare(CLONE_NEWNET), which gives that one thread a
 * new namespace, and bind-mounts its {@code /proc/self/task/<tid>/ns/net} on an empty file here;
 * then the thread exits and the mount alone keeps the namespace. Delete: umount (MNT_DETACH) and
 * unlink. Both are idempotent.
 */
public final class NetnsDirectory {
    public static final String DEFAULT_RUN_DIR = "/run/jovl/netns";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private final Path dir;

    public NetnsDirectory(Path dir) {
        this.dir = dir;
    }

    public static NetnsDirectory defaultDirectory() {
        return new NetnsDirectory(Path.of(DEFAULT_RUN_DIR));
    }

    public Path dir() {
        return dir;
    }

    public Path pathOf(String name) {
        return dir.resolve(requireName(name));
    }

    private static String requireName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("namespace name '" + name
                    + "' must be 1-128 characters of letters, digits, '_', '.', '-' and not start with a symbol");
        }
        return name;
    }

    /**
     * Creates the named namespace and returns it open. Fails with EEXIST if the name is taken;
     * on any failure nothing is left behind (no file, no mount).
     */
    public NetNs create(String name) {
        Path target = pathOf(name);
        try {
            PrivateFiles.missingDirectories(dir);
            // atomic: a second creator gets FileAlreadyExistsException; 0600 (the umask only narrows)
            Files.createFile(target, PosixFilePermissions.asFileAttribute(PrivateFiles.FILE));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new ErrnoException("create namespace " + target, Errno.EEXIST.number());
        } catch (IOException e) {
            throw new UncheckedIOException("create namespace file " + target, e);
        }
        try {
            NetNs.runOnThrowawayThread("jovl-netns-create", () -> {
                Libc.unshare(Libc.CLONE_NEWNET);
                Libc.bindMount("/proc/self/task/" + Libc.gettid() + "/ns/net", target.toString());
                return null;
            });
            return NetNs.open(target);
        } catch (RuntimeException e) {
            removeQuietly(target);
            throw e;
        }
    }

    /** Opens an existing named namespace (ENOENT if there is none). */
    public NetNs open(String name) {
        return NetNs.open(pathOf(name));
    }

    public boolean exists(String name) {
        return Files.exists(pathOf(name));
    }

    /**
     * Deletes the named namespace: detaches the bind mount and removes the file. The namespace
     * itself disappears once nothing else (open fds, sockets, processes) holds it. Returns false if
     * there was nothing to delete.
     */
    public boolean delete(String name) {
        Path target = pathOf(name);
        if (!Files.exists(target)) {
            return false;
        }
        int errno = Libc.umount2(target.toString(), Libc.MNT_DETACH);
        if (errno != 0 && errno != Errno.EINVAL.number() && errno != Errno.ENOENT.number()) {
            // EINVAL: not a mount point (a half-made entry); anything else is a real failure
            throw new ErrnoException("umount " + target, errno);
        }
        try {
            return Files.deleteIfExists(target);
        } catch (IOException e) {
            throw new UncheckedIOException("remove namespace file " + target, e);
        }
    }

    /** Names of the namespaces in the directory (empty if it does not exist). */
    public List<String> list() {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (Files.isRegularFile(p)) {
                    names.add(p.getFileName().toString());
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("list " + dir, e);
        }
        names.sort(null);
        return names;
    }

    private static void removeQuietly(Path target) {
        Libc.umount2(target.toString(), Libc.MNT_DETACH);
        try {
            Files.deleteIfExists(target);
        } catch (IOException ignored) {
            // best effort on an already failing path
        }
    }
}
