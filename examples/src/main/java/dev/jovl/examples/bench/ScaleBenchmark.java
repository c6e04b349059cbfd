package dev.jovl.examples.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jovl.ipam.IpamConfig;
import dev.jovl.ipam.IpamDriver;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.overlay.state.StoreLayout;
import dev.jovl.unixhttp.UnixHttpClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a large cluster costs one host (issue 16): a real jovl daemon (its own process, on a
 * simulated host: a namespace with {@code eth0}) and {@link FakeHosts} playing {@code --hosts}
 * other hosts against the same etcd, {@code --per-host} containers each, spread over
 * {@code --networks} networks on which the real host has a container. Measures, and prints as a
 * table and one {@code SCALE} line (for {@code examples/scale.sh}'s chart):
 * <ol>
 *   <li>cold start: the daemon is started with every record already in the store; time until all
 *       peer entries are in its sandboxes' kernels (netlink dumps every 20 ms), its RSS and CPU;
 *   <li>churn: {@code --churn-rate} endpoint changes/s (half new containers, half removed) for
 *       {@code --churn-seconds}; latency from each write to both its entries in (or out of) the
 *       kernel ({@link KernelEvents}), the daemon's CPU and its store requests/s;
 *   <li>a fake host dying (its lease revoked: its record goes as a dead host's would): time until
 *       its entries leave the kernel and until its IPAM addresses are back in the pools (the
 *       daemon runs with {@code --dead-host-grace}, part of that time by design);
 *   <li>the watch streams the daemon holds on etcd (etcd's watcher gauge without and with it).
 * </ol>
 * <pre>
 * java -cp driver/target/jovl.jar:examples/target/classes dev.jovl.examples.bench.ScaleBenchmark \
 *      --store etcd://127.0.0.1:2379 [--hosts 1000] [--per-host 50] [--networks 10] [--churn-rate 200]
 *      [--churn-seconds 30] [--dead-host-grace 10] [--jar driver/target/jovl.jar] [--metrics-port 19316]
 * </pre>
 * Needs root and an etcd of its own (the store's jovl/ keys are the benchmark's): {@code examples/scale.sh}.
 */
public final class ScaleBenchmark {
    /** How often the cold start counts the kernel's entries (a dump of every sandbox). */
    private static final Duration POLL = Duration.ofMillis(20);

    public static void main(String[] args) throws Exception {
        Map<String, String> o = parse(args);
        String storeUrl = required(o, "store");
        int hosts = Integer.parseInt(o.getOrDefault("hosts", "1000"));
        int perHost = Integer.parseInt(o.getOrDefault("per-host", "50"));
        int networkCount = Integer.parseInt(o.getOrDefault("networks", "10"));
        int churnRate = Integer.parseInt(o.getOrDefault("churn-rate", "200"));
        int churnSeconds = Integer.parseInt(o.getOrDefault("churn-seconds", "30"));
        int grace = Integer.parseInt(o.getOrDefault("dead-host-grace", "10"));
        Path jar = Path.of(o.getOrDefault("jar", "driver/target/jovl.jar"));
        int metricsPort = Integer.parseInt(o.getOrDefault("metrics-port", "19316"));
        if (networkCount < 1 || networkCount > 100 || perHost < networkCount) {
            throw new IllegalArgumentException("1-100 networks, and at least one container per network per host");
        }
        Path work = Files.createTempDirectory("jovl-scale");
        Path log = work.resolve("daemon.log");
        System.out.printf(
                Locale.ROOT,
                "scale benchmark: %d fake hosts x %d containers on %d networks (%d peers), etcd %s, work dir %s%n",
                hosts,
                perHost,
                networkCount,
                hosts * perHost,
                storeUrl,
                work);
        try (BenchHost host = new BenchHost(work, work.resolve("run"));
                Store store = Stores.open(storeUrl)) {
            List<String> daemonArgs = List.of(
                    "--store",
                    storeUrl,
                    "--advertise",
                    "eth0",
                    "--run-dir",
                    work.resolve("run").toString(),
                    "--host-netns",
                    host.namespacePath().toString(),
                    "--host-id",
                    "scale-real",
                    "--dead-host-grace",
                    Integer.toString(grace));
            new ScaleBenchmark(store, storeUrl, jar, metricsPort, daemonArgs, work, log)
                    .run(hosts, perHost, networkCount, churnRate, churnSeconds);
        } finally {
            System.out.println("daemon log: " + log);
        }
    }

    private final Store store;
    private final String etcdMetrics;
    private final Path jar;
    private final int metricsPort;
    private final List<String> daemonArgs;
    private final Path work;
    private final Path log;
    private final Map<String, String> figures = new java.util.LinkedHashMap<>();

    private ScaleBenchmark(
            Store store, String storeUrl, Path jar, int metricsPort, List<String> daemonArgs, Path work, Path log) {
        this.store = store;
        this.etcdMetrics = "http://" + storeUrl.replaceFirst("^etcd://", "").replaceFirst("[,/].*$", "") + "/metrics";
        this.jar = jar;
        this.metricsPort = metricsPort;
        this.daemonArgs = daemonArgs;
        this.work = work;
        this.log = log;
    }

    private DaemonProcess startDaemon() throws IOException {
        return DaemonProcess.start(jar, work.resolve("jovl.sock"), metricsPort, daemonArgs, log);
    }

    private void run(int hostCount, int perHost, int networkCount, int churnRate, int churnSeconds) throws Exception {
        IpamConfig ipamConfig = IpamConfig.defaults().withKeyPrefix(StoreLayout.IPAM);
        double watchersWithout = etcdMetric("etcd_debugging_mvcc_watcher_total");
        double streamsWithout = etcdMetric("etcd_debugging_mvcc_watch_stream_total");
        List<FakeHosts.Network> networks;
        // 1. the real host joins every network (a container on each), then its daemon stops
        try (DaemonProcess d = startDaemon()) {
            d.awaitSocket(Duration.ofSeconds(60));
            networks = joinNetworks(d.socket(), networkCount);
            Thread.sleep(3000); // every loop has started and the watches are open
            figures.put("watchers", fmt(etcdMetric("etcd_debugging_mvcc_watcher_total") - watchersWithout));
            figures.put("watch_streams", fmt(etcdMetric("etcd_debugging_mvcc_watch_stream_total") - streamsWithout));
            figures.put("rss_empty_mib", fmt(d.rssKib() / 1024.0));
        }
        try (FakeHosts fake = new FakeHosts(store, networks, hostCount);
                SandboxPeers kernel = new SandboxPeers(work.resolve("run").resolve("netns"))) {
            long t = System.nanoTime();
            fake.register(Duration.ofSeconds(60));
            fake.writeEndpoints(perHost, ipamConfig);
            System.out.printf(
                    Locale.ROOT,
                    "load generator: %d hosts registered and %d endpoint records written in %.1f s%n",
                    hostCount,
                    fake.endpointCount(),
                    (System.nanoTime() - t) / 1e9);
            if (!kernel.count().atMost(0)) {
                throw new IllegalStateException("the sandboxes already hold peers before the cold start");
            }
            try (DaemonProcess d = startDaemon()) {
                coldStart(d, kernel, fake.endpointCount());
                idleStoreLoad(d);
                churn(d, kernel, fake, churnRate, churnSeconds);
                deadHost(kernel, fake, networks, ipamConfig);
            }
        }
        print(hostCount, perHost, networkCount, churnRate, churnSeconds);
    }

    private void coldStart(DaemonProcess d, SandboxPeers kernel, int expected) throws Exception {
        long socketAt = d.awaitSocket(Duration.ofSeconds(60));
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        SandboxPeers.Count c = kernel.count();
        while (!c.atLeast(expected)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("cold start: only " + c + " of " + expected + " after 5 min");
            }
            Thread.sleep(POLL.toMillis());
            c = kernel.count();
        }
        long done = System.nanoTime();
        long cpu = d.cpuMillis();
        long rss = d.rssKib();
        figures.put("cold_ms", fmt((done - d.startedAtNanos()) / 1e6));
        figures.put("cold_after_socket_ms", fmt((done - socketAt) / 1e6));
        figures.put("cold_cpu_s", fmt(cpu / 1000.0));
        figures.put("rss_mib", fmt(rss / 1024.0));
        if (!c.atMost(expected)) {
            throw new IllegalStateException("cold start: " + c + " entries where " + expected + " were expected");
        }
        Thread.sleep(5000);
        figures.put("rss_settled_mib", fmt(d.rssKib() / 1024.0));
    }

    /** Store requests/s of the daemon with nothing happening (leases, reaper, reconciles). */
    private void idleStoreLoad(DaemonProcess d) throws Exception {
        double before = d.metric("jovl_store_operations_total");
        long cpu = d.cpuMillis();
        Thread.sleep(20_000);
        figures.put("idle_store_ops_s", fmt((d.metric("jovl_store_operations_total") - before) / 20));
        figures.put("idle_cpu_pct", fmt((d.cpuMillis() - cpu) / 200.0));
    }

    private void churn(DaemonProcess d, SandboxPeers kernel, FakeHosts fake, int rate, int seconds) throws Exception {
        List<Path> sandboxes = kernel.sandboxes().stream().map(kernel::pathOf).toList();
        ConcurrentLinkedQueue<FakeHosts.Change> changes = new ConcurrentLinkedQueue<>();
        AtomicLong failed = new AtomicLong();
        try (KernelEvents events = new KernelEvents(sandboxes)) {
            Thread.sleep(500); // the monitors are listening
            double opsBefore = d.metric("jovl_store_operations_total");
            double inDaemonSum = d.metric("jovl_peer_convergence_seconds_sum");
            double inDaemonCount = d.metric("jovl_peer_convergence_seconds_count");
            long cpuBefore = d.cpuMillis();
            long start = System.nanoTime();
            long total = (long) rate * seconds;
            ExecutorService writers = Executors.newFixedThreadPool(8);
            for (long i = 0; i < total; i++) {
                long at = start + i * 1_000_000_000L / rate;
                long wait = at - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                long step = i;
                writers.execute(() -> {
                    try {
                        FakeHosts.Change c = fake.churn(step);
                        if (c != null) {
                            changes.add(c);
                        }
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    }
                });
            }
            writers.shutdown();
            writers.awaitTermination(1, TimeUnit.MINUTES);
            double wall = (System.nanoTime() - start) / 1e9;
            long cpu = d.cpuMillis() - cpuBefore;
            double ops = d.metric("jovl_store_operations_total") - opsBefore;
            Thread.sleep(3000); // the last changes arrive
            // the daemon's own part: from the watch event to the kernel (its convergence histogram)
            double inDaemonMs = (d.metric("jovl_peer_convergence_seconds_sum") - inDaemonSum)
                    * 1000
                    / Math.max(1, d.metric("jovl_peer_convergence_seconds_count") - inDaemonCount);
            List<Long> latencies = new ArrayList<>();
            List<Long> fromAck = new ArrayList<>();
            List<Long> writes = new ArrayList<>();
            int unseen = 0;
            for (FakeHosts.Change c : changes) {
                long at = events.completedAt(c);
                if (at < 0) {
                    unseen++;
                } else {
                    latencies.add(at - c.writtenAtNanos());
                    fromAck.add(at - c.ackedAtNanos());
                }
                writes.add(c.ackedAtNanos() - c.writtenAtNanos());
            }
            long[] v = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            figures.put("churn_changes", Integer.toString(changes.size()));
            figures.put("churn_rate_s", fmt(changes.size() / wall));
            figures.put("churn_p50_ms", fmt(pct(v, 50)));
            figures.put("churn_p99_ms", fmt(pct(v, 99)));
            figures.put("churn_max_ms", fmt(v.length == 0 ? Double.NaN : v[v.length - 1] / 1e6));
            // the same from the store's acknowledgement, and the writes themselves (the store's part)
            long[] a = fromAck.stream().mapToLong(Long::longValue).sorted().toArray();
            long[] w = writes.stream().mapToLong(Long::longValue).sorted().toArray();
            figures.put("churn_from_ack_p50_ms", fmt(pct(a, 50)));
            figures.put("churn_from_ack_p99_ms", fmt(pct(a, 99)));
            figures.put("churn_write_p50_ms", fmt(pct(w, 50)));
            figures.put("churn_write_p99_ms", fmt(pct(w, 99)));
            figures.put("churn_in_daemon_mean_ms", fmt(inDaemonMs));
            figures.put("churn_unseen", Long.toString(unseen + failed.get()));
            figures.put("churn_cpu_pct", fmt(cpu / wall / 10));
            figures.put("churn_store_ops_s", fmt(ops / wall));
        }
        // every change is in the kernel now: the sandboxes hold exactly the live endpoints
        SandboxPeers.Count c = kernel.count();
        figures.put(
                "after_churn_exact",
                Boolean.toString(c.atLeast(fake.endpointCount()) && c.atMost(fake.endpointCount())));
    }

    private void deadHost(SandboxPeers kernel, FakeHosts fake, List<FakeHosts.Network> networks, IpamConfig ipamConfig)
            throws Exception {
        String dying = fake.dyingHost();
        int itsEndpoints = fake.endpointsOf(dying);
        IpamDriver ipam = new IpamDriver(store, ipamConfig, "scale-observer");
        int itsAddresses = addressesOf(ipam, networks, dying);
        long t0 = System.nanoTime();
        fake.killDyingHost();
        int remaining = fake.endpointCount();
        long kernelAt = -1;
        long ipamAt = -1;
        long deadline = t0 + Duration.ofMinutes(5).toNanos();
        while ((kernelAt < 0 || ipamAt < 0) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            if (kernelAt < 0 && kernel.count().atMost(remaining)) {
                kernelAt = System.nanoTime();
            }
            if (ipamAt < 0 && addressesOf(ipam, networks, dying) == 0) {
                ipamAt = System.nanoTime();
            }
        }
        figures.put("dead_endpoints", Integer.toString(itsEndpoints));
        figures.put("dead_addresses", Integer.toString(itsAddresses));
        figures.put("dead_kernel_ms", fmt(kernelAt < 0 ? Double.NaN : (kernelAt - t0) / 1e6));
        figures.put("dead_ipam_ms", fmt(ipamAt < 0 ? Double.NaN : (ipamAt - t0) / 1e6));
    }

    private static int addressesOf(IpamDriver ipam, List<FakeHosts.Network> networks, String host) {
        int n = 0;
        for (FakeHosts.Network net : networks) {
            n += (int) ipam.allocations(net.poolId()).stream()
                    .filter(a -> host.equals(a.host()))
                    .count();
        }
        return n;
    }

    /** Creates the networks through the daemon's plugin socket, and one container on each. */
    private static List<FakeHosts.Network> joinNetworks(Path socket, int count) throws IOException {
        List<FakeHosts.Network> out = new ArrayList<>();
        try (UnixHttpClient c = UnixHttpClient.connect(socket)) {
            String space = post(c, "/IpamDriver.GetDefaultAddressSpaces", "")
                    .get("GlobalDefaultAddressSpace")
                    .asText();
            for (int i = 0; i < count; i++) {
                String subnet = "10." + (100 + i) + ".0.0/16";
                String id = String.format(Locale.ROOT, "%02x5ca1e%057x", i, i);
                String pool = post(
                                c,
                                "/IpamDriver.RequestPool",
                                "{\"AddressSpace\":\"" + space + "\",\"Pool\":\"" + subnet + "\",\"V6\":false}")
                        .get("PoolID")
                        .asText();
                post(
                        c,
                        "/NetworkDriver.CreateNetwork",
                        "{\"NetworkID\":\"" + id + "\",\"Options\":{},\"IPv4Data\":[{\"AddressSpace\":\"" + space
                                + "\",\"Pool\":\"" + subnet + "\"}]}");
                String address = post(
                                c,
                                "/IpamDriver.RequestAddress",
                                "{\"PoolID\":\"" + pool + "\",\"Address\":\"\",\"Options\":null}")
                        .get("Address")
                        .asText();
                String ids = "\"NetworkID\":\"" + id + "\",\"EndpointID\":\"local" + i + "\"";
                post(
                        c,
                        "/NetworkDriver.CreateEndpoint",
                        "{" + ids + ",\"Interface\":{\"Address\":\"" + address + "\"}}");
                post(c, "/NetworkDriver.Join", "{" + ids + ",\"SandboxKey\":\"/x\",\"Options\":{}}");
                out.add(new FakeHosts.Network(id, i, pool));
            }
        }
        return out;
    }

    /** Reads the plugin's answers only; the driver's own wire mapper is no business of a benchmark. */
    private static final ObjectMapper ANSWERS = new ObjectMapper();

    private static JsonNode post(UnixHttpClient c, String path, String body) throws IOException {
        UnixHttpClient.Response r = c.post(path, body);
        if (r.status() != 200) {
            throw new IOException(path + ": HTTP " + r.status() + ": " + r.body());
        }
        return ANSWERS.readTree(r.body());
    }

    private double etcdMetric(String name) throws IOException, InterruptedException {
        try (HttpClient c = HttpClient.newHttpClient()) {
            String body = c.send(
                            HttpRequest.newBuilder(URI.create(etcdMetrics)).build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            return PrometheusText.sum(body, name);
        }
    }

    private void print(int hosts, int perHost, int networks, int rate, int seconds) throws IOException {
        System.out.printf(
                Locale.ROOT,
                "%n%d hosts x %d containers = %d peers on %d networks; churn %d/s for %d s%n",
                hosts,
                perHost,
                hosts * perHost,
                networks,
                rate,
                seconds);
        figures.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-22s %s%n", k, v));
        StringBuilder line = new StringBuilder("SCALE hosts=" + hosts + " peers=" + hosts * perHost);
        figures.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        System.out.println(line);
        Files.writeString(work.resolve("scale.txt"), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static double pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String required(Map<String, String> o, String name) {
        String v = o.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    private static Map<String, String> parse(String[] args) {
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("expected --option value pairs, got " + Arrays.toString(args));
        }
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value, got " + args[i]);
            }
            out.put(args[i].substring(2), args[i + 1]);
        }
        return out;
    }
}
