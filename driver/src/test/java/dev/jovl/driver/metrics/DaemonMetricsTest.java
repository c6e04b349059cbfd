package dev.jovl.driver.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.driver.http.RequestStats;
import dev.jovl.driver.status.HealthCheck;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.Stores;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
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
