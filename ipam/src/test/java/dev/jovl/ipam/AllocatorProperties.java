package dev.jovl.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jovl.ipam.IpamException.Kind;
import dev.jovl.ipam.net.AllocationRange;
import dev.jovl.ipam.protocol.IpamProtocol;
import dev.jovl.ipam.protocol.IpamProtocol.ReleaseAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestPoolRequest;
import dev.jovl.ipam.store.BlockLayout;
import dev.jovl.ipam.store.IpamKeys;
import dev.jovl.ipam.store.StoredRecords;
import dev.jovl.kvstore.Store;
import dev.jovl.net.Cidr;
import dev.jovl.net.IpAddress;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Model-based property of the allocator on the embedded store: any sequence of requests and
 * releases by three hosts keeps every allocation unique and inside its pool, answers what a simple
 * model predicts (a free address of the range for "any", exhausted exactly when there is none; the
 * exact address for specific and gateway requests; the errors), and leaves the store's address
 * records and blocks (bitmaps, owners, layout) consistent with each other and with the model.
 */
class AllocatorProperties {

    private static final String[] HOSTS = {"h1", "h2", "h3"};
    private static final AtomicInteger TRY = new AtomicInteger();
    private static TempStore temp;
    private static Store store;

    @BeforeContainer
    static void openStore() {
        temp = new TempStore("ipam-props");
        store = temp.store();
    }

    @AfterContainer
    static void closeStore() {
        temp.close();
    }

    sealed interface Action permits Any, Specific, Release, Gateway, Dead {}

    record Any(int host) implements Action {}

    record Specific(int host, int offset) implements Action {}

    /** Releases the {@code pick}-th allocated address (mod their number), or offset {@code pick} if none. */
    record Release(int host, int pick) implements Action {}

    record Gateway(int host) implements Action {}

    /** The host is declared dead: its addresses (not the gateway) are reclaimed, its blocks disowned. */
    record Dead(int host) implements Action {}

    @Provide
    Arbitrary<List<Action>> actions() {
        Arbitrary<Integer> host = Arbitraries.integers().between(0, HOSTS.length - 1);
        Arbitrary<Integer> offset = Arbitraries.integers().between(0, 17);
        Arbitrary<Action> action = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, host.map(Any::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(host, offset).as(Specific::new)),
                net.jqwik.api.Tuple.of(
                        4,
                        Combinators.combine(host, Arbitraries.integers().between(0, 40))
                                .as(Release::new)),
                net.jqwik.api.Tuple.of(1, host.map(Gateway::new)),
                net.jqwik.api.Tuple.of(1, host.map(Dead::new)));
        return action.list().ofMinSize(1).ofMaxSize(45);
    }

    @Provide
    Arbitrary<String> subnets() {
        return Arbitraries.of("10.1.0.0/28", "10.1.0.16/28", "fd00:9::/124", "10.1.0.0/30", "10.1.0.0/31");
    }

    @Property(tries = 80)
    void anySequenceKeepsAllocationsUniqueInsideThePoolAndConsistentWithTheStore(
            @ForAll("subnets") String subnetText,
            @ForAll boolean withSubRange,
            @ForAll("actions") List<Action> actions) {
        IpamConfig config = IpamConfig.defaults().withKeyPrefix("props/" + TRY.incrementAndGet());
        List<IpamDriver> drivers =
                Stream.of(HOSTS).map(h -> new IpamDriver(store, config, h)).toList();
        Cidr subnet = Cidr.parse(subnetText);
        Cidr subRange = withSubRange && subnet.hostBits() >= 3
                ? new Cidr(subnet.addressAt(subnet.size().shiftRight(1)), subnet.prefix() + 1)
                : null;
        boolean v6 = subnet.family() == dev.jovl.net.Family.V6;
        String poolId = drivers.getFirst()
                .requestPool(new RequestPoolRequest(
                        "jovl-local", subnetText, subRange == null ? "" : subRange.toString(), null, v6))
                .poolId();
        for (IpamDriver d : drivers) { // standalone mode: every host holds the pool
            assertEquals(
                    poolId,
                    d.requestPool(new RequestPoolRequest(
                                    "jovl-local", subnetText, subRange == null ? "" : subRange.toString(), null, v6))
                            .poolId());
        }
        Model model = new Model(AllocationRange.of(subnet, subRange));
        for (Action action : actions) {
            apply(drivers, poolId, model, action);
            checkStore(drivers.get(1), config, poolId, model);
        }
    }

    private static void apply(List<IpamDriver> drivers, String poolId, Model m, Action action) {
        switch (action) {
            case Any(int host) -> {
                // which free address comes next depends on the hosts' blocks (BlockChooserTest);
                // here: a free one of the range whenever there is one, exhausted only when none is
                Outcome got = call(() -> drivers.get(host)
                        .requestAddress(new RequestAddressRequest(poolId, "", null))
                        .address());
                if (!m.hasFree()) {
                    got.expectError(Kind.POOL_EXHAUSTED, action);
                } else {
                    BigInteger offset = got.expectFreeAddress(m, action);
                    m.taken.put(offset, HOSTS[host]);
                }
            }
            case Specific(int host, int offset) -> {
                BigInteger o = BigInteger.valueOf(offset);
                if (o.compareTo(m.range.subnet().size()) >= 0) {
                    return;
                }
                String address = m.range.subnet().addressAt(o).toString();
                Outcome got = call(() -> drivers.get(host)
                        .requestAddress(new RequestAddressRequest(poolId, address, null))
                        .address());
                if (!m.range.isUsable(o)) {
                    got.expectError(Kind.ADDRESS_OUTSIDE_POOL, action);
                } else if (m.taken.containsKey(o)) {
                    got.expectError(Kind.ADDRESS_IN_USE, action);
                } else {
                    got.expectAddress(m, o, action);
                    m.taken.put(o, HOSTS[host]);
                }
            }
            case Release(int host, int pick) -> {
                List<BigInteger> allocated = new ArrayList<>(m.taken.keySet());
                BigInteger o = allocated.isEmpty()
                        ? BigInteger.valueOf(pick).mod(m.range.subnet().size())
                        : allocated.get(pick % allocated.size());
                String address = m.range.subnet().addressAt(o).toString();
                drivers.get(host).releaseAddress(new ReleaseAddressRequest(poolId, address));
                if (o.equals(m.gateway)) {
                    m.gatewayHolders.remove(HOSTS[host]);
                    if (m.gatewayHolders.isEmpty()) {
                        m.taken.remove(o);
                        m.gateway = null;
                    }
                } else {
                    m.taken.remove(o);
                }
            }
            case Dead(int host) -> {
                int expected = (int) m.taken.entrySet().stream()
                        .filter(e ->
                                e.getValue().equals(HOSTS[host]) && !e.getKey().equals(m.gateway))
                        .count();
                assertEquals(expected, drivers.get((host + 1) % HOSTS.length).releaseAddressesOwnedBy(HOSTS[host]));
                m.taken
                        .entrySet()
                        .removeIf(e ->
                                e.getValue().equals(HOSTS[host]) && !e.getKey().equals(m.gateway));
            }
            case Gateway(int host) -> {
                Outcome got = call(() -> drivers.get(host)
                        .requestAddress(new RequestAddressRequest(
                                poolId,
                                "",
                                Map.of(IpamProtocol.REQUEST_ADDRESS_TYPE, IpamProtocol.GATEWAY_REQUEST_TYPE)))
                        .address());
                if (m.gateway != null) {
                    got.expectAddress(m, m.gateway, action);
                    if (!m.gatewayHolders.contains(HOSTS[host])) {
                        m.gatewayHolders.add(HOSTS[host]);
                    }
                } else if (m.taken.containsKey(m.range.lo())) {
                    got.expectError(Kind.ADDRESS_IN_USE, action);
                } else {
                    got.expectAddress(m, m.range.lo(), action);
                    m.gateway = m.range.lo();
                    m.gatewayHolders.add(HOSTS[host]);
                    m.taken.put(m.gateway, HOSTS[host]);
                }
            }
        }
    }

    /** Address records and block bitmaps in the store say exactly what the model says. */
    private static void checkStore(IpamDriver driver, IpamConfig config, String poolId, Model m) {
        List<Allocation> listed = driver.allocations(poolId);
        TreeMap<BigInteger, String> stored = new TreeMap<>();
        for (Allocation a : listed) {
            IpAddress ip = IpAddress.parse(a.address());
            assertTrue(
                    m.range.subnet().contains(ip)
                            && m.range.isUsable(m.range.subnet().offsetOf(ip)),
                    a + " is outside " + m.range.subnet());
            String previous = stored.put(m.range.subnet().offsetOf(ip), a.host());
            assertEquals(null, previous, "address listed twice: " + a);
            assertEquals(m.range.subnet().offsetOf(ip).equals(m.gateway), a.gateway(), a.toString());
        }
        assertEquals(m.taken, stored);
        IpamKeys keys = new IpamKeys(config.keyPrefix());
        BlockLayout layout = BlockLayout.of(StoredRecords.read(
                        store.get(keys.pool(poolId)).orElseThrow().value(), StoredRecords.PoolDefinition.class)
                .blockShift());
        assertEquals(BlockLayout.forRange(m.range), layout);
        TreeMap<BigInteger, String> owners = StoredBlocks.assertMatchRecords(store, config.keyPrefix(), poolId, false);
        // a block without an owner (null) is one whose host was declared dead
        assertTrue(
                owners.values().stream()
                        .allMatch(o -> o == null || List.of(HOSTS).contains(o)),
                "blocks owned by " + owners.values());
        assertTrue(keys.prefix().startsWith("props/"));
    }

    /** What the allocator should do: allocated offsets with owners, gateway and holders. */
    static final class Model {
        final AllocationRange range;
        final TreeMap<BigInteger, String> taken = new TreeMap<>();
        BigInteger gateway;
        final List<String> gatewayHolders = new ArrayList<>();

        Model(AllocationRange range) {
            this.range = range;
        }

        boolean hasFree() {
            for (BigInteger o = range.lo(); o.compareTo(range.hi()) <= 0; o = o.add(BigInteger.ONE)) {
                if (!taken.containsKey(o)) {
                    return true;
                }
            }
            return false;
        }
    }

    private record Outcome(String address, IpamException error) {
        void expectError(Kind kind, Action action) {
            if (error == null) {
                fail(action + ": expected " + kind + " but got " + address);
            }
            assertEquals(kind, error.kind(), action + ": " + error.getMessage());
        }

        /** An address of the "any" range that the model has free; its offset. */
        BigInteger expectFreeAddress(Model m, Action action) {
            if (error != null) {
                fail(action + ": expected an address but got " + error.kind() + ": " + error.getMessage());
            }
            assertTrue(address.endsWith("/" + m.range.subnet().prefix()), action + ": " + address);
            IpAddress ip = IpAddress.parse(address.substring(0, address.indexOf('/')));
            assertTrue(m.range.subnet().contains(ip), action + ": " + address + " outside the subnet");
            BigInteger offset = m.range.subnet().offsetOf(ip);
            assertTrue(
                    offset.compareTo(m.range.lo()) >= 0 && offset.compareTo(m.range.hi()) <= 0,
                    action + ": " + address + " outside the range");
            assertTrue(!m.taken.containsKey(offset), action + ": " + address + " was already allocated");
            return offset;
        }

        void expectAddress(Model m, BigInteger offset, Action action) {
            if (error != null) {
                fail(action + ": expected an address but got " + error.kind() + ": " + error.getMessage());
            }
            assertEquals(m.range.subnet().withPrefix(m.range.subnet().addressAt(offset)), address, action.toString());
        }
    }

    private interface Call {
        String run();
    }

    private static Outcome call(Call call) {
        try {
            return new Outcome(call.run(), null);
        } catch (IpamException e) {
            return new Outcome(null, e);
        }
    }
}
