package dev.jovl.ipam.bench;

import dev.jovl.ipam.IpamConfig;
import dev.jovl.ipam.IpamDriver;
import dev.jovl.ipam.protocol.IpamProtocol.ReleaseAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestPoolRequest;
import dev.jovl.kvstore.Op;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.Txn;
import dev.jovl.kvstore.testing.EtcdServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * IPAM throughput and the cost of the last free addresses, printed as figures (never asserted).
 * Runs against a real etcd started on loopback (with fsync, as in production, unless
 * {@code -Djovl.bench.fsync=false}) and against the embedded store.
 *
 * <ol>
 *   <li>one host: N "any" allocations from a /16, then N releases;</li>
 *   <li>three hosts (three store clients, three IpamDrivers, three threads) allocating N each from
 *       one /16 at the same time;</li>
 *   <li>a /16 filled to the last address, K scattered addresses released, then those K allocated
 *       again: each has to search the whole pool (all 256 stored blocks).</li>
 * </ol>
 * Run: {@code ./mvnw -B -q -pl ipam -am verify -Dtest=IpamBenchmarkRun -Dsurefire.failIfNoSpecifiedTests=false -Djovl.bench=true}
 * (sizes: {@code -Djovl.bench.n=1000 -Djovl.bench.k=50}).
 */
public final class IpamBenchmark {

    private static final int N = Integer.getInteger("jovl.bench.n", 1000);
    private static final int K = Integer.getInteger("jovl.bench.k", 50);
    private static final int FILLERS = 8;
    private static final boolean FSYNC = Boolean.parseBoolean(System.getProperty("jovl.bench.fsync", "true"));
    /** Allocations per host in the scaling runs. */
    private static final int M = Integer.getInteger("jovl.bench.m", 400);
    /** "scaling": only the 1/3/8-host scaling runs and etcd's ceiling beside them. */
    private static final String ONLY = System.getProperty("jovl.bench.only", "");

    public static void main(String[] args) throws Exception {
        System.out.printf(
                "IPAM benchmark: n=%d per host, k=%d last addresses, %d cores%n",
                N, K, Runtime.getRuntime().availableProcessors());
        if (ONLY.equals("scaling")) {
            try (EtcdServer etcd = EtcdServer.start(FSYNC)) {
                scaling(FSYNC ? "etcd (fsync)" : "etcd (no fsync)", () -> Stores.open(etcd.url()));
            }
            return;
        }
        if (FSYNC) {
            try (EtcdServer etcd = EtcdServer.start(true)) {
                oneHost("etcd (fsync)", () -> Stores.open(etcd.url()));
                threeHosts("etcd (fsync)", () -> Stores.open(etcd.url()));
            }
        }
        try (EtcdServer etcd = EtcdServer.start(false)) {
            oneHost("etcd (no fsync)", () -> Stores.open(etcd.url()));
            threeHosts("etcd (no fsync)", () -> Stores.open(etcd.url()));
            lastAddresses("etcd (no fsync)", () -> Stores.open(etcd.url()));
        }
        Path dir = Files.createTempDirectory("ipam-bench");
        try {
            String url = "file:" + dir;
            oneHost("embedded", () -> Stores.open(url));
            threeHosts("embedded", () -> Stores.open(url));
            lastAddresses("embedded", () -> Stores.open(url));
        } finally {
            deleteTree(dir);
        }
    }

    interface StoreFactory {
        Store open();
    }

    private static String pool(IpamDriver d, String subnet) {
        return d.requestPool(new RequestPoolRequest("jovl-global", subnet, "", null, false))
                .poolId();
    }

    private static String any(IpamDriver d, String poolId) {
        return d.requestAddress(new RequestAddressRequest(poolId, "", null)).address();
    }

    private static void oneHost(String backend, StoreFactory stores) {
        try (Store store = stores.open()) {
            IpamDriver d = new IpamDriver(store, IpamConfig.defaults(), "bench-1");
            String poolId = pool(d, "10.100.0.0/16");
            for (int i = 0; i < 50; i++) { // warm-up: JIT and connections
                d.releaseAddress(new ReleaseAddressRequest(poolId, strip(any(d, poolId))));
            }
            long[] latencies = new long[N];
            List<String> got = new ArrayList<>(N);
            long t0 = System.nanoTime();
            for (int i = 0; i < N; i++) {
                long s = System.nanoTime();
                got.add(any(d, poolId));
                latencies[i] = System.nanoTime() - s;
            }
            long t1 = System.nanoTime();
            for (String a : got) {
                d.releaseAddress(new ReleaseAddressRequest(poolId, strip(a)));
            }
            long t2 = System.nanoTime();
            System.out.printf(
                    "%-18s one host:    %7.0f allocations/s (p50 %.2f ms, p99 %.2f ms), %7.0f releases/s%n",
                    backend, N / sec(t1 - t0), pct(latencies, 50), pct(latencies, 99), N / sec(t2 - t1));
        }
    }

    private static void threeHosts(String backend, StoreFactory stores) throws Exception {
        List<Store> opened = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<IpamDriver> hosts = new ArrayList<>();
            for (int h = 0; h < 3; h++) {
                Store s = stores.open();
                opened.add(s);
                hosts.add(new IpamDriver(s, IpamConfig.defaults(), "bench-h" + h));
            }
            String poolId = pool(hosts.getFirst(), "10.101.0.0/16");
            for (IpamDriver d : hosts) {
                for (int i = 0; i < 20; i++) {
                    any(d, poolId);
                }
            }
            long t0 = System.nanoTime();
            List<CompletableFuture<Integer>> runs = new ArrayList<>();
            for (IpamDriver d : hosts) {
                runs.add(CompletableFuture.supplyAsync(
                        () -> {
                            for (int i = 0; i < N; i++) {
                                any(d, poolId);
                            }
                            return N;
                        },
                        pool));
            }
            int total = 0;
            for (CompletableFuture<Integer> r : runs) {
                total += r.get();
            }
            long t1 = System.nanoTime();
            int distinct = hosts.getFirst().allocations(poolId).size();
            System.out.printf(
                    "%-18s three hosts: %7.0f allocations/s in total (%d allocated, %d in the store)%n",
                    backend, total / sec(t1 - t0), total, distinct);
        } finally {
            pool.shutdownNow();
            opened.forEach(Store::close);
        }
    }

    /**
     * Hosts allocating "any" addresses from one /16 at the same time, 1, 3 and 8 of them, each with
     * its own store client and IpamDriver (as separate hosts), {@link #M} allocations each; beside
     * each, the store's own ceiling measured the same way: as many clients committing, each on keys
     * of its own (nothing shared to race on), transactions of the shape of an allocation (a version
     * check, a compare-and-set of a 40-byte value, a create of a 160-byte record).
     */
    private static void scaling(String backend, StoreFactory stores) throws Exception {
        double oneHost = 0;
        double oneClient = 0;
        int round = 0;
        for (int hosts : new int[] {1, 3, 8}) {
            String subnet = "10." + (110 + round++) + ".0.0/16";
            double ipam = parallel(stores, hosts, (store, h) -> {
                IpamDriver d = new IpamDriver(store, IpamConfig.defaults(), "bench-s" + h);
                String poolId = pool(d, subnet);
                for (int i = 0; i < 10; i++) {
                    any(d, poolId); // warm-up: JIT, connection, the host's first block
                }
                return () -> any(d, poolId);
            });
            double ceiling = parallel(stores, hosts, (store, h) -> {
                String own = "bench/ceiling/" + hosts + "/" + h;
                store.commit(Txn.of(Op.put(own + "/shared", new byte[40])));
                long[] version = {
                    store.commit(Txn.of(Op.put(own + "/cas", new byte[40]))).version(0)
                };
                long[] seq = {0};
                long sharedVersion = store.get(own + "/shared").orElseThrow().version();
                return () -> {
                    var result = store.commit(Txn.of(
                            Op.checkVersion(own + "/shared", sharedVersion),
                            Op.compareAndSet(own + "/cas", version[0], new byte[40]),
                            Op.create(own + "/r/" + seq[0]++, new byte[160])));
                    version[0] = result.version(1);
                };
            });
            if (hosts == 1) {
                oneHost = ipam;
                oneClient = ceiling;
            }
            System.out.printf(
                    "%-18s %d host(s): %6.0f allocations/s in total (x%.2f one host's)   store ceiling, %d client(s): %6.0f txn/s (x%.2f)%n",
                    backend, hosts, ipam, ipam / oneHost, hosts, ceiling, ceiling / oneClient);
        }
    }

    interface Worker {
        /** Sets up host {@code h} on its own store client; returns one unit of work. */
        Runnable setUp(Store store, int h);
    }

    /** Runs {@link #M} units on each of {@code hosts} threads at once; total units per second. */
    private static double parallel(StoreFactory stores, int hosts, Worker worker) throws Exception {
        List<Store> opened = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(hosts);
        try {
            List<Runnable> units = new ArrayList<>();
            for (int h = 0; h < hosts; h++) {
                Store s = stores.open();
                opened.add(s);
                units.add(worker.setUp(s, h));
            }
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<Void>> runs = new ArrayList<>();
            for (Runnable unit : units) {
                runs.add(CompletableFuture.runAsync(
                        () -> {
                            try {
                                start.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                return;
                            }
                            for (int i = 0; i < M; i++) {
                                unit.run();
                            }
                        },
                        threads));
            }
            long t0 = System.nanoTime();
            start.countDown();
            for (CompletableFuture<Void> r : runs) {
                r.get();
            }
            return hosts * (double) M / sec(System.nanoTime() - t0);
        } finally {
            threads.shutdownNow();
            opened.forEach(Store::close);
        }
    }

    private static void lastAddresses(String backend, StoreFactory stores) {
        try (Store store = stores.open()) {
            IpamDriver d = new IpamDriver(store, IpamConfig.defaults(), "bench-full");
            String poolId = pool(d, "10.102.0.0/16");
            int capacity = 65534;
            long t0 = System.nanoTime();
            List<String> all = fillInParallel(stores, poolId, capacity);
            long t1 = System.nanoTime();
            Collections.shuffle(all, new Random(42));
            List<String> freed = all.subList(0, K);
            for (String a : freed) {
                d.releaseAddress(new ReleaseAddressRequest(poolId, strip(a)));
            }
            // a fresh host: nothing cached, as on a host that did not do the filling
            IpamDriver other = new IpamDriver(store, IpamConfig.defaults(), "bench-last");
            long[] latencies = new long[K];
            for (int i = 0; i < K; i++) {
                long s = System.nanoTime();
                any(other, poolId);
                latencies[i] = System.nanoTime() - s;
            }
            long exhausted = System.nanoTime();
            String error = "";
            try {
                any(other, poolId);
            } catch (RuntimeException e) {
                error = e.getMessage();
            }
            long t2 = System.nanoTime();
            System.out.printf(
                    "%-18s full /16:    filled %d addresses at %.0f/s (8 parallel hosts); last %d scattered free addresses: "
                            + "p50 %.2f ms, max %.2f ms each; exhausted answer in %.2f ms (%s)%n",
                    backend,
                    capacity,
                    capacity / sec(t1 - t0),
                    K,
                    pct(latencies, 50),
                    pct(latencies, 100),
                    (t2 - exhausted) / 1e6,
                    error.isEmpty() ? "no error?" : "POOL_EXHAUSTED");
        }
    }

    /**
     * Fills the /16 with specific-address requests from {@value #FILLERS} hosts, each on its own
     * blocks so they do not race: setup only, to get a full pool in reasonable time.
     */
    private static List<String> fillInParallel(StoreFactory stores, String poolId, int capacity) {
        List<Store> opened = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(FILLERS);
        try {
            List<CompletableFuture<List<String>>> runs = new ArrayList<>();
            for (int t = 0; t < FILLERS; t++) {
                Store s = stores.open();
                opened.add(s);
                IpamDriver d = new IpamDriver(s, IpamConfig.defaults(), "bench-fill" + t);
                int filler = t;
                runs.add(CompletableFuture.supplyAsync(
                        () -> {
                            List<String> mine = new ArrayList<>();
                            for (int offset = 1; offset <= capacity; offset++) {
                                if ((offset >> 8) % FILLERS == filler) {
                                    String ip = "10.102." + (offset >> 8) + "." + (offset & 255);
                                    mine.add(d.requestAddress(new RequestAddressRequest(poolId, ip, null))
                                            .address());
                                }
                            }
                            return mine;
                        },
                        pool));
            }
            List<String> all = new ArrayList<>(capacity);
            runs.forEach(r -> all.addAll(r.join()));
            return all;
        } finally {
            pool.shutdownNow();
            opened.forEach(Store::close);
        }
    }

    private static String strip(String cidr) {
        return cidr.substring(0, cidr.indexOf('/'));
    }

    private static double sec(long nanos) {
        return nanos / 1e9;
    }

    private static double pct(long[] nanos, int p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int i = Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
