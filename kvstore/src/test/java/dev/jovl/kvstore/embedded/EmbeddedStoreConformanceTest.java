package dev.jovl.kvstore.embedded;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreConformanceTest;
import dev.jovl.kvstore.Stores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/** The conformance suite on the embedded store; "interrupting" it closes and reopens the files. */
class EmbeddedStoreConformanceTest extends StoreConformanceTest {
    @TempDir
    Path dir;

    @Override
    protected Store newClient() {
        return Stores.open("file:" + dir);
    }

    @Override
    protected Store interruptAndRestore(List<Store> openClients) {
        openClients.forEach(Store::close);
        return newClient();
    }

    @Override
    protected boolean watchesSurviveInterruption() {
        return false;
    }

    @Override
    protected Store openUnreachable() {
        try {
            Path notADirectory = Files.writeString(dir.resolveSibling(dir.getFileName() + "-a-file"), "x");
            notADirectory.toFile().deleteOnExit();
            return Stores.open("file:" + notADirectory);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
