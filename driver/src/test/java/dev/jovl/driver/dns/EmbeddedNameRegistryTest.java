package dev.jovl.driver.dns;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedNameRegistryTest extends NameRegistryContract {

    @TempDir
    Path dir;

    @Override
    protected Store openClient() {
        return Stores.open("file:" + dir);
    }
}
