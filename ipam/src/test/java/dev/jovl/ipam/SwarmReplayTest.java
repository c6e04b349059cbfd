package dev.jovl.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.ipam.IpamException.Kind;
import dev.jovl.ipam.protocol.IpamProtocol;
import dev.jovl.ipam.protocol.IpamProtocol.ReleaseAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.ReleasePoolRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestPoolRequest;
import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Swarm manager failover (issue 17): swarmkit's allocator on a new leader requests again every pool,
 * gateway, VIP and task address the swarm holds, from another host, with the requests it sends
 * (allocatePools, allocateVIP, allocateNetworkIPs of swarmkit 20.10's cnmallocator): pool in the
 * global space with the subnet it got; the gateway with its address and the serial option; VIPs
 * and task addresses with their address and the serial option; no MAC.
 */
class SwarmReplayTest {

    private static final String SERIAL = IpamProtocol.SERIAL_ALLOCATION_OPTION;

    @TempDir
    Path dir;

    private final List<Store> stores = new java.util.ArrayList<>();
    private IpamDriver managerA;
    private IpamDriver managerB;
    private IpamDriver workerC;

    @BeforeEach
    void open() {
        managerA = host("manager-a");
        managerB = host("manager-b");
        workerC = host("worker-c");
    }

    private IpamDriver host(String id) {
        Store store = Stores.open("file:" + dir);
        stores.add(store);
        return new IpamDriver(store, IpamConfig.defaults(), id);
    }

    @AfterEach
    void close() {
        stores.forEach(Store::close);
    }

    /** What one allocator (one leader's tenure) allocated of one network. */
    private record SwarmNetwork(String poolId, String subnet, String gateway, String vip, List<String> tasks) {}

    /** swarmkit's allocatePools: RequestPool (subnet "" the first time), then the gateway with the serial option. */
    private static String[] allocatePools(IpamDriver leader, String subnet, String gateway) {
        var pool = leader.requestPool(new RequestPoolRequest("jovl-global", subnet, "", Map.of(), false));
        Map<String, String> options = new HashMap<>();
        options.put(IpamProtocol.REQUEST_ADDRESS_TYPE, IpamProtocol.GATEWAY_REQUEST_TYPE);
        options.put(SERIAL, "true");
        String gw = leader.requestAddress(new RequestAddressRequest(pool.poolId(), gateway, options))
                .address();
        return new String[] {pool.poolId(), pool.pool(), plain(gw)};
    }

    /** allocateVIP / allocateNetworkIPs: the address ("" for a new one) with the serial option only. */
    private static String swarmAddress(IpamDriver leader, String poolId, String address) {
        return plain(leader.requestAddress(new RequestAddressRequest(poolId, address, Map.of(SERIAL, "true")))
                .address());
    }

    private static String plain(String cidr) {
        return cidr.substring(0, cidr.indexOf('/'));
    }

    /** A first leader allocates a network with a VIP service of two tasks. */
    private SwarmNetwork firstAllocation(IpamDriver leader) {
        String[] pool = allocatePools(leader, "", "");
        String vip = swarmAddress(leader, pool[0], "");
        String t1 = swarmAddress(leader, pool[0], "");
        String t2 = swarmAddress(leader, pool[0], "");
        return new SwarmNetwork(pool[0], pool[1], pool[2], vip, List.of(t1, t2));
    }

    /** A new leader's allocator restores the network from the swarm's state, in swarmkit's order. */
    private SwarmNetwork replay(IpamDriver leader, SwarmNetwork held) {
        String[] pool = allocatePools(leader, held.subnet(), held.gateway());
        String vip = swarmAddress(leader, pool[0], held.vip());
        List<String> tasks =
                held.tasks().stream().map(t -> swarmAddress(leader, pool[0], t)).toList();
        return new SwarmNetwork(pool[0], pool[1], pool[2], vip, tasks);
    }

    private Map<String, String> snapshot() {
        return stores.getFirst().list("jovl/").entries().stream()
                .collect(Collectors.toMap(KeyValue::key, kv -> kv.valueAsString() + "@" + kv.version()));
    }

    private void refusedWithoutChange(Kind kind, Runnable request) {
        Map<String, String> before = snapshot();
        IpamException e = assertThrows(IpamException.class, request::run);
        assertEquals(kind, e.kind(), e.getMessage());
        assertEquals(before, snapshot(), "a refused request changed the store");
    }

    @Test
    void aNewLeaderOnAnotherHostGetsThePoolGatewayVipAndTaskAddressesTheSwarmHolds() {
        SwarmNetwork first = firstAllocation(managerA);
        SwarmNetwork second = replay(managerB, first);
        assertEquals(first, second);
        // and back to the first host: every leader change is a new tenure
        assertEquals(first, replay(managerA, second));
        // new tasks still start, on addresses nobody holds
        String t3 = swarmAddress(managerA, first.poolId(), "");
        assertFalse(first.tasks().contains(t3)
                || first.vip().equals(t3)
                || first.gateway().equals(t3));
        List<Allocation> all = managerA.allocations(first.poolId());
        assertEquals(5, all.size(), all.toString()); // gateway, VIP, 3 tasks: nothing twice
        assertTrue(all.stream().filter(a -> !a.gateway()).allMatch(Allocation::swarm));
    }

    @Test
    void aSwarmAddressStillCollidesWithEveryoneElse() {
        SwarmNetwork first = firstAllocation(managerA);
        replay(managerB, first);
        // a plain `docker run --ip <VIP>` (or an aux address) is a different owner
        refusedWithoutChange(
                Kind.ADDRESS_IN_USE,
                () -> workerC.requestAddress(new RequestAddressRequest(first.poolId(), first.vip(), Map.of())));
        // the swarm asking twice for one address in the same tenure is two objects, not a replay
        refusedWithoutChange(
                Kind.ADDRESS_IN_USE,
                () -> swarmAddress(managerB, first.poolId(), first.tasks().get(0)));
        // an address a host's container holds is not the swarm's to take
        String container = plain(workerC.requestAddress(new RequestAddressRequest(first.poolId(), "", Map.of()))
                .address());
        refusedWithoutChange(Kind.ADDRESS_IN_USE, () -> swarmAddress(managerB, first.poolId(), container));
        // nor is the gateway
        refusedWithoutChange(Kind.ADDRESS_IN_USE, () -> swarmAddress(managerB, first.poolId(), first.gateway()));
        // a swarm request for an address of the old tenure that a container took meanwhile: refused
        String released = first.tasks().get(1);
        managerB.releaseAddress(new ReleaseAddressRequest(first.poolId(), released));
        assertEquals(
                released,
                plain(workerC.requestAddress(new RequestAddressRequest(first.poolId(), released, Map.of()))
                        .address()));
        refusedWithoutChange(Kind.ADDRESS_IN_USE, () -> swarmAddress(managerA, first.poolId(), released));
    }

    @Test
    void theLeadersDeathFreesNoSwarmAddressAndOneReleaseFreesTheNetwork() {
        SwarmNetwork first = firstAllocation(managerA);
        replay(managerB, first);
        assertEquals(0, managerB.releaseAddressesOwnedBy("manager-a"));
        assertEquals(4, managerB.allocations(first.poolId()).size());
        // docker network rm after the services are gone, on the new leader only: nothing is left
        managerB.releaseAddress(new ReleaseAddressRequest(first.poolId(), first.vip()));
        first.tasks().forEach(t -> managerB.releaseAddress(new ReleaseAddressRequest(first.poolId(), t)));
        managerB.releaseAddress(new ReleaseAddressRequest(first.poolId(), first.gateway()));
        managerB.releasePool(new ReleasePoolRequest(first.poolId()));
        assertTrue(managerB.pools().isEmpty(), managerB.pools().toString());
        assertEquals(
                Map.of(),
                snapshot().entrySet().stream()
                        .filter(e -> !e.getKey().endsWith("/index"))
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    }

    @Test
    void aNetworkWithAGivenSubnetAndGatewayReplaysToo() {
        String[] pool = allocatePools(managerA, "10.77.0.0/24", "10.77.0.254");
        String vip = swarmAddress(managerA, pool[0], "");
        String[] again = allocatePools(managerB, "10.77.0.0/24", "10.77.0.254");
        assertEquals(List.of(pool), List.of(again));
        assertEquals(vip, swarmAddress(managerB, pool[0], vip));
        assertNotEquals(vip, swarmAddress(managerB, pool[0], ""));
    }
}
