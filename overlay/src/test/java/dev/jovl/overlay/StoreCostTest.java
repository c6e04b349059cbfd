package dev.jovl.overlay;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.overlay.state.AddressPool;
import dev.jovl.overlay.testing.CoreHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the store costs per network and per endpoint (the figures of kvstore/README): 20
 * networks of 10 endpoints each, through the core, on the embedded store. Prints them and keeps
 * them under a budget, so a record that grows by accident is noticed.
 */
class StoreCostTest {
    @TempDir
    Path dir;

    private static long bytes(Store store, String prefix) {
        return store.list(prefix).entries().stream()
                .mapToLong(kv -> kv.key().length() + kv.value().length)
                .sum();
    }

    @Test
    void perNetworkAndPerEndpoint() throws Exception {
        int networks = 20;
        int perNetwork = 10;
        long networkBytes;
        long endpointBytes;
        long fileBytes;
        try (Store store = Stores.open("file:" + dir.resolve("store"))) {
            CoreHost h = new CoreHost(store, "192.0.2.1", dir.resolve("run"), new VniRange(5000, 5999));
            try {
                for (int n = 0; n < networks; n++) {
                    NetworkId net = new NetworkId(String.format("%064x", n + 1));
                    List<AddressPool> pools =
                            List.of(new AddressPool("jovl", "10." + n + ".0.0/24", "10." + n + ".0.1/24", Map.of()));
                    h.overlay.createNetwork(net, NetworkOptions.of(Map.of(), false), pools, List.of());
                    for (int e = 0; e < perNetwork; e++) {
                        EndpointId ep = new EndpointId(String.format("%064x", n * 1000 + e + 1));
                        h.overlay.createEndpoint(
                                net,
                                ep,
                                EndpointAddresses.checked("10." + n + ".0." + (e + 2) + "/24", null, null, ""));
                    }
                }
            } finally {
                h.close();
            }
            long all = bytes(store, "jovl/");
            endpointBytes = bytes(store, "jovl/v1/endpoints/") / (networks * perNetwork);
            networkBytes = (all - endpointBytes * networks * perNetwork) / networks;
            fileBytes = Files.size(dir.resolve("store").resolve("jovl-store.mv.db"));
            for (KeyValue kv : store.list("jovl/").entries().subList(0, 3)) {
                System.out.println("  e.g. " + kv.key() + " " + kv.value().length + " bytes");
            }
        }
        System.out.printf(
                "store cost: %d B per network (records + VNI claim), %d B per endpoint (key + value);"
                        + " file %d KiB for %d networks, %d endpoints (history included)%n",
                networkBytes, endpointBytes, fileBytes / 1024, networks, networks * perNetwork);
        assertTrue(networkBytes < 2048, "per network: " + networkBytes);
        assertTrue(endpointBytes < 1024, "per endpoint: " + endpointBytes);
    }
}
