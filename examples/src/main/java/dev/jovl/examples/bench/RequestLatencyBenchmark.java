package dev.jovl.examples.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jovl.driver.Daemon;
import dev.jovl.driver.cli.DaemonOptions;
import dev.jovl.driver.http.Json;
import dev.jovl.unixhttp.UnixHttpClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Request latency of a real daemon under load: {@code clients} concurrent connections (Docker
 * uses one per request stream) each run container lifecycles as Docker sends them (RequestAddress,
 * CreateEndpoint, Join, EndpointOperInfo, Leave, DeleteEndpoint, ReleaseAddress), against the
 * real kernel inside a namespace the benchmark creates and removes. Prints p50/p90/p99 per method.
 *
 * <pre>
 * java -cp driver/target/jovl.jar:examples/target/classes dev.jovl.examples.bench.RequestLatencyBenchmark \
 *      [--store file:/tmp/x | etcd://127.0.0.1:2379] [--clients 8] [--lifecycles 400] [--warmup 40]
 *      [--resident true|false] [--idle-grace S]
 * </pre>
 * Needs root (namespaces, veths). Default store: an embedded store in a temporary directory.
 */
public final class RequestLatencyBenchmark {
    private static final String NET = "benchnet00000000000000000000000000000000000000000000000000000000";

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        int clients = Integer.parseInt(opts.getOrDefault("clients", "8"));
        int lifecycles = Integer.parseInt(opts.getOrDefault("lifecycles", "400"));
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "40"));
        // a resident container keeps the network's sandbox up, as on a host running workloads;
        // without it every lifecycle also builds and removes the sandbox (the first container's cost)
        boolean resident = Boolean.parseBoolean(opts.getOrDefault("resident", "true"));
        // the daemon's --sandbox-idle-grace: 0 removes the sandbox with its last container
        String idleGrace = opts.getOrDefault("idle-grace", "60");
        Path work = Files.createTempDirectory("jovl-bench");
        String store = opts.getOrDefault("store", "file:" + work.resolve("store"));
        try (BenchHost host = new BenchHost(work, work.resolve("run"))) {
            DaemonOptions options = DaemonOptions.parse(
                    List.of(
                            "--store",
                            store,
                            "--advertise",
                            "eth0",
                            "--socket",
                            work.resolve("jovl.sock").toString(),
                            "--run-dir",
                            work.resolve("run").toString(),
                            "--host-netns",
                            host.namespacePath().toString(),
                            "--host-id",
                            "bench",
                            "--sandbox-idle-grace",
                            idleGrace),
                    Map.of());
            // closed before the host: the daemon's sandboxes go first, then the namespace
            try (Daemon daemon = Daemon.start(options)) {
                Path socket = daemon.socket();
                String poolId = setUp(socket, resident);
                System.out.printf(
                        Locale.ROOT,
                        "store %s, %d clients, %d lifecycles (+%d warm-up), %s, idle grace %s s%n",
                        store,
                        clients,
                        lifecycles,
                        warmup,
                        resident ? "sandbox kept up by a resident container" : "no resident container",
                        idleGrace);
                run(socket, poolId, clients, warmup, new LatencyRecorder());
                LatencyRecorder recorder = new LatencyRecorder();
                long t0 = System.nanoTime();
                run(socket, poolId, clients, lifecycles, recorder);
                double seconds = (System.nanoTime() - t0) / 1e9;
                System.out.print(recorder.table());
                System.out.printf(
                        Locale.ROOT,
                        "%.1f container lifecycles/s (%d requests/s)%n",
                        lifecycles / seconds,
                        Math.round(lifecycles * 7 / seconds));
            }
        }
    }

    private static String setUp(Path socket, boolean resident) throws IOException {
        try (UnixHttpClient c = UnixHttpClient.connect(socket)) {
            String space = json(c.post("/IpamDriver.GetDefaultAddressSpaces", ""))
                    .get("GlobalDefaultAddressSpace")
                    .asText();
            String poolId = json(c.post(
                            "/IpamDriver.RequestPool",
                            "{\"AddressSpace\":\"" + space + "\",\"Pool\":\"10.128.0.0/16\",\"V6\":false}"))
                    .get("PoolID")
                    .asText();
            json(c.post(
                    "/NetworkDriver.CreateNetwork",
                    "{\"NetworkID\":\"" + NET + "\",\"Options\":{},\"IPv4Data\":" + "[{\"AddressSpace\":\"" + space
                            + "\",\"Pool\":\"10.128.0.0/16\"}]}"));
            if (resident) {
                String ids = "\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"resident\"";
                json(c.post(
                        "/NetworkDriver.CreateEndpoint",
                        "{" + ids + ",\"Interface\":{\"Address\":\"10.128.255.254/16\"}}"));
                json(c.post("/NetworkDriver.Join", "{" + ids + ",\"SandboxKey\":\"/x\"}"));
            }
            return poolId;
        }
    }

    private static void run(Path socket, String poolId, int clients, int lifecycles, LatencyRecorder rec)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                futures.add(pool.submit(() -> {
                    try (UnixHttpClient c = UnixHttpClient.connect(socket)) {
                        for (int n = next.getAndIncrement(); n < lifecycles; n = next.getAndIncrement()) {
                            lifecycle(c, poolId, rec);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
    }

    private static void lifecycle(UnixHttpClient c, String poolId, LatencyRecorder rec) throws IOException {
        String ep = Long.toHexString(Double.doubleToLongBits(Math.random())) + Long.toHexString(System.nanoTime());
        String ids = "\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"" + ep + "\"";
        String cidr = timed(
                        c,
                        rec,
                        "/IpamDriver.RequestAddress",
                        "{\"PoolID\":\"" + poolId + "\",\"Address\":\"\",\"Options\":null}")
                .get("Address")
                .asText();
        timed(c, rec, "/NetworkDriver.CreateEndpoint", "{" + ids + ",\"Interface\":{\"Address\":\"" + cidr + "\"}}");
        timed(c, rec, "/NetworkDriver.Join", "{" + ids + ",\"SandboxKey\":\"/x\",\"Options\":{}}");
        timed(c, rec, "/NetworkDriver.EndpointOperInfo", "{" + ids + "}");
        timed(c, rec, "/NetworkDriver.Leave", "{" + ids + "}");
        timed(c, rec, "/NetworkDriver.DeleteEndpoint", "{" + ids + "}");
        timed(
                c,
                rec,
                "/IpamDriver.ReleaseAddress",
                "{\"PoolID\":\"" + poolId + "\",\"Address\":\"" + cidr.substring(0, cidr.indexOf('/')) + "\"}");
    }

    private static JsonNode timed(UnixHttpClient c, LatencyRecorder rec, String path, String body) throws IOException {
        long t = System.nanoTime();
        UnixHttpClient.Response r = c.post(path, body);
        rec.record(path, System.nanoTime() - t);
        return json(r);
    }

    private static JsonNode json(UnixHttpClient.Response r) throws IOException {
        if (r.status() != 200) {
            throw new IOException("HTTP " + r.status() + ": " + r.body());
        }
        return Json.MAPPER.readTree(r.body());
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> out = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value, got " + args[i]);
            }
            out.put(args[i].substring(2), args[i + 1]);
        }
        return out;
    }
}
