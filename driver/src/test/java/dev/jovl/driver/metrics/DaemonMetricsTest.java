package dev.jovl.driver.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.driver.dns.DnsServer;
import dev.jovl.driver.http.RequestStats;
import dev.jovl.driver.status.HealthCheck;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.Stores;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exposition: names, bounded labels, store errors by kind; promtool-clean where promtool exists. */
class DaemonMetricsTest {
    @TempDir
    Path dir;

    private static String expose(DaemonMetrics m) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, m.registry().scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void requestsAreKeyedByRouteNeverByRawUri() throws Exception {
        DaemonMetrics m = new DaemonMetrics("9.9.9");
        RequestStats stats = new RequestStats(Set.of("/NetworkDriver.Join")::contains);
        stats.observe(m);
        assertEquals("NetworkDriver.Join", stats.routeOf("/NetworkDriver.Join?x=1"));
        for (int i = 0; i < 100; i++) {
            stats.record("/garbage-" + i, 404, 1_000);
        }
        stats.record("/NetworkDriver.Join", 200, 2_000_000);
        stats.record("/NetworkDriver.Join", 400, 2_000_000);
        stats.record("/NetworkDriver.Join", 500, 2_000_000);
        assertEquals(
                Set.of(RequestStats.UNKNOWN, "NetworkDriver.Join"),
                stats.snapshot().keySet());
        String text = expose(m);
        assertTrue(text.contains("jovl_plugin_requests_total{method=\"unknown\",outcome=\"invalid\"} 100.0"), text);
        assertTrue(
                text.contains("jovl_plugin_requests_total{method=\"NetworkDriver.Join\",outcome=\"error\"} 1.0"), text);
        assertTrue(
                text.contains(
                        "jovl_plugin_request_duration_seconds_bucket{method=\"NetworkDriver.Join\",le=\"+Inf\"} 3"),
                text);
        assertTrue(text.contains("jovl_build_info{java_version=\""), text);
        assertFalse(text.contains("garbage"), text);
    }

    @Test
    void storeOperationsAndErrorsByKind() throws Exception {
        DaemonMetrics m = new DaemonMetrics("9.9.9");
        try (Store store = new MeteredStore(Stores.open("file:" + dir.resolve("store")), m)) {
            store.create("jovl/v1/x", new byte[] {1});
            assertThrows(StoreException.Conflict.class, () -> store.create("jovl/v1/x", new byte[] {1}));
            store.get("jovl/v1/x");
            store.list("jovl/v1/");
        }
        String text = expose(m);
        assertTrue(text.contains("jovl_store_operations_total{op=\"txn\"} 2.0"), text);
        assertTrue(text.contains("jovl_store_errors_total{kind=\"conflict\",op=\"txn\"} 1.0"), text);
        assertTrue(text.contains("jovl_store_operation_duration_seconds_count{op=\"get\"} 1"), text);
        assertEquals("endpoints", MeteredStore.watchName("jovl/v1/endpoints/"));
        assertEquals("names", MeteredStore.watchName("jovl/v1/names/overlay-a/"));
    }

    /**
     * A family whose series appear only with their first increment is missing from a healthy
     * daemon's scrape (and rate() misses that first increment): every label value known in advance
     * is there at 0 from the start, and a watch's counters from when it opens.
     */
    @Test
    void countersOfFailuresAreThereAtZeroBeforeAnyFailure() throws Exception {
        DaemonMetrics m = new DaemonMetrics("9.9.9");
        m.dnsQueries(() -> null);
        try (Store store = new MeteredStore(Stores.open("file:" + dir.resolve("store")), m)) {
            String fresh = expose(m);
            for (String op : MeteredStore.OPS) {
                for (String kind : MeteredStore.ERROR_KINDS) {
                    assertTrue(
                            fresh.contains("jovl_store_errors_total{kind=\"" + kind + "\",op=\"" + op + "\"} 0.0"),
                            op + "/" + kind + " in\n" + fresh);
                }
            }
            for (String kind : List.of("timeout", "io", "servfail")) {
                assertTrue(fresh.contains("jovl_dns_upstream_errors_total{kind=\"" + kind + "\"} 0.0"), fresh);
            }
            for (String outcome : List.of("local", "forwarded", "refused", "rate_limited", "malformed")) {
                assertTrue(fresh.contains("jovl_dns_queries_total{outcome=\"" + outcome + "\"} 0.0"), fresh);
            }
            assertFalse(fresh.contains("jovl_store_watch_reconnects_total{"), "no watch yet: " + fresh);
            try (var w = store.watch("jovl/v1/endpoints/", 0, new dev.jovl.kvstore.WatchListener() {
                @Override
                public void onEvents(List<dev.jovl.kvstore.WatchEvent> events) {}

                @Override
                public void onResyncNeeded(long lastRevision) {}
            })) {
                String watching = expose(m);
                assertTrue(watching.contains("jovl_store_watch_reconnects_total{watch=\"endpoints\"} 0.0"), watching);
                assertTrue(watching.contains("jovl_store_watch_resyncs_total{watch=\"endpoints\"} 0.0"), watching);
            }
        }
        // the kinds the decorator gives are the ones initialised
        for (RuntimeException e : List.of(
                new StoreException.Unavailable("x", null),
                new StoreException.Conflict("x", "lost"),
                new StoreException.NotFound("x"),
                new StoreException.InvalidArgument("x"),
                new IllegalStateException("x"))) {
            assertTrue(MeteredStore.ERROR_KINDS.contains(MeteredStore.kind(e)), e.toString());
        }
    }

    @Test
    void dnsQueriesByOutcomeFromTheResponder() throws Exception {
        DaemonMetrics m = new DaemonMetrics("9.9.9");
        m.dnsQueries(() -> new DnsServer.Stats(5, 4, 3, 2, 1));
        String text = expose(m);
        assertTrue(text.contains("jovl_dns_queries_total{outcome=\"local\"} 5.0"), text);
        assertTrue(text.contains("jovl_dns_queries_total{outcome=\"forwarded\"} 4.0"), text);
        assertTrue(text.contains("jovl_dns_queries_total{outcome=\"malformed\"} 3.0"), text);
        assertTrue(text.contains("jovl_dns_queries_total{outcome=\"refused\"} 2.0"), text);
        assertTrue(text.contains("jovl_dns_queries_total{outcome=\"rate_limited\"} 1.0"), text);
    }

    /** A bad --metrics-listen stops the daemon before it starts anything, with the reason. */
    @Test
    void anAddressThatCannotBeBoundIsRefusedWithTheReason() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            InetSocketAddress inUse = new InetSocketAddress("127.0.0.1", taken.getLocalPort());
            IllegalStateException e =
                    assertThrows(IllegalStateException.class, () -> DaemonMetrics.checkCanListen(inUse));
            assertTrue(e.getMessage().startsWith("--metrics-listen 127.0.0.1:" + taken.getLocalPort()), e.getMessage());
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
        // TEST-NET-1 (RFC 5737): on no interface of this machine
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> DaemonMetrics.checkCanListen(new InetSocketAddress("192.0.2.77", 9431)));
        assertTrue(e.getMessage().contains("cannot listen there"), e.getMessage());
    }

    @Test
    void healthAndConvergenceAreExposedAndPromtoolAcceptsTheText() throws Exception {
        DaemonMetrics m = new DaemonMetrics("9.9.9");
        m.peersConverged(3_000_000);
        m.endpointPublished(1_000_000);
        m.dnsUpstream("timeout", 2_000_000_000L);
        m.health(() -> List.of(
                new HealthCheck.Verdict("store", true, "reachable"),
                new HealthCheck.Verdict("kernel", false, "2 entries differ")));
        String text = expose(m);
        assertTrue(text.contains("jovl_peer_convergence_seconds_bucket{le=\"0.005\"} 1"), text);
        assertTrue(text.contains("jovl_endpoint_publication_seconds_count 1"), text);
        assertTrue(text.contains("jovl_dns_upstream_errors_total{kind=\"timeout\"} 1.0"), text);
        assertTrue(text.contains("jovl_health{subsystem=\"kernel\"} 0.0"), text);
        Path promtool = Path.of("/usr/bin/promtool");
        if (Files.isExecutable(promtool)) {
            Path file = dir.resolve("metrics.txt");
            Files.writeString(file, text);
            Process p = new ProcessBuilder(promtool.toString(), "check", "metrics")
                    .redirectInput(file.toFile())
                    .redirectErrorStream(true)
                    .start();
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), "promtool check metrics: " + said);
        }
    }
}
