package dev.jovl.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.ipam.Allocation;
import dev.jovl.ipam.IpamConfig;
import dev.jovl.ipam.IpamDriver;
import dev.jovl.ipam.protocol.IpamProtocol;
import dev.jovl.ipam.protocol.IpamProtocol.ReleaseAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestPoolRequest;
import dev.jovl.kvstore.RecordJson;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.overlay.state.AddressPool;
import dev.jovl.overlay.state.ClusterState;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.NetworkRecord;
import dev.jovl.overlay.state.StoreLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Addresses freed without Docker (a vanished container) and releases Docker sends late: jovl's IPAM
 * gives up only what is still the endpoint's own, and a late ReleaseAddress cannot free an address
 * a live container holds now.
 */
class LateReleaseTest {
    private static final String NET = "n".repeat(64);
    private static final String MAC_A = "02:00:00:00:00:0a";
    private static final String MAC_B = "02:00:00:00:00:0b";

    @TempDir
    Path dir;

    private Store store;
    private ClusterState state;
    private IpamDriver ipam;
    private IpamDriver otherHostIpam;
    private String poolId;
    private NetworkRecord network;
    private IpamEndpointAddresses addresses;
    private StaleReleaseGuard guard;

    @BeforeEach
    void setUp() {
        store = Stores.open("file:" + dir.resolve("store"));
        state = new ClusterState(store);
        ipam = new IpamDriver(store, IpamConfig.defaults(), "h1");
        otherHostIpam = new IpamDriver(store, IpamConfig.defaults(), "h2");
        poolId = ipam.requestPool(new RequestPoolRequest("jovl-global", "10.20.0.0/24", "", Map.of(), false))
                .poolId();
        AddressPool pool = new AddressPool("jovl-global", "10.20.0.0/24", "10.20.0.1/24", Map.of());
        network = new NetworkRecord(NET, 4100, 1450, false, List.of(pool), List.of(), Map.of(), "h1", 0, false);
        store.create(StoreLayout.network(NET), RecordJson.write(network));
        LiveAddressHolders holders = new LiveAddressHolders(state, state::allEndpoints);
        addresses = new IpamEndpointAddresses(ipam, "h1", holders);
        guard = new StaleReleaseGuard(ipam, holders);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private void allocate(IpamDriver by, String ip, String mac) {
        by.requestAddress(new RequestAddressRequest(poolId, ip, Map.of(IpamProtocol.MAC_ADDRESS_OPTION, mac)));
    }

    private static EndpointRecord endpoint(String id, String ip, String mac, String host) {
        return new EndpointRecord(NET, id.repeat(32), ip + "/24", null, mac, "192.0.2.1", host, null, 0, null);
    }

    private boolean allocated(String ip) {
        return ipam.allocations(poolId).stream().map(Allocation::address).anyMatch(ip::equals);
    }

    @Test
    void theVanishedEndpointsOwnAddressIsReleased() {
        allocate(ipam, "10.20.0.7", MAC_A);
        addresses.release(network, endpoint("aa", "10.20.0.7", MAC_A, "h1"));
        assertTrue(!allocated("10.20.0.7"));
    }

    @Test
    void anAddressAllocatedForAnotherMacOrHostIsKept() {
        allocate(ipam, "10.20.0.7", MAC_B); // re-created on this host at the same --ip
        addresses.release(network, endpoint("aa", "10.20.0.7", MAC_A, "h1"));
        assertTrue(allocated("10.20.0.7"), "another container's allocation");

        allocate(otherHostIpam, "10.20.0.8", MAC_A);
        addresses.release(network, endpoint("aa", "10.20.0.8", MAC_A, "h1"));
        assertTrue(allocated("10.20.0.8"), "another host's allocation");
    }

    @Test
    void anAddressALiveEndpointHoldsIsKeptEvenForTheSameMac() {
        allocate(ipam, "10.20.0.7", MAC_A);
        state.createEndpoint(endpoint("bb", "10.20.0.7", MAC_A, "h1")); // --mac-address re-used too
        addresses.release(network, endpoint("aa", "10.20.0.7", MAC_A, "h1"));
        assertTrue(allocated("10.20.0.7"));
    }

    @Test
    void aLateReleaseOfAnAddressALiveContainerHoldsChangesNothing() {
        allocate(ipam, "10.20.0.7", MAC_B);
        state.createEndpoint(endpoint("bb", "10.20.0.7", MAC_B, "h1"));
        guard.release(new ReleaseAddressRequest(poolId, "10.20.0.7"));
        assertTrue(allocated("10.20.0.7"), "the live container keeps its address");

        state.deleteEndpoint(NET, "bb".repeat(32)); // Docker's DeleteEndpoint, then its release
        guard.release(new ReleaseAddressRequest(poolId, "10.20.0.7"));
        assertTrue(!allocated("10.20.0.7"));
    }

    @Test
    void aPendingEndpointDoesNotBlockTheReleaseOfAFailedStart() {
        allocate(ipam, "10.20.0.9", MAC_A);
        EndpointRecord e = endpoint("cc", "10.20.0.9", MAC_A, "h1");
        state.createEndpoint(new EndpointRecord(
                e.networkId(), e.endpointId(), e.ipv4(), null, e.mac(), e.vtep(), e.host(), null, 0, true));
        guard.release(new ReleaseAddressRequest(poolId, "10.20.0.9"));
        assertTrue(!allocated("10.20.0.9"));
        assertEquals(
                List.of(),
                ipam.allocations(poolId).stream().filter(a -> !a.gateway()).toList());
    }
}
