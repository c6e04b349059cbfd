package dev.jovl.ipam.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.ipam.Allocation;
import dev.jovl.ipam.IpamConfig;
import dev.jovl.ipam.IpamDriver;
import dev.jovl.ipam.IpamException;
import dev.jovl.ipam.protocol.IpamProtocol.RequestAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestPoolRequest;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.testing.EtcdServer;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** With etcd down, requests fail in bounded time with a clear error and nothing half-written. */
class EtcdOutageTest {

    @Test
    void requestsFailClearlyWhileEtcdIsDownAndCarryOnAfterwards() {
        try (EtcdServer etcd = EtcdServer.start();
                Store store = Stores.open(etcd.url() + "?timeout=1s")) {
            IpamDriver ipam = new IpamDriver(store, IpamConfig.defaults(), "host-a");
            String poolId = ipam.requestPool(new RequestPoolRequest("jovl-global", "10.80.0.0/24", "", null, false))
                    .poolId();
            Set<String> got = new HashSet<>();
            for (int i = 0; i < 5; i++) {
                got.add(ipam.requestAddress(new RequestAddressRequest(poolId, "", null))
                        .address());
            }
            etcd.stop();
            long start = System.nanoTime();
            IpamException e = assertThrows(
                    IpamException.class, () -> ipam.requestAddress(new RequestAddressRequest(poolId, "", null)));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertEquals(IpamException.Kind.STORE_UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("unavailable") && e.getMessage().contains(poolId), e.getMessage());
            assertTrue(took.compareTo(Duration.ofSeconds(30)) < 0, "no hang: " + took);
            assertEquals(
                    IpamException.Kind.STORE_UNAVAILABLE,
                    assertThrows(
                                    IpamException.class,
                                    () -> ipam.requestPool(new RequestPoolRequest("jovl-global", "", "", null, false)))
                            .kind());

            etcd.restart();
            for (int i = 0; i < 5; i++) {
                got.add(ipam.requestAddress(new RequestAddressRequest(poolId, "", null))
                        .address());
            }
            assertEquals(10, got.size());
            List<Allocation> stored = ipam.allocations(poolId);
            assertEquals(10, stored.size(), "the failed requests left nothing behind: " + stored);
            assertEquals(1, ipam.pools().size());
        }
    }
}
