package dev.jovl.examples;

import static dev.jovl.examples.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every host's jovl serves Prometheus metrics (SimulatedHosts starts it with --metrics-listen):
 * the figures move as the overlay works (a container started on host 1 raises host 2's convergence
 * histogram and its peers gauge), a store outage shows in the store-error counter, the health
 * gauge and {@code jovl status}'s exit status, and every scrape passes {@code promtool check metrics}
 * with no network or endpoint id in it.
 */
@ExtendWith(SharedHosts.class)
class MetricsAndHealthTest {
    private static final String NET = "metrics-net";
    /** pinned, so the peers gauge's label is known */
    private static final String VNI = "4242";

    @AfterEach
    void cleanUp(Cluster c) {
        c.removeContainersQuietly(c.host(1), "metrics-web");
        c.removeContainersQuietly(c.host(2), "metrics-probe");
        c.removeNetworkQuietly(c.host(1), NET);
    }

    @Test
    void figuresMoveWithTheOverlayAndAStoreOutageShows(Cluster c) throws Exception {
        String h1 = c.host(1);
        String h2 = c.host(2);
        String networkId = c.createNetwork(h1, NET, "-o", "jovl.vni=" + VNI);
        c.runShell(h2, "metrics-probe", NET); // host 2 gets a sandbox for the network
        eventually(
                Duration.ofSeconds(20),
                "host 2 programs the network's sandbox",
                () -> value(scrape(c, h2), "jovl_peers_programmed{vni=\"" + VNI + "\"}") >= 0);
        String before2 = scrape(c, h2);
        double converged = value(before2, "jovl_peer_convergence_seconds_count");
        double peers = value(before2, "jovl_peers_programmed{vni=\"" + VNI + "\"}");
        double published = value(scrape(c, h1), "jovl_endpoint_publication_seconds_count");

        c.runWeb(h1, "metrics-web", NET);
        eventually(
                Duration.ofSeconds(20),
                "host 2's convergence histogram counts the container started on host 1",
                () -> value(scrape(c, h2), "jovl_peer_convergence_seconds_count") > converged);
        eventually(
                Duration.ofSeconds(20),
                "host 2's peers gauge counts it",
                () -> value(scrape(c, h2), "jovl_peers_programmed{vni=\"" + VNI + "\"}") >= peers + 1);
        String after1 = scrape(c, h1);
        assertTrue(
                value(after1, "jovl_endpoint_publication_seconds_count") > published,
                "host 1 timed the publication of its container");
        assertTrue(
                value(after1, "jovl_plugin_requests_total{method=\"NetworkDriver.Join\",outcome=\"ok\"}") >= 1,
                "host 1 counted Docker's Join");
        assertTrue(
                after1.contains(
                        "jovl_plugin_request_duration_seconds_bucket{method=\"NetworkDriver.Join\",le=\"+Inf\"}"),
                "and timed it");

        for (String h : c.hosts().hosts()) {
            String m = scrape(c, h);
            HostMetrics.checkExposition(m, h);
            assertFalse(m.contains(networkId.substring(0, 12)), h + ": a network id in the metrics");
        }
        eventually(
                Duration.ofSeconds(40),
                "jovl status on host 1 healthy (exit 0)",
                () -> c.hosts().jovlStatus(h1).succeeded(),
                () -> c.hosts().jovlStatus(h1).describe());

        double unavailable = sum(scrape(c, h1), "jovl_store_errors_total", "kind=\"unavailable\"");
        c.hosts().stopEtcd();
        try {
            eventually(
                    Duration.ofSeconds(60),
                    "host 1 counts store errors while etcd is down",
                    () -> sum(scrape(c, h1), "jovl_store_errors_total", "kind=\"unavailable\"") > unavailable);
            eventually(
                    Duration.ofSeconds(60),
                    "host 1's health gauge says the store is down",
                    () -> value(scrape(c, h1), "jovl_health{subsystem=\"store\"}") == 0);
            CommandResult status = c.hosts().jovlStatus(h1);
            assertFalse(
                    status.succeeded(), "jovl status exits non-zero while the store is down:\n" + status.describe());
            assertTrue(
                    status.out().lines().anyMatch(l -> l.startsWith("store:") && l.contains("UNHEALTHY")),
                    status.describe());
        } finally {
            c.hosts().startEtcd();
        }
        eventually(
                Duration.ofSeconds(60),
                "host 1's health gauge recovers with the store",
                () -> value(scrape(c, h1), "jovl_health{subsystem=\"store\"}") == 1);
        HostMetrics.checkExposition(scrape(c, h1), h1);
    }

    /**
     * Metrics whose series exist only with their object (a pool, a sandbox, a watch's first event);
     * every other family is in every scrape, failure counters at 0 (DaemonMetricsTest).
     */
    private static final java.util.Set<String> CONDITIONAL = java.util.Set.of(
            "jovl_ipam_pool_addresses",
            "jovl_ipam_pool_addresses_in_use",
            "jovl_peers_programmed",
            "jovl_store_watch_last_event_age_seconds");

    /**
     * The Grafana dashboard's queries are valid PromQL ({@code promtool check rules} on them as
     * recording rules) and name only metrics jovl serves.
     */
    @Test
    void dashboardQueriesAreValidAndNameServedMetrics(Cluster c) throws Exception {
        Path dashboard = c.hosts().repoRoot().resolve("examples/grafana/jovl-dashboard.json");
        com.fasterxml.jackson.databind.JsonNode d =
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(dashboard.toFile());
        List<String> exprs = new java.util.ArrayList<>();
        d.get("panels").forEach(p -> {
            if (p.has("targets")) {
                p.get("targets").forEach(t -> exprs.add(t.get("expr").asText()));
            }
        });
        assertTrue(exprs.size() > 20, "queries: " + exprs.size());
        StringBuilder rules = new StringBuilder("groups:\n- name: dashboard\n  rules:\n");
        for (int i = 0; i < exprs.size(); i++) {
            String e = exprs.get(i).replace("$__rate_interval", "1m").replace("$instance", ".*");
            rules.append("  - record: dashboard:")
                    .append(i)
                    .append("\n    expr: ")
                    .append(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(e))
                    .append('\n');
        }
        Path file = Files.createTempFile("jovl-dashboard", ".yml");
        try {
            Files.writeString(file, rules);
            CommandResult r = Commands.run(
                    Duration.ofSeconds(30), java.util.Map.of(), List.of("promtool", "check", "rules", file.toString()));
            assertEquals(0, r.exitCode(), r.describe());
        } finally {
            Files.deleteIfExists(file);
        }
        String served = scrape(c, c.host(1));
        Matcher names =
                Pattern.compile("\\b(jovl_[a-z_]+|jvm_[a-z_]+|process_[a-z_]+)").matcher(String.join("\n", exprs));
        while (names.find()) {
            String name = names.group(1).replaceAll("_(bucket|count|sum)$", "");
            assertTrue(
                    CONDITIONAL.contains(name) || served.contains("\n" + name),
                    "the dashboard asks for " + name + ", which jovl does not serve");
        }
    }

    private static String scrape(Cluster c, String host) {
        return HostMetrics.scrape(c.hosts(), host);
    }

    private static double value(String metrics, String series) {
        return HostMetrics.value(metrics, series);
    }

    private static double sum(String metrics, String name, String labelPart) {
        return HostMetrics.sum(metrics, name, labelPart);
    }
}
