package dev.jovl.overlay.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.Stores;
import dev.jovl.overlay.EndpointAddresses;
import dev.jovl.overlay.EndpointId;
import dev.jovl.overlay.NetworkId;
import dev.jovl.overlay.NetworkOptions;
import dev.jovl.overlay.SandboxNames;
import dev.jovl.overlay.VniRange;
import dev.jovl.overlay.state.AddressPool;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.NetworkRecord;
import dev.jovl.overlay.testing.CoreHost;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container that vanished without Docker deleting its endpoint (a stop during a store outage):
 * its record and address go after the grace; nothing that still serves a container is touched.
 */
class VanishedEndpointsTest {
    private static final NetworkId NET = new NetworkId("a".repeat(64));
    private static final EndpointId WEB = new EndpointId("we".repeat(32));
    private static final EndpointId DB = new EndpointId("db".repeat(32));
    private static final Duration GRACE = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private Store store;
    private CoreHost h;
    private CoreHost other;
    private final AtomicLong clock = new AtomicLong();
    private final List<String> releasedAddresses = new ArrayList<>();
    private RuntimeException releaseFails;

    @BeforeEach
    void hosts() {
        store = Stores.open("file:" + dir.resolve("store"));
        h = new CoreHost(store, "192.0.2.1", dir.resolve("h"), new VniRange(5000, 5009));
        other = new CoreHost(store, "192.0.2.2", dir.resolve("other"), new VniRange(5000, 5009));
        h.overlay.createNetwork(
                NET,
                NetworkOptions.of(Map.of(), false),
                List.of(new AddressPool("jovl", "10.10.0.0/24", null, Map.of())),
                List.of());
        start(h, WEB, "10.10.0.2/24");
        start(h, DB, "10.10.0.3/24");
    }

    private static void start(CoreHost host, EndpointId id, String address) {
        host.overlay.createEndpoint(NET, id, EndpointAddresses.checked(address, null, null, ""));
        host.overlay.join(NET, id);
        host.kernel.moveIntoContainer(id.value());
        // published (pending -> ready) in the background: wait, so that no rewrite of the record
        // lands in the middle of a test and starts its grace again
        dev.jovl.overlay.testing.Await.eventually(
                () -> !host.state
                        .endpoint(NET.value(), id.value())
                        .orElseThrow()
                        .value()
                        .stillPending(),
                "endpoint " + id + " published");
    }

    @AfterEach
    void close() {
        other.close();
        h.close();
        store.close();
    }

    private VanishedEndpoints vanished(CoreHost host) {
        AddressRelease fake = (NetworkRecord network, EndpointRecord endpoint) -> {
            if (releaseFails != null) {
                throw releaseFails;
            }
            releasedAddresses.add(endpoint.ipv4());
            return true;
        };
        return new VanishedEndpoints(
                host.state,
                host.state::endpoints,
                host.host,
                host.kernel,
                host.locks,
                host.journal,
                host.cleanup,
                fake,
                GRACE,
                clock::get);
    }

    private boolean recorded(EndpointId id) {
        return h.state.endpoint(NET.value(), id.value()).isPresent();
    }

    @Test
    void anEndpointWhoseContainerVanishedIsReleasedAfterTheGrace() {
        VanishedEndpoints sweeper = vanished(h);
        h.kernel.containerDied(WEB.value());

        sweeper.sweep(); // first seen missing
        clock.addAndGet(GRACE.toNanos() - 1);
        sweeper.sweep();
        assertTrue(recorded(WEB), "still within the grace");
        assertTrue(releasedAddresses.isEmpty());

        clock.addAndGet(1);
        sweeper.sweep();
        assertTrue(!recorded(WEB), "record removed, so other hosts drop its peer entries");
        assertEquals(List.of("10.10.0.2/24"), releasedAddresses);
        assertTrue(h.journal.find(NET.value(), id -> id.equals(WEB.value())).isEmpty(), "journal entry forgotten");
        assertTrue(recorded(DB), "the running container's endpoint stays");
        assertEquals(1, sweeper.releasedCount());

        clock.addAndGet(GRACE.toNanos());
        sweeper.sweep();
        assertEquals(1, releasedAddresses.size(), "released once");
    }

    @Test
    void anEndpointWhoseContainerEndIsBackInTheHostNamespaceIsReleasedWithItsVeth() {
        VanishedEndpoints sweeper = vanished(h);
        h.kernel.movedBackToHost(WEB.value()); // what dockerd does when it removes the container's namespace
        sweeper.sweep();
        clock.addAndGet(GRACE.toNanos());
        sweeper.sweep();
        assertTrue(!recorded(WEB));
        assertEquals(List.of("10.10.0.2/24"), releasedAddresses);
        dev.jovl.overlay.testing.Await.eventually(
                () -> !h.kernel.hostEndPresent(SandboxNames.devicePart(WEB.value())), "its veth pair is deleted");
        assertTrue(recorded(DB));
    }

    @Test
    void runningContainersAndOtherHostsEndpointsAreLeftAlone() {
        start(other, new EndpointId("ot".repeat(32)), "10.10.0.4/24"); // no veth on h, of course
        VanishedEndpoints sweeper = vanished(h);
        for (int i = 0; i < 3; i++) {
            sweeper.sweep();
            clock.addAndGet(GRACE.toNanos());
        }
        assertTrue(recorded(WEB));
        assertTrue(recorded(DB));
        assertTrue(h.state.endpoint(NET.value(), "ot".repeat(32)).isPresent());
        assertTrue(releasedAddresses.isEmpty());
    }

    @Test
    void aVethThatComesBackWithinTheGraceStartsTheWaitAgain() {
        VanishedEndpoints sweeper = vanished(h);
        h.kernel.containerDied(WEB.value());
        sweeper.sweep();
        // a Join in progress recreates it (e.g. Docker re-attaching after a restart)
        h.kernel.attach(
                h.state.network(NET.value()).orElseThrow().value(),
                h.state.endpoint(NET.value(), WEB.value()).orElseThrow().value());
        h.kernel.moveIntoContainer(WEB.value());
        clock.addAndGet(GRACE.toNanos());
        sweeper.sweep();
        h.kernel.containerDied(WEB.value());
        clock.addAndGet(GRACE.toNanos());
        sweeper.sweep(); // seen missing again: a new wait
        assertTrue(recorded(WEB));
        clock.addAndGet(GRACE.toNanos());
        sweeper.sweep();
        assertTrue(!recorded(WEB));
    }

    @Test
    void aRecordRewrittenMeanwhileIsJudgedAgain() {
        VanishedEndpoints sweeper = vanished(h);
        h.kernel.containerDied(WEB.value());
        sweeper.sweep();
        var current = h.state.endpoint(NET.value(), WEB.value()).orElseThrow();
        h.state.replaceEndpoint(current.value().keepingNameAndAgeOf(current.value()), current.version());
        clock.addAndGet(GRACE.toNanos());
        sweeper.sweep();
        assertTrue(recorded(WEB), "a new version is a new suspect");
        clock.addAndGet(GRACE.toNanos());
        sweeper.sweep();
        assertTrue(!recorded(WEB));
    }

    @Test
    void anAddressThatCannotBeReleasedYetIsTriedAgain() {
        VanishedEndpoints sweeper = vanished(h);
        h.kernel.containerDied(WEB.value());
        sweeper.sweep();
        clock.addAndGet(GRACE.toNanos());
        releaseFails = new StoreException.Unavailable("etcd is down", null);
        sweeper.sweep();
        assertTrue(!recorded(WEB));
        assertTrue(releasedAddresses.isEmpty());
        releaseFails = null;
        sweeper.sweep();
        assertEquals(List.of("10.10.0.2/24"), releasedAddresses);
    }

    @Test
    void anEndpointBeingDeletedByDockerIsNotReleasedTwice() {
        VanishedEndpoints sweeper = vanished(h);
        h.kernel.containerDied(WEB.value());
        sweeper.sweep();
        h.overlay.deleteEndpoint(NET, WEB); // Docker got there first
        clock.addAndGet(GRACE.toNanos());
        sweeper.sweep();
        assertTrue(releasedAddresses.isEmpty(), "Docker's ReleaseAddress frees it, not jovl");
        assertTrue(!h.kernel.attachedEndpoints(NET.value()).contains(SandboxNames.devicePart(WEB.value())));
    }
}
