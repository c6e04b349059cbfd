package dev.jovl.overlay.peers;

import static dev.jovl.overlay.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.kvstore.Store;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a restarted daemon decides about the sandboxes its previous run left, with an in-memory
 * kernel and a fake address reclaim: nothing that serves a running container is removed; what
 * serves nothing goes.
 */
class SandboxAdoptionTest {
    private static final NetworkId NET = new NetworkId("a".repeat(64));
    private static final EndpointId WEB = new EndpointId("we".repeat(32));

    @TempDir
    Path dir;

    private Store store;
    private CoreHost h;
    private final List<String> reclaimed = new ArrayList<>();
    private boolean addressStillFree = true;

    @BeforeEach
    void host() {
        store = Stores.open("file:" + dir.resolve("store"));
        h = new CoreHost(store, "192.0.2.1", dir.resolve("h"), new VniRange(5000, 5009));
        h.overlay.createNetwork(
                NET,
                NetworkOptions.of(Map.of(), false),
                List.of(new AddressPool("jovl", "10.10.0.0/24", null, Map.of())),
                List.of());
        h.overlay.createEndpoint(NET, WEB, EndpointAddresses.checked("10.10.0.2/24", null, null, ""));
        h.overlay.join(NET, WEB);
        h.kernel.moveIntoContainer(WEB.value()); // the container runs
    }

    @AfterEach
    void close() {
        h.close();
        store.close();
    }

    private SandboxAdoption adoption() {
        AddressReclaim fake = (NetworkRecord network, EndpointRecord endpoint) -> {
            reclaimed.add(endpoint.ipv4());
            return addressStillFree;
        };
        return new SandboxAdoption(h.state, h.host, h.kernel, h.locks, h.journal, fake, h.cleanup);
    }

    @Test
    void aSandboxOfANetworkDeletedMeanwhileIsRemoved() {
        h.state.commit(dev.jovl.kvstore.Txn.of(
                dev.jovl.kvstore.Op.delete(dev.jovl.overlay.state.StoreLayout.network(NET.value()))));
        adoption().adoptAll();
        assertFalse(h.kernel.hasSandbox(NET.value()));
    }

    @Test
    void aRunningContainerWhoseRecordWasReapedIsRepublishedFromTheJournal() {
        h.state.deleteEndpoint(NET.value(), WEB.value()); // other hosts reaped us while we were away
        adoption().adoptAll();
        assertEquals(List.of("10.10.0.2/24"), reclaimed);
        assertTrue(h.state.endpoint(NET.value(), WEB.value()).isPresent(), "written back");
        assertTrue(
                h.kernel.attachedEndpoints(NET.value()).contains(SandboxNames.devicePart(WEB.value())),
                "its veth kept: the container still uses it");
    }

    @Test
    void aReapedContainerWhoseAddressWasTakenIsNotRepublishedButKeepsItsVeth() {
        h.state.deleteEndpoint(NET.value(), WEB.value());
        addressStillFree = false;
        adoption().adoptAll();
        assertTrue(h.state.endpoint(NET.value(), WEB.value()).isEmpty());
        assertTrue(h.kernel.attachedEndpoints(NET.value()).contains(SandboxNames.devicePart(WEB.value())));
    }

    @Test
    void aVethOfNoEndpointAndNoContainerIsRemovedBySweep() {
        attachLeftoverVeth(); // a deletion cut short
        adoption().sweepAll();
        eventually(
                () -> !h.kernel.attachedEndpoints(NET.value()).contains(SandboxNames.devicePart("le".repeat(32))),
                "leftover veth deleted");
        assertTrue(
                h.kernel.attachedEndpoints(NET.value()).contains(SandboxNames.devicePart(WEB.value())),
                "the running container's veth stays");
        assertTrue(reclaimed.isEmpty());
    }

    @Test
    void anIdleSandboxIsRetiredAfterTheGrace() {
        h.overlay.deleteEndpoint(NET, WEB);
        h.kernel.removeHostEnd(SandboxNames.devicePart(WEB.value())); // the container is gone; its veth with it
        adoption().adoptAll();
        eventually(() -> !h.kernel.hasSandbox(NET.value()), "idle sandbox removed (grace 0)");
    }

    @Test
    void anUnreadableEndpointRecordNeitherStopsTheSweepNorCostsTheRunningContainerItsVeth() {
        // another version's or a damaged record beside the real one: the sweep failed on it every
        // round before (the loop restarted forever and its health verdict went bad)
        store.create(
                dev.jovl.overlay.state.StoreLayout.endpoint(NET.value(), "ba".repeat(32)),
                "{not json".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        attachLeftoverVeth();
        adoption().sweepAll();
        adoption().adoptAll();
        eventually(
                () -> !h.kernel.attachedEndpoints(NET.value()).contains(SandboxNames.devicePart("le".repeat(32))),
                "leftover veth deleted despite the unreadable record");
        assertTrue(h.kernel.attachedEndpoints(NET.value()).contains(SandboxNames.devicePart(WEB.value())));
        assertEquals(1, h.state.endpoints(NET.value()).size(), "the readable record listed, the other left out");
        assertTrue(h.state.unreadableRecords() >= 1);
    }

    /** A veth whose endpoint record is gone and whose container end is back in the host namespace. */
    private void attachLeftoverVeth() {
        h.kernel.attach(
                h.state.network(NET.value()).orElseThrow().value(),
                new EndpointRecord(
                        NET.value(),
                        "le".repeat(32),
                        "10.10.0.9/24",
                        null,
                        "02:42:0a:0a:00:09",
                        "192.0.2.1",
                        "192.0.2.1",
                        null,
                        0,
                        null));
    }
}
