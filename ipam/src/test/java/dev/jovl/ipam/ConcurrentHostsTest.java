package dev.jovl.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.ipam.IpamException.Kind;
import dev.jovl.ipam.protocol.IpamProtocol.ReleaseAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestPoolRequest;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four hosts (each its own store client and IpamDriver) with two threads each hammer one small
 * pool on the embedded store with any/specific requests and releases at the same time, filling it
 * up so that exhaustion, borrowing from other hosts' blocks and wrap-around happen. No address may
 * ever be held twice, and at the end the store holds exactly what the threads believe they hold,
 * its blocks agreeing with its address records.
 */
class ConcurrentHostsTest {

    @TempDir
    Path dir;

    @Test
    void concurrentRequestsAndReleasesNeverShareAnAddress() throws Exception {
        int hosts = 4;
        int threadsPerHost = 2;
        List<Store> stores = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(hosts * threadsPerHost);
        try {
            List<IpamDriver> drivers = new ArrayList<>();
            for (int h = 0; h < hosts; h++) {
                Store s = Stores.open("file:" + dir);
                stores.add(s);
                drivers.add(new IpamDriver(s, IpamConfig.defaults(), "host" + h));
            }
            String poolId = drivers.getFirst()
                    .requestPool(new RequestPoolRequest("jovl-global", "10.90.0.0/26", "", null, false))
                    .poolId();
            Map<String, String> holder = new ConcurrentHashMap<>(); // address -> thread that holds it
            CyclicBarrier start = new CyclicBarrier(hosts * threadsPerHost);
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < hosts * threadsPerHost; t++) {
                IpamDriver d = drivers.get(t % hosts);
                String me = "t" + t;
                long seed = t;
                runs.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    List<String> mine = new ArrayList<>();
                    start.await();
                    for (int i = 0; i < 150; i++) {
                        int r = random.nextInt(10);
                        if (r < 3 && !mine.isEmpty()) {
                            String a = mine.remove(random.nextInt(mine.size()));
                            assertEquals(me, holder.remove(a));
                            d.releaseAddress(new ReleaseAddressRequest(poolId, a));
                        } else {
                            String wanted = r == 9 ? "10.90.0." + (1 + random.nextInt(62)) : "";
                            try {
                                String cidr = d.requestAddress(new RequestAddressRequest(poolId, wanted, null))
                                        .address();
                                String a = cidr.substring(0, cidr.indexOf('/'));
                                assertNull(
                                        holder.putIfAbsent(a, me),
                                        a + " handed to " + me + " while held by " + holder.get(a));
                                mine.add(a);
                            } catch (IpamException e) {
                                assertTrue(
                                        e.kind() == Kind.POOL_EXHAUSTED
                                                || (!wanted.isEmpty() && e.kind() == Kind.ADDRESS_IN_USE),
                                        e.kind() + ": " + e.getMessage());
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> r : runs) {
                r.get();
            }
            Map<String, String> stored = new TreeMap<>();
            drivers.getFirst().allocations(poolId).forEach(a -> stored.put(a.address(), a.host()));
            assertEquals(new TreeMap<>(holder).keySet(), stored.keySet());
            StoredBlocks.assertMatchRecords(
                    stores.getFirst(), IpamConfig.defaults().keyPrefix(), poolId);
        } finally {
            pool.shutdownNow();
            stores.forEach(Store::close);
        }
    }
}
