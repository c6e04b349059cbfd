package dev.jovl.overlay.state;

import dev.jovl.kvstore.RecordJson;
import dev.jovl.net.PrivateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This host's own endpoint records, kept beside the sandboxes ({@code <run-dir>/endpoints}), so
 * that a record other hosts removed while this daemon was away (reaped as dead) can be written
 * back for a container that is still running. Lives in /run: a reboot ends the containers too.
 */
public final class LocalEndpointJournal {
    private static final Logger log = LoggerFactory.getLogger(LocalEndpointJournal.class);

    private final Path dir;

    public LocalEndpointJournal(Path dir) {
        this.dir = dir;
    }

    public void record(EndpointRecord ep) {
        Path file = fileOf(ep.networkId(), ep.endpointId());
        try {
            PrivateFiles.directory(dir);
            PrivateFiles.directory(file.getParent());
            PrivateFiles.write(file, RecordJson.write(ep));
        } catch (IOException e) {
            // the journal only helps recovery; the request itself has succeeded
            log.warn("cannot journal endpoint {}: {}", ep.endpointId(), e.toString());
        }
    }

    public void forget(String networkId, String endpointId) {
        try {
            Files.deleteIfExists(fileOf(networkId, endpointId));
        } catch (IOException e) {
            log.warn("cannot remove journal entry of endpoint {}: {}", endpointId, e.toString());
        }
    }

    /** Removes the network's directory and whatever endpoint files are left in it (DeleteNetwork). */
    public void forgetNetwork(String networkId) {
        Path networkDir = dir.resolve(networkId);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(networkDir)) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(networkDir);
        } catch (NoSuchFileException e) {
            // nothing journalled for it
        } catch (IOException e) {
            log.warn("cannot remove the journal of network {}: {}", networkId, e.toString());
        }
    }

    /** The journalled endpoint, if there is one and it can be read. */
    public Optional<EndpointRecord> get(String networkId, String endpointId) {
        Path file = fileOf(networkId, endpointId);
        try {
            return Optional.of(RecordJson.read(Files.readAllBytes(file), EndpointRecord.class, file.toString()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            log.warn("cannot read journal entry of endpoint {}: {}", endpointId, e.toString());
            return Optional.empty();
        }
    }

    /** The journalled endpoint of the network whose id {@code matches}, if exactly one. */
    public Optional<EndpointRecord> find(String networkId, Predicate<String> matches) {
        EndpointRecord found = null;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir.resolve(networkId), "*.json")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!matches.test(name.substring(0, name.length() - ".json".length()))) {
                    continue;
                }
                if (found != null) {
                    return Optional.empty();
                }
                found = RecordJson.read(Files.readAllBytes(f), EndpointRecord.class, f.toString());
            }
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.ofNullable(found);
    }

    private Path fileOf(String networkId, String endpointId) {
        return dir.resolve(networkId).resolve(endpointId + ".json");
    }
}
