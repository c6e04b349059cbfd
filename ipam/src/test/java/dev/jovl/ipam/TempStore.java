package dev.jovl.ipam;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** An embedded store in a temporary directory, deleted on close (for jqwik containers, which have no @TempDir). */
final class TempStore implements AutoCloseable {
    private final Path dir;
    private final Store store;

    TempStore(String name) {
        try {
            dir = Files.createTempDirectory(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        store = Stores.open("file:" + dir);
    }

    Store store() {
        return store;
    }

    @Override
    public void close() {
        store.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
