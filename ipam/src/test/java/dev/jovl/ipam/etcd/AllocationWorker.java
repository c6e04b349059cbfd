package dev.jovl.ipam.etcd;

import dev.jovl.ipam.Allocation;
import dev.jovl.ipam.IpamConfig;
import dev.jovl.ipam.IpamDriver;
import dev.jovl.ipam.protocol.IpamProtocol.ReleaseAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestAddressRequest;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One simulated host, run as its own OS process by {@link MultiProcessEtcdTest}: opens the store,
 * prints {@code READY}, then for each phase waits for {@code GO} on stdin (so all hosts start
 * together), runs it and prints its result followed by {@code DONE}:
 * <ol>
 *   <li>allocates N addresses and prints each;</li>
 *   <li>releases N/2 of its addresses, allocates N/2 new ones, and prints every address this host
 *       holds afterwards.</li>
 * </ol>
 * Usage: {@code AllocationWorker STORE_URL POOL_ID HOST N}.
 */
public final class AllocationWorker {

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String poolId = args[1];
        String host = args[2];
        int n = Integer.parseInt(args[3]);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (Store store = Stores.open(url)) {
            IpamDriver ipam = new IpamDriver(store, IpamConfig.defaults(), host);
            ipam.allocations(poolId); // connect and warm up before the start signal
            out.println("READY");
            awaitGo(in);
            for (int i = 0; i < n; i++) {
                out.println(ipam.requestAddress(new RequestAddressRequest(poolId, "", null))
                        .address());
            }
            out.println("DONE");
            awaitGo(in);
            List<String> held = ipam.allocations(poolId).stream()
                    .filter(a -> a.host().equals(host))
                    .map(Allocation::address)
                    .toList();
            for (int i = 0; i < n / 2; i++) {
                ipam.releaseAddress(new ReleaseAddressRequest(poolId, held.get(i * 2)));
                ipam.requestAddress(new RequestAddressRequest(poolId, "", null));
            }
            for (Allocation a : ipam.allocations(poolId)) {
                if (a.host().equals(host)) {
                    out.println(a.address());
                }
            }
            out.println("DONE");
        }
    }

    private static void awaitGo(BufferedReader in) throws java.io.IOException {
        if (!"GO".equals(in.readLine())) {
            throw new IllegalStateException("no start signal");
        }
    }
}
