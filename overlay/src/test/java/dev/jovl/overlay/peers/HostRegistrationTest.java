package dev.jovl.overlay.peers;

import static dev.jovl.overlay.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.runtime.Supervisor;
import dev.jovl.overlay.state.ClusterState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host record's life: written by the host-lease loop, gone the moment the daemon stops in order. */
class HostRegistrationTest {
    @TempDir
    Path dir;

    @Test
    void anOrderlyStopRevokesTheRecordAtOnceRatherThanLeavingItForTheTtl() {
        try (Store store = Stores.open("file:" + dir.resolve("store"))) {
            ClusterState state = new ClusterState(store);
            HostRegistration registration = new HostRegistration(
                    state, new LocalHost("h1", "192.0.2.1", 1500, 4789), Duration.ofMinutes(10), "t", () -> {});
            Supervisor loops = new Supervisor();
            registration.start(loops);
            loops.start();
            eventually(registration::isRegistered, "registered");
            assertEquals(Set.of("h1"), state.liveHostIds());

            loops.close();
            // a ten-minute lease: only a revocation removes the key now
            assertTrue(state.liveHostIds().isEmpty(), "record revoked on stop: " + state.liveHostIds());
        }
    }
}
