package dev.jovl.ipam.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.ipam.Allocation;
import dev.jovl.ipam.IpamConfig;
import dev.jovl.ipam.IpamDriver;
import dev.jovl.ipam.StoredBlocks;
import dev.jovl.ipam.protocol.IpamProtocol.RequestPoolRequest;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.testing.EtcdServer;
import dev.jovl.net.Cidr;
import dev.jovl.net.IpAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three separate OS processes, each an IPAM host, against one real etcd: 300 addresses each from
 * one /22 at the same time end with 900 distinct addresses; releasing and reallocating while the
 * others do the same keeps them distinct, and the store agrees with what each process reports.
 */
class MultiProcessEtcdTest {

    private static final int HOSTS = 3;
    private static final int PER_HOST = 300;

    @TempDir
    Path logs;

    private EtcdServer etcd;
    private Store store;
    private final List<Process> processes = new ArrayList<>();
    private final List<BufferedReader> outputs = new ArrayList<>();

    @BeforeEach
    void start() {
        etcd = EtcdServer.start();
        store = Stores.open(etcd.url());
    }

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
        if (store != null) {
            store.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    void threeProcessesAllocateDistinctAddressesFromOneSlash22() throws Exception {
        IpamDriver local = new IpamDriver(store, IpamConfig.defaults(), "test");
        String poolId = local.requestPool(new RequestPoolRequest("jovl-global", "10.22.0.0/22", "", null, false))
                .poolId();
        Cidr subnet = Cidr.parse("10.22.0.0/22");
        startHosts(poolId);

        Map<String, List<String>> first = phase("allocate");
        Set<String> all = new HashSet<>();
        first.values().forEach(all::addAll);
        assertEquals(
                HOSTS * PER_HOST, first.values().stream().mapToInt(List::size).sum());
        assertEquals(HOSTS * PER_HOST, all.size(), "some address was handed out twice");
        for (String cidr : all) {
            assertTrue(
                    cidr.endsWith("/22") && subnet.contains(IpAddress.parse(cidr.substring(0, cidr.indexOf('/')))),
                    cidr);
        }
        assertStoreMatches(local, poolId, first);

        Map<String, List<String>> second = phase("release and reallocate");
        Set<String> after = new HashSet<>();
        second.values().forEach(after::addAll);
        assertEquals(
                HOSTS * PER_HOST, second.values().stream().mapToInt(List::size).sum());
        assertEquals(HOSTS * PER_HOST, after.size(), "reallocation handed out an address twice");
        assertStoreMatches(local, poolId, second);
        for (int h = 0; h < HOSTS; h++) {
            Process p = processes.get(h);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "host" + h + " did not exit");
            assertEquals(0, p.exitValue(), "host" + h + " failed: " + errors(h));
        }
    }

    /** The store's records: exactly the union of what the processes hold, each with its owner. */
    private void assertStoreMatches(IpamDriver local, String poolId, Map<String, List<String>> byHost) {
        Map<String, String> expected = new TreeMap<>();
        byHost.forEach((host, cidrs) ->
                cidrs.forEach(c -> expected.put(c.contains("/") ? c.substring(0, c.indexOf('/')) : c, host)));
        Map<String, String> stored = local.allocations(poolId).stream()
                .collect(Collectors.toMap(
                        Allocation::address,
                        Allocation::host,
                        (a, b) -> {
                            throw new AssertionError("listed twice: " + a);
                        },
                        TreeMap::new));
        assertEquals(expected, stored);
        StoredBlocks.assertMatchRecords(store, IpamConfig.defaults().keyPrefix(), poolId);
    }

    private void startHosts(String poolId) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        for (int h = 0; h < HOSTS; h++) {
            // C1 only and the serial GC: short-lived hosts on a busy machine start and warm up faster
            Process p = new ProcessBuilder(
                            java,
                            "-XX:TieredStopAtLevel=1",
                            "-XX:+UseSerialGC",
                            "-cp",
                            System.getProperty("java.class.path"),
                            AllocationWorker.class.getName(),
                            etcd.url(),
                            poolId,
                            "host" + h,
                            Integer.toString(PER_HOST))
                    .redirectError(logs.resolve("host" + h + ".err").toFile())
                    .start();
            processes.add(p);
            outputs.add(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
        }
        for (int h = 0; h < HOSTS; h++) {
            assertEquals("READY", outputs.get(h).readLine(), "host" + h + " did not start: " + errors(h));
        }
    }

    /** Sends GO to every host at once and collects what each prints up to DONE. */
    private Map<String, List<String>> phase(String name) throws Exception {
        long go = System.nanoTime();
        for (Process p : processes) {
            Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
            w.write("GO\n");
            w.flush();
        }
        List<CompletableFuture<List<String>>> results = new ArrayList<>();
        for (BufferedReader out : outputs) {
            results.add(CompletableFuture.supplyAsync(() -> readUntilDone(out)));
        }
        Map<String, List<String>> byHost = new TreeMap<>();
        for (int h = 0; h < HOSTS; h++) {
            List<String> lines = results.get(h).get(180, TimeUnit.SECONDS);
            assertTrue(!lines.isEmpty() && lines.getLast().equals("DONE"), "host" + h + " ended early: " + errors(h));
            byHost.put("host" + h, lines.subList(0, lines.size() - 1));
        }
        System.out.printf("3 processes, %s: %.1f s%n", name, (System.nanoTime() - go) / 1e9);
        return byHost;
    }

    private static List<String> readUntilDone(BufferedReader out) {
        List<String> lines = new ArrayList<>();
        try {
            for (String line; (line = out.readLine()) != null; ) {
                lines.add(line);
                if (line.equals("DONE")) {
                    break;
                }
            }
        } catch (IOException e) {
            lines.add("read failed: " + e);
        }
        return lines;
    }

    private String errors(int h) {
        try {
            String text = Files.readString(logs.resolve("host" + h + ".err"));
            return text.length() > 3000 ? text.substring(text.length() - 3000) : text;
        } catch (IOException e) {
            return "(no stderr: " + e + ")";
        }
    }
}
