package dev.jovl.overlay.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jovl.kvstore.RecordJson;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listings read past a record nobody can read; liveness of hosts comes from keys, not contents. */
class UnreadableRecordsTest {
    @TempDir
    Path dir;

    private Store store;
    private ClusterState state;

    @BeforeEach
    void open() {
        store = Stores.open("file:" + dir.resolve("store"));
        state = new ClusterState(store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private void put(String key, String value) {
        store.create(key, value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aListingLeavesOutTheUnreadableRecordAndCountsIt() {
        store.create(StoreLayout.host("h1"), RecordJson.write(new HostRecord("h1", "192.0.2.1", 4789, "t", 1)));
        put(StoreLayout.host("h2"), "{\"host\": [\"not a string\"]}");
        put(StoreLayout.host("h3"), "\u0000\u0001garbage");
        assertEquals(1, state.hosts().size());
        assertEquals("h1", state.hosts().getFirst().value().host());
        assertEquals(4, state.unreadableRecords(), "two bad records, listed twice");
    }

    @Test
    void aHostWithAnUnreadableRecordIsStillAlive() {
        store.create(StoreLayout.host("h1"), RecordJson.write(new HostRecord("h1", "192.0.2.1", 4789, "t", 1)));
        put(StoreLayout.host("h2"), "{not json");
        assertEquals(Set.of("h1", "h2"), state.liveHostIds(), "h2's key is live: the reaper must not reap it");
    }

    @Test
    void aSingleRecordReadStillFailsOnIt() {
        put(StoreLayout.network("n1"), "{not json");
        assertThrows(RuntimeException.class, () -> state.network("n1"));
    }
}
