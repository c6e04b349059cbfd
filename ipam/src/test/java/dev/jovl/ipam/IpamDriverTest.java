package dev.jovl.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.ipam.IpamException.Kind;
import dev.jovl.ipam.protocol.IpamProtocol;
import dev.jovl.ipam.protocol.IpamProtocol.ReleaseAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.ReleasePoolRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestPoolRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestPoolResponse;
import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IPAM semantics, on the embedded store, with two hosts sharing it. */
class IpamDriverTest {

    private static final Map<String, String> GATEWAY =
            Map.of(IpamProtocol.REQUEST_ADDRESS_TYPE, IpamProtocol.GATEWAY_REQUEST_TYPE);

    @TempDir
    Path dir;

    private Store storeA;
    private Store storeB;
    private IpamDriver hostA;
    private IpamDriver hostB;

    @BeforeEach
    void open() {
        storeA = Stores.open("file:" + dir);
        storeB = Stores.open("file:" + dir);
        hostA = new IpamDriver(storeA, IpamConfig.defaults(), "host-a");
        hostB = new IpamDriver(storeB, IpamConfig.defaults(), "host-b");
    }

    @AfterEach
    void close() {
        storeA.close();
        storeB.close();
    }

    private static RequestPoolRequest pool(String space, String subnet, String subPool, boolean v6) {
        return new RequestPoolRequest(space, subnet, subPool, null, v6);
    }

    private static String any(IpamDriver d, String poolId) {
        return d.requestAddress(new RequestAddressRequest(poolId, "", null)).address();
    }

    private static String specific(IpamDriver d, String poolId, String address) {
        return d.requestAddress(new RequestAddressRequest(poolId, address, null))
                .address();
    }

    private static String gateway(IpamDriver d, String poolId, String address) {
        return d.requestAddress(new RequestAddressRequest(poolId, address, GATEWAY))
                .address();
    }

    private static void release(IpamDriver d, String poolId, String address) {
        d.releaseAddress(new ReleaseAddressRequest(poolId, address));
    }

    private Map<String, String> snapshot() {
        return storeA.list("jovl/").entries().stream()
                .collect(Collectors.toMap(KeyValue::key, kv -> kv.valueAsString() + "@" + kv.version()));
    }

    /** The request fails with {@code kind} and leaves the store exactly as it was. */
    private void failsWithoutChange(Kind kind, Executable request) {
        Map<String, String> before = snapshot();
        IpamException e = assertThrows(IpamException.class, request::execute);
        assertEquals(kind, e.kind(), e.getMessage());
        assertEquals(before, snapshot(), "a failed request changed the store: " + e.getMessage());
    }

    interface Executable {
        void execute();
    }

    @Test
    void explicitSubnetGatewayAndAddressesInCidrForm() {
        RequestPoolResponse p = hostA.requestPool(pool("jovl-global", "10.10.0.0/24", "", false));
        assertEquals("jovl-global/10.10.0.0/24", p.poolId());
        assertEquals("10.10.0.0/24", p.pool());
        assertEquals(Map.of(), p.data());
        assertEquals("10.10.0.1/24", gateway(hostA, p.poolId(), "10.10.0.1"));
        assertEquals("10.10.0.2/24", any(hostA, p.poolId()));
        assertEquals("10.10.0.3/24", any(hostA, p.poolId()));
        assertEquals("10.10.0.77/24", specific(hostA, p.poolId(), "10.10.0.77"));
        List<Allocation> all = hostA.allocations(p.poolId());
        assertEquals(
                List.of("10.10.0.1", "10.10.0.2", "10.10.0.3", "10.10.0.77"),
                all.stream().map(Allocation::address).toList());
        assertTrue(all.getFirst().gateway());
        assertTrue(all.stream().allMatch(a -> a.host().equals("host-a")));
    }

    @Test
    void gatewayWithoutAddressIsTheFirstOfTheRange() {
        String id = hostA.requestPool(pool("", "10.10.0.0/24", "10.10.0.128/25", false))
                .poolId();
        assertEquals("jovl-local/10.10.0.0/24", id);
        assertEquals("10.10.0.128/24", gateway(hostA, id, ""));
        assertEquals("10.10.0.129/24", any(hostA, id));
    }

    @Test
    void subRangeBoundsAnyRequestsAndExhausts() {
        String id = hostA.requestPool(pool("jovl-global", "10.10.0.0/24", "10.10.0.248/29", false))
                .poolId();
        Set<String> got = new HashSet<>();
        for (int i = 0; i < 7; i++) { // .248 .. .254 (.255 is the broadcast address)
            got.add(any(hostA, id));
        }
        assertEquals(7, got.size());
        assertTrue(got.stream().allMatch(a -> Integer.parseInt(a.split("[./]")[3]) >= 248));
        failsWithoutChange(Kind.POOL_EXHAUSTED, () -> any(hostB, id));
        // outside the ip-range but inside the subnet: a specific request may still have it
        assertEquals("10.10.0.5/24", specific(hostB, id, "10.10.0.5"));
    }

    @Test
    void releasedAddressesAreNotReusedAtOnce() {
        String id = hostA.requestPool(pool("jovl-global", "10.10.0.0/28", "", false))
                .poolId();
        // a /28 is cut in blocks of 4: .0-.3 .4-.7 .8-.11 .12-.15
        String first = any(hostA, id);
        assertEquals("10.10.0.1/28", first);
        release(hostA, id, "10.10.0.1"); // its block is empty now, and deleted
        // only once the claim cursor has gone round the blocks does the released address come back
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 11; i++) { // .4 .. .14: every other block, all new
            seen.add(any(hostA, id));
        }
        assertEquals(11, seen.size());
        assertTrue(!seen.contains(first) && !seen.contains("10.10.0.2/28") && !seen.contains("10.10.0.3/28"));
        seen.add(any(hostA, id));
        assertTrue(seen.contains(first), "after wrapping, the released address is handed out again");
        seen.add(any(hostA, id));
        seen.add(any(hostA, id));
        assertEquals(14, seen.size());
        failsWithoutChange(Kind.POOL_EXHAUSTED, () -> any(hostB, id));
    }

    @Test
    void errorsAreClearAndChangeNothing() {
        String id = hostA.requestPool(pool("jovl-global", "10.10.0.0/24", "", false))
                .poolId();
        specific(hostA, id, "10.10.0.9");
        failsWithoutChange(Kind.ADDRESS_IN_USE, () -> specific(hostB, id, "10.10.0.9"));
        failsWithoutChange(Kind.ADDRESS_OUTSIDE_POOL, () -> specific(hostB, id, "10.10.1.9"));
        failsWithoutChange(Kind.ADDRESS_OUTSIDE_POOL, () -> specific(hostB, id, "10.10.0.255"));
        failsWithoutChange(Kind.ADDRESS_OUTSIDE_POOL, () -> specific(hostB, id, "fd00::1"));
        failsWithoutChange(Kind.UNKNOWN_POOL, () -> any(hostB, "jovl-global/10.99.0.0/24"));
        failsWithoutChange(Kind.INVALID_REQUEST, () -> any(hostB, "garbage"));
        failsWithoutChange(Kind.INVALID_REQUEST, () -> specific(hostB, id, "10.10.0.300"));
        failsWithoutChange(
                Kind.OVERLAPPING_SUBNET, () -> hostB.requestPool(pool("jovl-global", "10.10.0.0/16", "", false)));
        failsWithoutChange(
                Kind.OVERLAPPING_SUBNET, () -> hostB.requestPool(pool("jovl-global", "10.10.0.128/25", "", false)));
        failsWithoutChange(
                Kind.OVERLAPPING_SUBNET,
                () -> hostB.requestPool(pool("jovl-global", "10.10.0.0/24", "10.10.0.0/25", false)));
        failsWithoutChange(Kind.INVALID_REQUEST, () -> hostB.requestPool(pool("", "10.10.0.1/24", "", false)));
        failsWithoutChange(Kind.INVALID_REQUEST, () -> hostB.requestPool(pool("", "10.20.0.0/24", "", true)));
        failsWithoutChange(Kind.INVALID_REQUEST, () -> hostB.requestPool(pool("", "", "10.20.0.0/25", false)));
        failsWithoutChange(
                Kind.INVALID_REQUEST, () -> hostB.requestPool(pool("", "10.20.0.0/24", "10.21.0.0/25", false)));
        failsWithoutChange(Kind.INVALID_REQUEST, () -> hostB.requestPool(pool("bad space", "10.20.0.0/24", "", false)));
        failsWithoutChange(
                Kind.INVALID_REQUEST,
                () -> hostB.requestAddress(
                        new RequestAddressRequest(id, "", Map.of(IpamProtocol.MAC_ADDRESS_OPTION, "not-a-mac"))));
        failsWithoutChange(Kind.ADDRESS_IN_USE, () -> gateway(hostB, id, "10.10.0.9"));
        IpamException e = assertThrows(IpamException.class, () -> specific(hostB, id, "10.10.0.9"));
        assertTrue(e.getMessage().contains("10.10.0.9") && e.getMessage().contains("host-a"), e.getMessage());
    }

    @Test
    void emptyRequestsGetDistinctFreeSubnets() {
        hostA.requestPool(pool("jovl-global", "10.200.1.0/24", "", false));
        Set<String> pools = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            IpamDriver d = i % 2 == 0 ? hostA : hostB;
            pools.add(d.requestPool(pool(i % 2 == 0 ? "jovl-local" : "jovl-global", "", "", false))
                    .pool());
        }
        assertEquals(
                Set.of("10.200.0.0/24", "10.200.2.0/24", "10.200.3.0/24", "10.200.4.0/24", "10.200.5.0/24"), pools);
        String v6 = hostA.requestPool(pool("jovl-global", "", "", true)).pool();
        assertEquals("fd6a:6f76:6c00::/64", v6);
        assertEquals(
                "fd6a:6f76:6c00:1::/64",
                hostB.requestPool(pool("jovl-global", "", "", true)).pool());
    }

    @Test
    void ipv6SlashSixtyFourWorks() {
        String id =
                hostA.requestPool(pool("jovl-global", "fd00:1::/64", "", true)).poolId();
        assertEquals("fd00:1::1/64", gateway(hostA, id, ""));
        assertEquals("fd00:1::40/64", any(hostB, id)); // blocks of 64: B claims the second one
        assertEquals("fd00:1::ffff:ffff:ffff:fffe/64", specific(hostB, id, "fd00:1::ffff:ffff:ffff:fffe"));
        assertEquals("fd00:1::ffff:ffff:ffff:ffff/64", specific(hostB, id, "fd00:1::ffff:ffff:ffff:ffff"));
        failsWithoutChange(Kind.ADDRESS_OUTSIDE_POOL, () -> specific(hostB, id, "fd00:1::"));
        assertEquals("fd00:1::2/64", any(hostA, id)); // A's block: the gateway's
        release(hostB, id, "fd00:1::ffff:ffff:ffff:ffff");
        // the state stays proportional to the allocations: 3 blocks, not 2^58
        long blocks = storeA.list("jovl/v1/ipam/state/").entries().stream()
                .filter(kv -> kv.key().contains("/b/"))
                .count();
        assertEquals(3, blocks);
    }

    @Test
    void clusterStoreModeResolvesAPoolIdThisHostNeverSaw() {
        String id = hostA.requestPool(pool("jovl-global", "10.30.0.0/24", "", false))
                .poolId();
        gateway(hostA, id, "");
        assertEquals("10.30.0.16/24", any(hostB, id)); // a /24 is cut in blocks of 16
        assertEquals("host-b", hostA.allocations(id).get(1).host());
        // docker network rm may run on host B: its ReleasePool releases the pool created by A
        release(hostB, id, "10.30.0.16");
        release(hostB, id, "10.30.0.1");
        hostB.releasePool(new ReleasePoolRequest(id));
        assertTrue(hostA.pools().isEmpty());
        assertTrue(storeA.list("jovl/v1/ipam/state/").entries().isEmpty(), "no leftovers of the pool");
        failsWithoutChange(Kind.UNKNOWN_POOL, () -> any(hostA, id));
    }

    @Test
    void standaloneModeSharesThePoolAndItsGatewayUntilTheLastHostLetsGo() {
        String a =
                hostA.requestPool(pool("jovl-local", "10.40.0.0/24", "", false)).poolId();
        String b =
                hostB.requestPool(pool("jovl-local", "10.40.0.0/24", "", false)).poolId();
        assertEquals(a, b);
        assertEquals(
                a,
                hostA.requestPool(pool("jovl-local", "10.40.0.0/24", "", false)).poolId()); // resent
        assertEquals("10.40.0.1/24", gateway(hostA, a, "10.40.0.1"));
        assertEquals("10.40.0.1/24", gateway(hostB, a, ""));
        assertEquals("10.40.0.1/24", gateway(hostB, a, "10.40.0.1")); // resent
        failsWithoutChange(Kind.ADDRESS_IN_USE, () -> gateway(hostB, a, "10.40.0.254"));
        PoolInfo info = hostA.pools().getFirst();
        assertEquals(List.of("host-a", "host-b"), info.holders());
        assertEquals(List.of("host-a", "host-b"), info.gatewayHolders());
        String ca = any(hostA, a);
        String cb = any(hostB, a);
        assertNotEquals(ca, cb);
        // host A removes its network: its container, its gateway hold, its pool hold
        release(hostA, a, ca.split("/")[0]);
        release(hostA, a, "10.40.0.1");
        hostA.releasePool(new ReleasePoolRequest(a));
        hostA.releasePool(new ReleasePoolRequest(a)); // resent: no effect
        assertEquals(List.of("host-b"), hostB.pools().getFirst().holders());
        assertTrue(
                hostB.allocations(a).stream()
                        .anyMatch(x -> x.gateway() && x.address().equals("10.40.0.1")),
                "the gateway stays while host B uses it");
        assertEquals(cb.split("/")[0], hostB.allocations(a).get(1).address());
        release(hostB, a, cb.split("/")[0]);
        release(hostB, a, "10.40.0.1");
        hostB.releasePool(new ReleasePoolRequest(a));
        assertTrue(hostB.pools().isEmpty());
        assertEquals(Map.of(), snapshot(), "nothing left, the pool index neither");
    }

    @Test
    void resentRequestWithTheSameMacGetsTheSameAddress() {
        String id = hostA.requestPool(pool("jovl-global", "10.50.0.0/24", "", false))
                .poolId();
        Map<String, String> mac = Map.of(IpamProtocol.MAC_ADDRESS_OPTION, "02:42:AC:11:00:02");
        String first =
                hostA.requestAddress(new RequestAddressRequest(id, "", mac)).address();
        // another host (its cache is cold, as after a lost answer and a retry) gets the same one
        assertEquals(
                first,
                hostB.requestAddress(new RequestAddressRequest(id, "", mac)).address());
        assertEquals(1, hostA.allocations(id).size());
        assertEquals("02:42:ac:11:00:02", hostA.allocations(id).getFirst().mac());
        release(hostA, id, first.split("/")[0]);
        assertTrue(storeA.list("jovl/v1/ipam/state/").entries().stream()
                .noneMatch(kv -> kv.key().contains("/m/")));
        assertNotEquals(
                first,
                hostB.requestAddress(new RequestAddressRequest(id, "", mac)).address());
    }

    @Test
    void aResendOnTheSameHostGetsTheSameAnswerAlsoWhenItTookThePoolsLastAddress() {
        String id = hostA.requestPool(pool("jovl-global", "10.51.0.0/24", "10.51.0.248/29", false))
                .poolId();
        for (int i = 0; i < 6; i++) {
            any(hostA, id);
        }
        Map<String, String> mac = Map.of(IpamProtocol.MAC_ADDRESS_OPTION, "02:42:0a:33:00:fe");
        String last =
                hostA.requestAddress(new RequestAddressRequest(id, "", mac)).address();
        // the answer was lost and Docker resends on the same host, whose pool cache is warm
        assertEquals(
                last,
                hostA.requestAddress(new RequestAddressRequest(id, "", mac)).address());
        assertEquals(
                last,
                hostB.requestAddress(new RequestAddressRequest(id, "", mac)).address());
        assertEquals(7, hostA.allocations(id).size());
        // a full pool refuses a new MAC, and a resend of that refusal is refused alike
        Map<String, String> other = Map.of(IpamProtocol.MAC_ADDRESS_OPTION, "02:42:0a:33:00:99");
        failsWithoutChange(Kind.POOL_EXHAUSTED, () -> hostA.requestAddress(new RequestAddressRequest(id, "", other)));
        failsWithoutChange(Kind.POOL_EXHAUSTED, () -> hostA.requestAddress(new RequestAddressRequest(id, "", other)));
    }

    @Test
    void aResendOnTheSameHostDoesNotTakeASecondAddress() {
        String id = hostA.requestPool(pool("jovl-global", "10.52.0.0/24", "", false))
                .poolId();
        any(hostA, id); // warms this host's cache of the pool
        Map<String, String> mac = Map.of(IpamProtocol.MAC_ADDRESS_OPTION, "02:42:0a:34:00:09");
        String first =
                hostA.requestAddress(new RequestAddressRequest(id, "", mac)).address();
        assertEquals(
                first,
                hostA.requestAddress(new RequestAddressRequest(id, "", mac)).address());
        assertEquals(2, hostA.allocations(id).size());
        // the same for a fixed address (docker run --ip), resent on the same host
        Map<String, String> fixed = Map.of(IpamProtocol.MAC_ADDRESS_OPTION, "02:42:0a:34:00:c8");
        assertEquals(
                "10.52.0.200/24",
                hostA.requestAddress(new RequestAddressRequest(id, "10.52.0.200", fixed))
                        .address());
        assertEquals(
                "10.52.0.200/24",
                hostA.requestAddress(new RequestAddressRequest(id, "10.52.0.200", fixed))
                        .address());
        failsWithoutChange(
                Kind.ADDRESS_IN_USE,
                () -> hostA.requestAddress(new RequestAddressRequest(
                        id, "10.52.0.200", Map.of(IpamProtocol.MAC_ADDRESS_OPTION, "02:42:0a:34:00:01"))));
        assertEquals(3, hostA.allocations(id).size());
    }

    @Test
    void aMacWithAnAddressCanStillHaveASpecificOne() {
        String id = hostA.requestPool(pool("jovl-global", "10.51.0.0/24", "", false))
                .poolId();
        Map<String, String> mac = Map.of(IpamProtocol.MAC_ADDRESS_OPTION, "02:42:ac:11:00:09");
        String first =
                hostA.requestAddress(new RequestAddressRequest(id, "", mac)).address();
        // warm cache (optimistic MAC entry create fails, retried cold) and cold cache
        assertEquals(
                "10.51.0.50/24",
                hostA.requestAddress(new RequestAddressRequest(id, "10.51.0.50", mac))
                        .address());
        assertEquals(
                "10.51.0.60/24",
                hostB.requestAddress(new RequestAddressRequest(id, "10.51.0.60", mac))
                        .address());
        assertEquals(3, hostA.allocations(id).size());
        // the MAC still answers with its first address; releasing the others keeps it
        release(hostA, id, "10.51.0.50");
        assertEquals(
                first,
                hostB.requestAddress(new RequestAddressRequest(id, "", mac)).address());
    }

    @Test
    void releasesAreIdempotent() {
        String id = hostA.requestPool(pool("jovl-global", "10.60.0.0/24", "", false))
                .poolId();
        String a = any(hostA, id).split("/")[0];
        release(hostA, id, a);
        release(hostA, id, a);
        release(hostB, id, "10.60.0.200");
        assertThrows(IpamException.class, () -> release(hostA, id, "10.61.0.1"));
        hostA.releasePool(new ReleasePoolRequest(id));
        hostA.releasePool(new ReleasePoolRequest(id));
        release(hostA, id, a); // pool gone: nothing to do
        hostA.releasePool(new ReleasePoolRequest("jovl-global/10.99.0.0/24"));
    }

    @Test
    void deadHostsAddressesAreReleasedButNotTheGateway() {
        String id = hostA.requestPool(pool("jovl-global", "10.70.0.0/24", "", false))
                .poolId();
        gateway(hostB, id, "");
        for (int i = 0; i < 5; i++) {
            any(hostA, id);
            any(hostB, id);
        }
        assertTrue(blockOwners().containsValue("host-b"));
        assertEquals(5, hostA.releaseAddressesOwnedBy("host-b"));
        List<Allocation> left = hostA.allocations(id);
        assertEquals(6, left.size());
        assertTrue(left.stream().allMatch(x -> x.host().equals("host-a") || x.gateway()));
        assertEquals(0, hostA.releaseAddressesOwnedBy("host-b"));
        // B's blocks: emptied ones deleted; the gateway's (block 0) left without an owner
        Map<String, String> owners = blockOwners();
        assertTrue(!owners.containsValue("host-b"), owners.toString());
        assertEquals("", owners.get("0"), owners.toString());
        // and claimable: a third host that finds no free block takes it over
        IpamDriver hostC = new IpamDriver(storeA, IpamConfig.defaults(), "host-c");
        for (int i = 0; i < 254 - 6; i++) {
            any(hostC, id);
        }
        assertEquals("host-c", blockOwners().get("0"), blockOwners().toString());
        failsWithoutChange(Kind.POOL_EXHAUSTED, () -> any(hostA, id));
    }

    /** Block index (hex) to owner host ("" for none), as stored. */
    private Map<String, String> blockOwners() {
        return storeA.list("jovl/v1/ipam/state/").entries().stream()
                .filter(kv -> kv.key().contains("/b/"))
                .collect(Collectors.toMap(
                        kv -> kv.key().substring(kv.key().lastIndexOf('/') + 1),
                        kv -> java.util.Objects.requireNonNullElse(
                                dev.jovl.ipam.store.BlockValue.decode(kv.value())
                                        .owner(),
                                "")));
    }

    @Test
    void aPoolStoredByAnOlderJovlKeepsWorking() {
        // the layout before blocks had owners: no block size in the definition, 256-address
        // bitmaps of 32 bytes, a cursor key
        String id = hostA.requestPool(pool("jovl-global", "10.80.0.0/24", "", false))
                .poolId();
        dev.jovl.ipam.store.IpamKeys keys = new dev.jovl.ipam.store.IpamKeys("jovl/v1/ipam");
        KeyValue defKv = storeA.get(keys.pool(id)).orElseThrow();
        var def = dev.jovl.ipam.store.StoredRecords.read(
                defKv.value(), dev.jovl.ipam.store.StoredRecords.PoolDefinition.class);
        String gen = def.generation();
        dev.jovl.kvstore.Txn.Builder old = dev.jovl.kvstore.Txn.builder()
                .add(dev.jovl.kvstore.Op.put(
                        keys.pool(id),
                        dev.jovl.ipam.store.StoredRecords.write(new dev.jovl.ipam.store.StoredRecords.PoolDefinition(
                                def.poolId(),
                                def.addressSpace(),
                                def.subnet(),
                                def.subRange(),
                                gen,
                                def.createdBy(),
                                def.createdAt(),
                                null))))
                .add(dev.jovl.kvstore.Op.put(
                        keys.generationPrefix(id, gen) + "cursor",
                        "4".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        dev.jovl.ipam.store.BlockBitmap bits = dev.jovl.ipam.store.BlockBitmap.empty();
        for (int host = 1; host <= 3; host++) {
            bits = bits.with(host, true);
            old.add(dev.jovl.kvstore.Op.put(
                    keys.address(id, gen, "10.80.0." + host),
                    dev.jovl.ipam.store.StoredRecords.write(new dev.jovl.ipam.store.StoredRecords.AddressRecord(
                            "10.80.0." + host, "host-old", false, null, "2026-11-01T00:00:00Z", null))));
        }
        old.add(dev.jovl.kvstore.Op.put(keys.block(id, gen, java.math.BigInteger.ZERO), bits.encode()));
        storeA.commit(old.build());

        assertEquals("10.80.0.4/24", any(hostB, id)); // the one block, without an owner
        // still in the old form (32 bytes, no owner), so that a host not yet upgraded can read it
        assertEquals(
                32,
                storeA.get(keys.block(id, gen, java.math.BigInteger.ZERO))
                        .orElseThrow()
                        .value()
                        .length);
        assertEquals("10.80.0.5/24", any(hostA, id));
        failsWithoutChange(Kind.ADDRESS_IN_USE, () -> specific(hostA, id, "10.80.0.2"));
        release(hostA, id, "10.80.0.2");
        assertEquals("10.80.0.9/24", specific(hostA, id, "10.80.0.9"));
        assertEquals(
                List.of("10.80.0.1", "10.80.0.3", "10.80.0.4", "10.80.0.5", "10.80.0.9"),
                hostA.allocations(id).stream().map(Allocation::address).toList());
        assertEquals(2, hostA.releaseAddressesOwnedBy("host-old")); // .1 and .3
        release(hostB, id, "10.80.0.4");
        release(hostA, id, "10.80.0.5");
        release(hostA, id, "10.80.0.9");
        hostA.releasePool(new ReleasePoolRequest(id));
        assertTrue(storeA.list("jovl/v1/ipam/state/").entries().isEmpty(), "no leftovers of the pool");
    }

    @Test
    void capabilitiesAndAddressSpaces() {
        assertTrue(hostA.getCapabilities().requiresMacAddress());
        assertEquals("jovl-local", hostA.getDefaultAddressSpaces().localDefaultAddressSpace());
        assertEquals("jovl-global", hostA.getDefaultAddressSpaces().globalDefaultAddressSpace());
    }

    @Test
    void requestsForUnknownPoolsLeaveNoCacheEntryBehind() {
        Map<String, String> before = snapshot();
        for (int i = 0; i < 5000; i++) {
            release(hostA, "jovl-global/10." + (i / 256) + "." + (i % 256) + ".0/24", "10.0.0.2");
        }
        assertEquals(before, snapshot(), "releasing in an unknown pool changes nothing");
        assertTrue(hostA.cachedPools() <= 1, "cache entries: " + hostA.cachedPools());
    }
}
