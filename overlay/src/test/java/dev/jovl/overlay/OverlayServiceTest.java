package dev.jovl.overlay;

import static dev.jovl.overlay.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.overlay.state.AddressPool;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.NetworkRecord;
import dev.jovl.overlay.state.StoreLayout;
import dev.jovl.overlay.testing.CoreHost;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The overlay core's decisions, as a normal user: two hosts on one embedded store, each with an
 * in-memory kernel. Lifecycles, resends, races and reconciliation; the netlink adapter and Docker
 * are tested elsewhere, as root.
 */
class OverlayServiceTest {
    private static final NetworkId NET = new NetworkId("a".repeat(64));
    private static final List<AddressPool> POOLS =
            List.of(new AddressPool("jovl", "10.10.0.0/24", "10.10.0.1/24", Map.of()));
    private static final VniRange VNIS = new VniRange(5000, 5009);

    @TempDir
    Path dir;

    private Store store;
    private CoreHost h1;
    private CoreHost h2;

    @BeforeEach
    void hosts() {
        store = Stores.open("file:" + dir.resolve("store"));
        h1 = new CoreHost(store, "192.0.2.1", dir.resolve("h1"), VNIS);
        h2 = new CoreHost(store, "192.0.2.2", dir.resolve("h2"), VNIS);
    }

    @AfterEach
    void close() {
        h1.close();
        h2.close();
        store.close();
    }

    @Test
    void createNetworkIsIdempotentAndSeenByEveryHost() {
        h1.overlay.createNetwork(NET, NetworkOptions.of(Map.of(), false), POOLS, List.of());
        int vni = network().vni();
        h1.overlay.createNetwork(NET, NetworkOptions.of(Map.of(), false), POOLS, List.of()); // Docker's resend
        h2.overlay.createNetwork(NET, NetworkOptions.of(Map.of(), false), POOLS, List.of()); // another host
        assertEquals(vni, network().vni());
        assertEquals(1, h1.state.claimedVnis().size(), "one VNI claimed, not one per request");
        assertEquals(POOLS, network().ipv4Data());
    }

    @Test
    void aPinnedVniThatDiffersOrIsTakenIsRefusedAndChangesNothing() {
        h1.overlay.createNetwork(NET, NetworkOptions.of(Map.of("jovl.vni", "5003"), false), POOLS, List.of());
        assertEquals(5003, network().vni());
        OverlayException e = assertThrows(
                OverlayException.Invalid.class,
                () -> h1.overlay.createNetwork(
                        NET, NetworkOptions.of(Map.of("jovl.vni", "5004"), false), POOLS, List.of()));
        assertTrue(e.getMessage().contains("already exists with VNI 5003"), e.getMessage());
        NetworkId other = new NetworkId("b".repeat(64));
        assertThrows(
                OverlayException.Invalid.class,
                () -> h2.overlay.createNetwork(
                        other, NetworkOptions.of(Map.of("jovl.vni", "5003"), false), POOLS, List.of()));
        assertTrue(h1.state.network(other.value()).isEmpty());
        assertEquals(List.of(5003), h1.state.claimedVnis());
    }

    @Test
    void hostsRacingToCreateNetworksGetDistinctVnis() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Void>> creates = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                NetworkId id = new NetworkId(Integer.toString(i).repeat(64));
                CoreHost h = i % 2 == 0 ? h1 : h2;
                creates.add(() -> {
                    h.overlay.createNetwork(id, NetworkOptions.of(Map.of(), false), POOLS, List.of());
                    return null;
                });
            }
            for (Future<Void> f : pool.invokeAll(creates)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        Set<Integer> vnis = new HashSet<>();
        h1.state.networks().forEach(n -> vnis.add(n.value().vni()));
        assertEquals(8, vnis.size(), "every network its own VNI: " + vnis);
        assertEquals(8, h1.state.claimedVnis().size());
    }

    @Test
    void endpointMacComesFromItsAddressAndAResendGetsTheSameOne() {
        h1.overlay.createNetwork(NET, NetworkOptions.of(Map.of(), false), POOLS, List.of());
        EndpointId ep = new EndpointId("e1".repeat(32));
        EndpointAddresses addresses = EndpointAddresses.checked("10.10.0.7/24", null, null, "Interface.");
        String mac = h1.overlay.createEndpoint(NET, ep, addresses);
        assertEquals("02:42:0a:0a:00:07", mac);
        assertEquals(mac, h1.overlay.createEndpoint(NET, ep, addresses));
        EndpointRecord stored =
                h1.state.endpoint(NET.value(), ep.value()).orElseThrow().value();
        assertTrue(stored.stillPending(), "not published before its interface is up");
        EndpointId given = new EndpointId("e2".repeat(32));
        assertEquals(
                "06:00:00:00:00:01",
                h1.overlay.createEndpoint(
                        NET,
                        given,
                        EndpointAddresses.checked("10.10.0.8/24", null, "06:00:00:00:00:01", "Interface.")));
    }

    @Test
    void anEndpointOfAnUnknownNetworkOrAnotherHostIsRefused() {
        EndpointId ep = new EndpointId("e1".repeat(32));
        assertThrows(
                OverlayException.Invalid.class,
                () -> h1.overlay.createEndpoint(NET, ep, EndpointAddresses.checked("10.10.0.7/24", null, null, "")));
        h1.overlay.createNetwork(NET, NetworkOptions.of(Map.of(), false), POOLS, List.of());
        assertThrows(OverlayException.Invalid.class, () -> h1.overlay.join(NET, ep), "no CreateEndpoint seen");
        h1.overlay.createEndpoint(NET, ep, EndpointAddresses.checked("10.10.0.7/24", null, null, ""));
        OverlayException e = assertThrows(OverlayException.Invalid.class, () -> h2.overlay.join(NET, ep));
        assertTrue(e.getMessage().contains("belongs to host 192.0.2.1"), e.getMessage());
        assertFalse(h2.kernel.hasSandbox(NET.value()), "a refused Join builds nothing");
    }

    /**
     * CreateEndpoint works from the network record this host read before, in one conditional
     * transaction: a network that another host deleted meanwhile is refused with nothing written,
     * and one re-created with other subnets is read again and checked against.
     */
    @Test
    void createEndpointNoticesANetworkDeletedOrRecreatedByAnotherHost() {
        h1.overlay.createNetwork(NET, NetworkOptions.of(Map.of(), false), POOLS, List.of());
        EndpointId first = new EndpointId("f1".repeat(32));
        h1.overlay.createEndpoint(NET, first, EndpointAddresses.checked("10.10.0.7/24", null, null, ""));
        h2.overlay.deleteNetwork(NET);

        EndpointId second = new EndpointId("f2".repeat(32));
        assertThrows(
                OverlayException.Invalid.class,
                () -> h1.overlay.createEndpoint(
                        NET, second, EndpointAddresses.checked("10.10.0.8/24", null, null, "")));
        assertTrue(
                store.get(StoreLayout.endpoint(NET.value(), second.value())).isEmpty(),
                "nothing written for a network that is gone");

        List<AddressPool> other = List.of(new AddressPool("jovl", "10.20.0.0/24", "10.20.0.1/24", Map.of()));
        h2.overlay.createNetwork(NET, NetworkOptions.of(Map.of(), false), other, List.of());
        assertThrows(
                OverlayException.Invalid.class,
                () -> h1.overlay.createEndpoint(NET, second, EndpointAddresses.checked("10.10.0.8/24", null, null, "")),
                "checked against the re-created network's subnet");
        h1.overlay.createEndpoint(NET, second, EndpointAddresses.checked("10.20.0.8/24", null, null, ""));
        h1.overlay.createEndpoint(NET, second, EndpointAddresses.checked("10.20.0.8/24", null, null, ""));
        assertTrue(store.get(StoreLayout.endpoint(NET.value(), second.value())).isPresent());
    }

    @Test
    void aJoinedEndpointIsPublishedAndProgrammedOnTheOtherHostThenRemovedWithIt() {
        h1.overlay.createNetwork(NET, NetworkOptions.of(Map.of(), false), POOLS, List.of());
        EndpointId web = new EndpointId("we".repeat(32));
        EndpointId shell = new EndpointId("sh".repeat(32));
        String webMac = h1.overlay.createEndpoint(NET, web, EndpointAddresses.checked("10.10.0.2/24", null, null, ""));
        h2.overlay.createEndpoint(NET, shell, EndpointAddresses.checked("10.10.0.3/24", null, null, ""));
        assertEquals(SandboxNames.hostEnd(web.value()), h1.overlay.join(NET, web));
        h2.overlay.join(NET, shell);

        eventually(
                () -> webMac.equals(h2.kernel.sandbox(NET.value()).neighbours.get("10.10.0.2"))
                        && "192.0.2.1".equals(h2.kernel.sandbox(NET.value()).fdb.get(webMac)),
                "web programmed on host 2");
        eventually(
                () -> "192.0.2.2".equals(h1.kernel.sandbox(NET.value()).fdb.get("02:42:0a:0a:00:03")),
                "shell programmed on host 1");
        assertNull(h1.kernel.sandbox(NET.value()).neighbours.get("10.10.0.2"), "no entry for a local endpoint");

        h1.kernel.moveIntoContainer(web.value());
        h1.overlay.deleteEndpoint(NET, web);
        h1.overlay.deleteEndpoint(NET, web); // resend
        eventually(
                () -> !h2.kernel.sandbox(NET.value()).fdb.containsKey(webMac)
                        && !h2.kernel.sandbox(NET.value()).neighbours.containsKey("10.10.0.2"),
                "web gone from host 2");
        eventually(() -> !h1.kernel.hasSandbox(NET.value()), "host 1's last local endpoint took its sandbox (grace 0)");
        assertTrue(h1.state.endpoint(NET.value(), web.value()).isEmpty());
    }

    @Test
    void reconcileRepairsWhatTheKernelLostOrGainedBehindJovlsBack() {
        h1.overlay.createNetwork(NET, NetworkOptions.of(Map.of(), false), POOLS, List.of());
        EndpointId web = new EndpointId("we".repeat(32));
        EndpointId shell = new EndpointId("sh".repeat(32));
        String webMac = h1.overlay.createEndpoint(NET, web, EndpointAddresses.checked("10.10.0.2/24", null, null, ""));
        h1.overlay.join(NET, web);
        h2.overlay.createEndpoint(NET, shell, EndpointAddresses.checked("10.10.0.3/24", null, null, ""));
        h2.overlay.join(NET, shell);
        eventually(() -> h2.kernel.sandbox(NET.value()).fdb.containsKey(webMac), "web programmed on host 2");

        FakeSandboxEdit.loseAndGain(h2.kernel.sandbox(NET.value()), webMac);
        long fixesBefore = h2.peers.driftFixes();
        h2.peers.reconcileAll();
        assertEquals("192.0.2.1", h2.kernel.sandbox(NET.value()).fdb.get(webMac), "lost entry written back");
        assertEquals(webMac, h2.kernel.sandbox(NET.value()).neighbours.get("10.10.0.2"));
        assertFalse(h2.kernel.sandbox(NET.value()).fdb.containsKey("06:66:66:66:66:66"), "stray entry removed");
        assertFalse(h2.kernel.sandbox(NET.value()).neighbours.containsKey("10.10.0.66"));
        assertTrue(h2.peers.driftFixes() > fixesBefore);
    }

    @Test
    void deleteNetworkRemovesRecordsVniClaimAndSandboxAndToleratesResends() {
        h1.overlay.createNetwork(NET, NetworkOptions.of(Map.of(), false), POOLS, List.of());
        EndpointId web = new EndpointId("we".repeat(32));
        h1.overlay.createEndpoint(NET, web, EndpointAddresses.checked("10.10.0.2/24", null, null, ""));
        h1.overlay.join(NET, web);
        int vni = network().vni();
        h1.overlay.deleteNetwork(NET);
        h1.overlay.deleteNetwork(NET);
        assertTrue(h1.state.network(NET.value()).isEmpty());
        assertTrue(h1.state.vniHolder(vni).isEmpty());
        assertTrue(store.list(StoreLayout.endpointsOf(NET.value())).entries().isEmpty());
        assertFalse(h1.kernel.hasSandbox(NET.value()));
    }

    @Test
    void theEndpointJournalIsPrivateAndGoesWithItsNetwork() throws Exception {
        h1.overlay.createNetwork(NET, NetworkOptions.of(Map.of(), false), POOLS, List.of());
        EndpointId web = new EndpointId("we".repeat(32));
        h1.overlay.createEndpoint(NET, web, EndpointAddresses.checked("10.10.0.2/24", null, null, ""));
        java.nio.file.Path journal = dir.resolve("h1").resolve("endpoints");
        java.nio.file.Path file = journal.resolve(NET.value()).resolve(web.value() + ".json");
        assertTrue(java.nio.file.Files.exists(file));
        assertEquals("rwx------", mode(journal));
        assertEquals("rwx------", mode(journal.resolve(NET.value())));
        assertEquals("rw-------", mode(file));
        h1.overlay.deleteNetwork(NET);
        assertFalse(java.nio.file.Files.exists(journal.resolve(NET.value())), "DeleteNetwork leaves no journal behind");
    }

    private static String mode(java.nio.file.Path p) throws java.io.IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(p));
    }

    @Test
    void aKernelFailureInJoinLeavesTheEndpointUnpublished() {
        h1.overlay.createNetwork(NET, NetworkOptions.of(Map.of(), false), POOLS, List.of());
        EndpointId web = new EndpointId("we".repeat(32));
        h1.overlay.createEndpoint(NET, web, EndpointAddresses.checked("10.10.0.2/24", null, null, ""));
        h1.kernel.failNextAttach(OverlayException.failed("cannot create the veth pair: File exists"));
        assertThrows(OverlayException.Failed.class, () -> h1.overlay.join(NET, web));
        assertTrue(h1.state
                .endpoint(NET.value(), web.value())
                .orElseThrow()
                .value()
                .stillPending());
        h1.overlay.join(NET, web); // Docker retries
        eventually(
                () -> !h1.state
                        .endpoint(NET.value(), web.value())
                        .orElseThrow()
                        .value()
                        .stillPending(),
                "published once the retry attached it");
    }

    @Test
    void allocateNetworkClaimsOneVniAndFreeNetworkReleasesIt() {
        int vni = h1.overlay.allocateNetwork(NET, null);
        assertEquals(vni, h2.overlay.allocateNetwork(NET, null), "a second manager gets the same VNI");
        h2.overlay.createNetwork(
                NET, NetworkOptions.of(Map.of("jovl.vni", Integer.toString(vni)), false), POOLS, List.of());
        assertTrue(network().swarmAllocated());
        h2.overlay.deleteNetwork(NET); // a worker's DeleteNetwork keeps the swarm's record
        assertTrue(h1.state.network(NET.value()).isPresent());
        h1.overlay.freeNetwork(NET);
        assertTrue(h1.state.network(NET.value()).isEmpty());
        assertTrue(h1.state.claimedVnis().isEmpty());
        assertNotEquals(0, vni);
    }

    @Test
    void anAddressThatMovesToAnotherMacIsAnnouncedToTheOtherHostsContainers() {
        h1.overlay.createNetwork(NET, NetworkOptions.of(Map.of(), false), POOLS, List.of());
        EndpointId shell = new EndpointId("sh".repeat(32));
        h2.overlay.createEndpoint(NET, shell, EndpointAddresses.checked("10.10.0.3/24", null, null, ""));
        h2.overlay.join(NET, shell);
        EndpointId first = new EndpointId("f1".repeat(32));
        h1.overlay.createEndpoint(
                NET, first, EndpointAddresses.checked("10.10.0.200/24", null, "06:00:00:00:00:01", ""));
        h1.overlay.join(NET, first);
        eventually(
                () -> "06:00:00:00:00:01"
                        .equals(h2.kernel.sandbox(NET.value()).neighbours.get("10.10.0.200")),
                "first container programmed on host 2");
        h1.kernel.moveIntoContainer(first.value());
        h1.overlay.deleteEndpoint(NET, first);

        EndpointId second = new EndpointId("f2".repeat(32)); // docker run --ip 10.10.0.200 again, another MAC
        h1.overlay.createEndpoint(
                NET, second, EndpointAddresses.checked("10.10.0.200/24", null, "06:00:00:00:00:02", ""));
        h1.overlay.join(NET, second);
        eventually(
                () -> h2.kernel.announcements().contains(Map.of("10.10.0.200", "06:00:00:00:00:02")),
                "host 2's containers told the new MAC: " + h2.kernel.announcements());
        // announced on its own host right after the publishing write, which may come after host 2's
        eventually(
                () -> h1.kernel.announcements().contains(Map.of("10.10.0.200", "06:00:00:00:00:02")),
                "host 1's own containers too: " + h1.kernel.announcements());
    }

    @Test
    void aMoveThatArrivesThroughAFullReconcileIsAnnouncedToo() {
        h1.overlay.createNetwork(NET, NetworkOptions.of(Map.of(), false), POOLS, List.of());
        EndpointId shell = new EndpointId("sh".repeat(32));
        h2.overlay.createEndpoint(NET, shell, EndpointAddresses.checked("10.10.0.3/24", null, null, ""));
        h2.overlay.join(NET, shell);
        EndpointId web = new EndpointId("we".repeat(32));
        h1.overlay.createEndpoint(NET, web, EndpointAddresses.checked("10.10.0.200/24", null, "06:00:00:00:00:02", ""));
        h1.overlay.join(NET, web);
        eventually(
                () -> "06:00:00:00:00:02"
                        .equals(h2.kernel.sandbox(NET.value()).neighbours.get("10.10.0.200")),
                "programmed on host 2");
        // host 2 still holds the address's old MAC: the move happened while its watch was down
        // (an underlay cut); the reconcile after the reconnect is what corrects it
        h2.kernel.sandbox(NET.value()).neighbours.put("10.10.0.200", "06:00:00:00:00:01");
        int before = h2.kernel.announcements().size();
        h2.locks.run(NET.value(), () -> h2.peers.reconcile(NET.value()));
        assertEquals(
                "06:00:00:00:00:02", h2.kernel.sandbox(NET.value()).neighbours.get("10.10.0.200"));
        assertEquals(
                List.of(Map.of("10.10.0.200", "06:00:00:00:00:02")),
                h2.kernel
                        .announcements()
                        .subList(before, h2.kernel.announcements().size()),
                "the containers of host 2 are told the new MAC");
    }

    @Test
    void aRecordThatCannotBeProgrammedIsSkippedAndTheOthersAre() {
        h1.overlay.createNetwork(NET, NetworkOptions.of(Map.of(), false), POOLS, List.of());
        EndpointId shell = new EndpointId("sh".repeat(32));
        h2.overlay.createEndpoint(NET, shell, EndpointAddresses.checked("10.10.0.3/24", null, null, ""));
        h2.overlay.join(NET, shell);
        // written past the door by an older or hostile jovl: a scoped address and a long-form IPv6
        h1.state.createEndpoint(new EndpointRecord(
                NET.value(),
                "ba".repeat(32),
                "10.10.0.66/24",
                "fe80::1%eth0/64",
                "06:00:00:00:00:66",
                "192.0.2.1",
                "192.0.2.1",
                null,
                1,
                null));
        h1.state.createEndpoint(new EndpointRecord(
                NET.value(),
                "go".repeat(32),
                "10.10.0.7/24",
                "fd00:0:0:0:0:0:0:7/64",
                "06:00:00:00:00:07",
                "192.0.2.1",
                "192.0.2.1",
                null,
                2,
                null));
        eventually(
                () -> "06:00:00:00:00:07"
                        .equals(h2.kernel.sandbox(NET.value()).neighbours.get("fd00::7")),
                "the good record programmed, its IPv6 address in canonical form");
        assertEquals(
                "06:00:00:00:00:07", h2.kernel.sandbox(NET.value()).neighbours.get("10.10.0.7"));
        assertFalse(h2.kernel.sandbox(NET.value()).fdb.containsKey("06:00:00:00:00:66"));
        assertTrue(h2.peers.skippedInvalid() > 0);
        long before = h2.peers.driftFixes();
        h2.peers.reconcileAll();
        assertEquals(before, h2.peers.driftFixes(), "canonical desired state matches the dump: no endless drift");
    }

    private NetworkRecord network() {
        return h1.state.network(NET.value()).orElseThrow().value();
    }

    /** Edits a fake sandbox as an operator's {@code bridge fdb del} / {@code ip neigh add} would. */
    private static final class FakeSandboxEdit {
        static void loseAndGain(dev.jovl.overlay.testing.FakeDataplane.Sandbox s, String mac) {
            s.fdb.remove(mac);
            s.neighbours.remove("10.10.0.2");
            s.fdb.put("06:66:66:66:66:66", "192.0.2.9");
            s.neighbours.put("10.10.0.66", "06:66:66:66:66:66");
        }
    }
}
