package dev.jovl.examples.bench;

import dev.jovl.ipam.IpamConfig;
import dev.jovl.ipam.IpamDriver;
import dev.jovl.ipam.protocol.IpamProtocol.RequestAddressRequest;
import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.Op;
import dev.jovl.kvstore.RecordJson;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Txn;
import dev.jovl.overlay.state.ClusterState;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.HostRecord;
import dev.jovl.overlay.state.StoreLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load generator of the scale benchmark: {@code count} other jovl hosts, played against the
 * store the real daemon uses. Each writes what its daemon would write, through the overlay's own
 * record types and {@link StoreLayout} (so the format cannot drift): a {@link HostRecord} bound to a
 * lease of its own, and one {@link EndpointRecord} per container. Host 0 is the one that dies: its
 * addresses come from jovl's IPAM under its own host id (as its daemon's would), so the real
 * host's dead-host reaper has something to give back. The others' addresses are fixed ones from
 * the upper half of each network's /16, which the IPAM's cursor never reaches in a run.
 */
final class FakeHosts implements AutoCloseable {
    /** A network of the benchmark: {@code 10.(100+index).0.0/16}, its pool created by the real daemon. */
    record Network(String id, int index, String poolId) {}

    /** One fake container, as its record names it. */
    record Endpoint(String networkId, String endpointId, String ip, String mac, String host, String vtep) {
        EndpointRecord record() {
            return new EndpointRecord(
                    networkId, endpointId, ip + "/16", null, mac, vtep, host, null, System.currentTimeMillis(), null);
        }

        String key() {
            return StoreLayout.endpoint(networkId, endpointId);
        }
    }

    /** A fake host's addresses are outside every network (10.250.0.0/16), so events can tell them apart. */
    static final String VTEP_PREFIX = "10.250.";

    private final Store store;
    private final ClusterState state;
    private final List<Network> networks;
    private final List<String> hostIds = new ArrayList<>();
    private final List<List<Endpoint>> endpointsByHost = new ArrayList<>();
    private final List<Lease> leases = new ArrayList<>();
    private final AtomicLong nextEndpoint = new AtomicLong(1);
    private final AtomicLong[] nextAddress;

    FakeHosts(Store store, List<Network> networks, int count) {
        if (count < 2 || count > 250 * 250) {
            throw new IllegalArgumentException("between 2 and 62,500 fake hosts, not " + count);
        }
        this.store = store;
        this.state = new ClusterState(store);
        this.networks = List.copyOf(networks);
        this.nextAddress = new AtomicLong[networks.size()];
        for (int i = 0; i < nextAddress.length; i++) {
            nextAddress[i] = new AtomicLong();
        }
        for (int i = 0; i < count; i++) {
            hostIds.add(String.format(Locale.ROOT, "scale-fake-%05d", i));
            endpointsByHost.add(new ArrayList<>());
        }
    }

    String dyingHost() {
        return hostIds.get(0);
    }

    static String vtepOf(int host) {
        return VTEP_PREFIX + (1 + host / 250) + "." + (1 + host % 250);
    }

    /** Grants every host a lease and writes its host record, as each daemon does on start. */
    void register(Duration leaseTtl) throws Exception {
        List<Lease> granted = inParallel(hostIds.size(), i -> {
            Lease lease = store.grantLease(leaseTtl);
            state.putHost(
                    new HostRecord(hostIds.get(i), vtepOf(i), 4789, "scale-benchmark", System.currentTimeMillis()),
                    lease);
            return lease;
        });
        leases.addAll(granted);
    }

    /**
     * Writes {@code perHost} endpoints for every host, spread over the networks; the dying host's
     * addresses are allocated through {@code ipam} (its IpamDriver as that host).
     */
    void writeEndpoints(int perHost, IpamConfig ipamConfig) throws Exception {
        IpamDriver dyingIpam = new IpamDriver(store, ipamConfig, dyingHost());
        List<Op> ops = new ArrayList<>();
        for (int h = 0; h < hostIds.size(); h++) {
            for (int e = 0; e < perHost; e++) {
                Network n = networks.get(e % networks.size());
                String ip = h == 0
                        ? stripPrefix(dyingIpam
                                .requestAddress(new RequestAddressRequest(n.poolId(), "", null))
                                .address())
                        : fixedAddress(n);
                Endpoint ep = newEndpoint(h, n, ip);
                endpointsByHost.get(h).add(ep);
                ops.add(Op.create(ep.key(), RecordJson.write(ep.record())));
            }
        }
        List<List<Op>> batches = new ArrayList<>();
        for (int i = 0; i < ops.size(); i += Txn.MAX_OPS) {
            batches.add(ops.subList(i, Math.min(ops.size(), i + Txn.MAX_OPS)));
        }
        inParallel(batches.size(), i -> {
            Txn.Builder txn = Txn.builder();
            batches.get(i).forEach(txn::add);
            return store.commit(txn.build());
        });
    }

    /** Every endpoint of the live hosts (what the real host should hold) right now. */
    synchronized int endpointCount() {
        return endpointsByHost.stream().mapToInt(List::size).sum();
    }

    synchronized int endpointsOf(String host) {
        return endpointsByHost.get(hostIds.indexOf(host)).size();
    }

    /**
     * A change the churn made: which endpoint, whether it arrived or left, when its write was sent
     * and when the store acknowledged it.
     */
    record Change(Endpoint endpoint, boolean added, long writtenAtNanos, long ackedAtNanos) {}

    /**
     * One churn step on a random host other than the dying one: a new container (even steps) or
     * the removal of one of its containers (odd steps), written as its daemon would (one create,
     * one delete).
     */
    Change churn(long step) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int h = 1 + rnd.nextInt(hostIds.size() - 1);
        if (step % 2 == 0) {
            Network n = networks.get(rnd.nextInt(networks.size()));
            Endpoint ep = newEndpoint(h, n, fixedAddress(n));
            long t = System.nanoTime();
            store.create(ep.key(), RecordJson.write(ep.record()));
            long acked = System.nanoTime();
            synchronized (this) {
                endpointsByHost.get(h).add(ep);
            }
            return new Change(ep, true, t, acked);
        }
        Endpoint gone;
        synchronized (this) {
            List<Endpoint> eps = endpointsByHost.get(h);
            if (eps.isEmpty()) {
                return null;
            }
            gone = eps.remove(rnd.nextInt(eps.size()));
        }
        long t = System.nanoTime();
        store.delete(gone.key());
        return new Change(gone, false, t, System.nanoTime());
    }

    /** The dying host's daemon stops: its lease is revoked, so its host record goes at once. */
    synchronized void killDyingHost() {
        leases.get(0).close();
        endpointsByHost.get(0).clear();
    }

    private Endpoint newEndpoint(int host, Network n, String ip) {
        long k = nextEndpoint.getAndIncrement();
        String mac = String.format(
                Locale.ROOT,
                "02:5c:%02x:%02x:%02x:%02x",
                (k >> 24) & 0xff,
                (k >> 16) & 0xff,
                (k >> 8) & 0xff,
                k & 0xff);
        return new Endpoint(
                n.id(), String.format(Locale.ROOT, "5ca1e%059x", k), ip, mac, hostIds.get(host), vtepOf(host));
    }

    /** The next fixed address of a network, from 10.(100+i).128.0 up. */
    private String fixedAddress(Network n) {
        long a = nextAddress[n.index()].getAndIncrement();
        if (a >= 128 * 256 - 1) {
            throw new IllegalStateException("network " + n.index() + " ran out of fixed addresses");
        }
        return "10." + (100 + n.index()) + "." + (128 + a / 256) + "." + (a % 256);
    }

    private static String stripPrefix(String cidr) {
        return cidr.substring(0, cidr.indexOf('/'));
    }

    @FunctionalInterface
    private interface Indexed<T> {
        T run(int i) throws Exception;
    }

    /** Runs {@code n} store calls on 8 threads (the store is slower per call than per thread). */
    private static <T> List<T> inParallel(int n, Indexed<T> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> call.run(index)));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Revokes the remaining leases: the fake hosts' records go with them. */
    @Override
    public void close() {
        for (Lease l : leases) {
            try {
                l.close();
            } catch (RuntimeException e) {
                // already revoked (the dying host) or the store is gone: nothing left to release
            }
        }
    }
}
