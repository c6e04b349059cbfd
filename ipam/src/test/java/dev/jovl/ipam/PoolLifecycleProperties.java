package dev.jovl.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jovl.ipam.IpamException.Kind;
import dev.jovl.ipam.protocol.IpamProtocol.ReleasePoolRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestPoolRequest;
import dev.jovl.kvstore.Store;
import dev.jovl.net.Cidr;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * Pools under any sequence of RequestPool (explicit or empty) and ReleasePool by three hosts in
 * both address spaces: holders behave as the model says, pools of one space never overlap, empty
 * requests never get an existing pool, and a pool disappears (with all its keys) exactly when its
 * last holder lets go.
 */
class PoolLifecycleProperties {

    private static final String[] HOSTS = {"h1", "h2", "h3"};
    private static final String[] SPACES = {"jovl-local", "jovl-global"};
    private static final String[] SUBNETS = {"10.200.0.0/24", "10.200.1.0/24", "10.200.0.0/23", "10.200.0.128/25", ""};
    private static final AtomicInteger TRY = new AtomicInteger();
    private static TempStore temp;
    private static Store store;

    @BeforeContainer
    static void openStore() {
        temp = new TempStore("ipam-pools");
        store = temp.store();
    }

    @AfterContainer
    static void closeStore() {
        temp.close();
    }

    record Request(int host, int space, int subnet) {}

    record Release(int host, int pick) {}

    @Provide
    Arbitrary<List<Object>> steps() {
        Arbitrary<Integer> host = Arbitraries.integers().between(0, 2);
        Arbitrary<Object> request = Combinators.combine(
                        host,
                        Arbitraries.integers().between(0, 1),
                        Arbitraries.integers().between(0, SUBNETS.length - 1))
                .as(Request::new);
        Arbitrary<Object> release =
                Combinators.combine(host, Arbitraries.integers().between(0, 20)).as(Release::new);
        return Arbitraries.oneOf(request, release).list().ofMaxSize(30);
    }

    @Property(tries = 60)
    void holdersOverlapAndReleaseFollowTheModel(@ForAll("steps") List<Object> steps) {
        IpamConfig config = IpamConfig.defaults()
                .withKeyPrefix("pools/" + TRY.incrementAndGet())
                .withDefaultRanges(Cidr.parse("10.200.0.0/22"), 24, Cidr.parse("fd6a:6f76:6c00::/48"), 64);
        List<IpamDriver> drivers =
                Stream.of(HOSTS).map(h -> new IpamDriver(store, config, h)).toList();
        Map<String, List<String>> model = new TreeMap<>(); // PoolID -> holders, oldest first
        for (Object step : steps) {
            switch (step) {
                case Request(int h, int sp, int sn) ->
                    request(drivers.get(h), HOSTS[h], SPACES[sp], SUBNETS[sn], model);
                case Release(int h, int pick) -> {
                    List<String> ids = new ArrayList<>(model.keySet());
                    String id = ids.isEmpty() ? "jovl-local/10.200.3.0/24" : ids.get(pick % ids.size());
                    drivers.get(h).releasePool(new ReleasePoolRequest(id));
                    List<String> holders = model.get(id);
                    if (holders != null) {
                        if (!holders.remove(HOSTS[h]) && id.startsWith("jovl-global/")) {
                            holders.removeFirst();
                        }
                        if (holders.isEmpty()) {
                            model.remove(id);
                        }
                    }
                }
                default -> throw new IllegalStateException();
            }
            check(drivers.getFirst(), config, model);
        }
    }

    private static void request(
            IpamDriver d, String host, String space, String subnet, Map<String, List<String>> model) {
        String expectedId = space + "/" + subnet;
        boolean overlaps = !subnet.isEmpty()
                && !model.containsKey(expectedId)
                && model.keySet().stream()
                        .filter(id -> id.startsWith(space + "/"))
                        .anyMatch(id -> PoolId.parse(id).subnet().overlaps(Cidr.parse(subnet)));
        try {
            String id = d.requestPool(new RequestPoolRequest(space, subnet, "", null, false))
                    .poolId();
            if (overlaps) {
                fail(expectedId + " overlaps " + model.keySet() + " but was granted");
            }
            if (subnet.isEmpty()) {
                assertFalse(model.containsKey(id), "an empty request got the existing pool " + id);
                Cidr got = PoolId.parse(id).subnet();
                assertTrue(
                        model.keySet().stream()
                                .noneMatch(p -> PoolId.parse(p).subnet().overlaps(got)),
                        "a picked subnet overlaps an existing pool: " + id);
            } else {
                assertEquals(expectedId, id);
            }
            List<String> holders = model.computeIfAbsent(id, k -> new ArrayList<>());
            if (!holders.contains(host)) {
                holders.add(host);
            }
        } catch (IpamException e) {
            if (subnet.isEmpty()) {
                assertEquals(Kind.POOL_EXHAUSTED, e.kind(), e.getMessage());
                assertTrue(model.keySet().stream()
                                .filter(id -> id.startsWith("jovl-"))
                                .count()
                        >= 1);
            } else {
                assertTrue(overlaps, "refused " + expectedId + " without overlap: " + e.getMessage());
                assertEquals(Kind.OVERLAPPING_SUBNET, e.kind());
            }
        }
    }

    private static void check(IpamDriver d, IpamConfig config, Map<String, List<String>> model) {
        Map<String, List<String>> stored = new LinkedHashMap<>();
        d.pools().forEach(p -> stored.put(p.poolId(), p.holders()));
        assertEquals(model, new TreeMap<>(stored));
        // nothing left of released pools
        for (var kv : store.list(config.keyPrefix() + "/").entries()) {
            String key = kv.key().substring(config.keyPrefix().length() + 1);
            if (key.equals("index")) {
                assertTrue(!model.isEmpty(), "the index is deleted with the last pool");
            } else {
                String rest = key.substring(key.indexOf('/') + 1);
                assertTrue(model.keySet().stream().anyMatch(rest::startsWith), "leftover key " + kv.key());
            }
        }
    }
}
