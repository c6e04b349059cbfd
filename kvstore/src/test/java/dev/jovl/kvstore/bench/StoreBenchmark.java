package dev.jovl.kvstore.bench;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.WatchEvent;
import dev.jovl.kvstore.WatchListener;
import dev.jovl.kvstore.testing.EtcdServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of create, compare-and-set and get, and watch latency (a put by one client until the
 * event reaches another client's listener), against the embedded store and a real etcd (started
 * here, with fsync as in production). Prints a table; see kvstore/README.md for how to run it.
 *
 * <p>Arguments: {@code ops=N} operations per measurement (default 2000), {@code threads=T}
 * concurrent clients for the parallel rows (default 8), {@code samples=S} watch-latency samples
 * (default 300), {@code backends=embedded,etcd} (default both), {@code etcd=etcd://h:p} to use an
 * existing etcd instead of starting one.
 */
public final class StoreBenchmark {
    private final int ops;
    private final int threads;
    private final int samples;

    private StoreBenchmark(int ops, int threads, int samples) {
        this.ops = ops;
        this.threads = threads;
        this.samples = samples;
    }

    public static void main(String[] args) throws Exception {
        int ops = 2000;
        int threads = 8;
        int samples = 300;
        List<String> backends = List.of("embedded", "etcd");
        String etcdUrl = null;
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "ops" -> ops = Integer.parseInt(kv[1]);
                case "threads" -> threads = Integer.parseInt(kv[1]);
                case "samples" -> samples = Integer.parseInt(kv[1]);
                case "backends" -> backends = Arrays.asList(kv[1].split(","));
                case "etcd" -> etcdUrl = kv[1];
                default -> throw new IllegalArgumentException("unknown argument " + arg);
            }
        }
        StoreBenchmark bench = new StoreBenchmark(ops, threads, samples);
        System.out.printf(
                Locale.ROOT,
                "jovl kvstore benchmark: %d ops per row, %d clients in parallel rows, " + "%d watch samples, %d CPUs%n",
                ops,
                threads,
                samples,
                Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%-10s %-28s %12s%n", "backend", "measurement", "result");
        for (String backend : backends) {
            switch (backend) {
                case "embedded" -> {
                    Path dir = Files.createTempDirectory("jkv-bench-");
                    try {
                        bench.run("embedded", "file:" + dir);
                    } finally {
                        try (var files = Files.walk(dir)) {
                            files.sorted(java.util.Comparator.reverseOrder())
                                    .forEach(p -> p.toFile().delete());
                        }
                    }
                }
                case "etcd" -> {
                    if (etcdUrl != null) {
                        bench.run("etcd", etcdUrl);
                    } else {
                        try (EtcdServer etcd = EtcdServer.start(true)) {
                            bench.run("etcd", etcd.url());
                        }
                    }
                }
                default -> throw new IllegalArgumentException("unknown backend " + backend);
            }
        }
    }

    private void run(String name, String url) throws Exception {
        List<Store> clients = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            clients.add(Stores.open(url));
        }
        try {
            String run = "bench/" + Long.toHexString(System.nanoTime()) + "/";
            Store one = clients.getFirst();
            warmUp(one, run);
            row(
                    name,
                    "create, 1 client",
                    throughput(List.of(one), (s, t, i) -> s.create(key(run + "c1/", t, i), value(i))));
            row(
                    name,
                    "create, " + threads + " clients",
                    throughput(clients, (s, t, i) -> s.create(key(run + "cN/", t, i), value(i))));
            row(name, "cas, 1 client", casThroughput(List.of(one), run + "cas1/"));
            row(name, "cas, " + threads + " clients", casThroughput(clients, run + "casN/"));
            row(name, "get, 1 client", throughput(List.of(one), (s, t, i) -> {
                var _ = s.get(key(run + "c1/", 0, i % ops)).orElseThrow();
            }));
            row(name, "get, " + threads + " clients", throughput(clients, (s, t, i) -> {
                var _ = s.get(key(run + "c1/", 0, i % ops)).orElseThrow();
            }));
            watchLatency(name, clients.get(0), clients.get(Math.min(1, clients.size() - 1)), run + "watch/");
        } finally {
            clients.forEach(Store::close);
        }
    }

    private void warmUp(Store store, String run) {
        for (int i = 0; i < Math.min(500, ops); i++) {
            store.put(run + "warmup/" + i, value(i));
            store.get(run + "warmup/" + i);
        }
    }

    interface Operation {
        void apply(Store store, int thread, int i) throws Exception;
    }

    /** Ops per second with {@code ops} operations split evenly over the given clients. */
    private double throughput(List<Store> clients, Operation op) throws Exception {
        int perClient = ops / clients.size();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients.size())) {
            long start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < clients.size(); t++) {
                Store s = clients.get(t);
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perClient; i++) {
                        op.apply(s, thread, thread * perClient + i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            return perClient * clients.size() / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** Each client increments its own key by compare-and-set (the version from its previous write). */
    private double casThroughput(List<Store> clients, String prefix) throws Exception {
        long[] versions = new long[clients.size()];
        for (int t = 0; t < clients.size(); t++) {
            versions[t] = clients.get(t).create(prefix + t, value(0));
        }
        return throughput(clients, (s, t, i) -> versions[t] = s.compareAndSet(prefix + t, versions[t], value(i)));
    }

    private void watchLatency(String name, Store writer, Store watcher, String prefix) throws Exception {
        BlockingQueue<Long> arrivals = new ArrayBlockingQueue<>(samples + 10);
        long start = writer.list(prefix).revision();
        WatchListener listener = new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events) {
                long now = System.nanoTime();
                events.forEach(e -> arrivals.add(now));
            }

            @Override
            public void onResyncNeeded(long lastRevision) {
                throw new StoreException.Unavailable("resync during the benchmark", null);
            }
        };
        long[] latencies = new long[samples];
        try (Watch w = watcher.watch(prefix, start, listener)) {
            for (int i = 0; i < samples; i++) {
                long before = System.nanoTime();
                writer.put(prefix + "k", value(i));
                Long arrived = arrivals.poll(10, TimeUnit.SECONDS);
                if (arrived == null) {
                    throw new IllegalStateException("watch event " + i + " did not arrive within 10 s");
                }
                latencies[i] = arrived - before;
            }
        }
        Arrays.sort(latencies);
        row(name, "watch latency p50", latencies[samples / 2] / 1e6, "ms");
        row(name, "watch latency p99", latencies[(int) (samples * 0.99)] / 1e6, "ms");
    }

    private static String key(String prefix, int thread, int i) {
        return prefix + i;
    }

    private static byte[] value(int i) {
        return ("{\"n\":" + i + ",\"pad\":\"" + "x".repeat(100) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static void row(String backend, String what, double opsPerSecond) {
        row(backend, what, opsPerSecond, "ops/s");
    }

    private static void row(String backend, String what, double value, String unit) {
        System.out.printf(Locale.ROOT, "%-10s %-28s %12.1f %s%n", backend, what, value, unit);
    }
}
