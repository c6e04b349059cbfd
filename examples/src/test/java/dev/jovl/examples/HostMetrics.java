package dev.jovl.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A host's jovl metrics as Prometheus scrapes them, and the checks every scrape must pass: valid
 * exposition ({@code promtool check metrics}) and no id as a label value.
 */
final class HostMetrics {
    /** A label value that looks like a Docker id (network, endpoint, container): 12 hex digits or more. */
    private static final Pattern ID_LABEL = Pattern.compile("\"[0-9a-f]{12,}\"");

    private HostMetrics() {}

    /** How long a scrape waits for the exporter: a daemon serves metrics last, after the plugin socket. */
    private static final Duration EXPORTER_START = Duration.ofSeconds(30);

    static String scrape(SimulatedHosts hosts, String host) {
        long deadline = System.nanoTime() + EXPORTER_START.toNanos();
        CommandResult r = hosts.scrape(host);
        while (r.exitCode() == CURL_COULD_NOT_CONNECT && System.nanoTime() < deadline) {
            Cluster.sleep(Duration.ofMillis(200));
            r = hosts.scrape(host);
        }
        return r.orFail().out();
    }

    private static final int CURL_COULD_NOT_CONNECT = 7;

    /** Fails unless {@code promtool check metrics} accepts the scrape and no jovl series has an id as a label. */
    static void checkExposition(String metrics, String host) {
        for (String line : metrics.lines().filter(l -> l.startsWith("jovl_")).toList()) {
            assertFalse(ID_LABEL.matcher(line).find(), host + ": an id as a label: " + line);
        }
        Path file;
        try {
            file = Files.createTempFile("jovl-metrics", ".txt");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try {
            Files.writeString(file, metrics, StandardCharsets.UTF_8);
            CommandResult r = Commands.run(
                    Duration.ofSeconds(30), Map.of(), List.of("sh", "-c", "promtool check metrics < " + file));
            assertEquals(0, r.exitCode(), host + ": promtool check metrics\n" + r.describe());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (java.io.IOException e) {
                // a temp file left behind
            }
        }
    }

    /** The value of one series given with its labels as exposed, or -1 if it is absent. */
    static double value(String metrics, String series) {
        Matcher m =
                Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    /** The sum of a metric's series whose labels contain {@code labelPart} (0 if none). */
    static double sum(String metrics, String name, String labelPart) {
        return metrics.lines()
                .filter(l -> l.startsWith(name + "{") && l.contains(labelPart))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** Per host: when its jovl started and how many Docker requests it has answered since. */
    record Requests(double startedAt, double answered) {}

    static Map<String, Requests> requests(SimulatedHosts hosts) {
        Map<String, Requests> out = new java.util.TreeMap<>();
        for (String h : hosts.hosts()) {
            String m = scrape(hosts, h);
            out.put(
                    h,
                    new Requests(
                            value(m, "process_start_time_seconds"), sum(m, "jovl_plugin_requests_total", "method=")));
        }
        return out;
    }

    /** Whether any host answered Docker requests between the two readings (a restarted jovl counts from 0). */
    static boolean anyAnswered(Map<String, Requests> before, Map<String, Requests> after) {
        return after.entrySet().stream().anyMatch(e -> {
            Requests b = before.get(e.getKey());
            Requests a = e.getValue();
            boolean restarted = b == null || b.startedAt() != a.startedAt();
            return a.answered() > (restarted ? 0 : b.answered());
        });
    }
}
