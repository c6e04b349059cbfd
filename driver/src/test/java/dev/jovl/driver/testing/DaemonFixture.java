package dev.jovl.driver.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jovl.driver.Daemon;
import dev.jovl.driver.cli.DaemonOptions;
import dev.jovl.driver.http.Json;
import dev.jovl.kvstore.Store;
import dev.jovl.netlink.testing.TestLab;
import dev.jovl.unixhttp.UnixHttpClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts an in-process daemon whose host is a {@link TestLab.Host}, and talks to it. */
public final class DaemonFixture {
    private DaemonFixture() {}

    /** Options for a daemon of {@code host}: socket and sandboxes under its own run dir, fast loops. */
    public static DaemonOptions options(TestLab lab, TestLab.Host host, String storeUrl, String... extra) {
        Path run = lab.runDir(host.namespace().substring(host.namespace().lastIndexOf('-') + 1));
        List<String> args = new ArrayList<>(List.of(
                "--store",
                storeUrl,
                "--advertise",
                "eth0",
                "--socket",
                run.resolve("jovl.sock").toString(),
                "--run-dir",
                run.toString(),
                "--host-id",
                host.namespace(),
                "--reconcile-interval",
                "1",
                "--lease-ttl",
                "3",
                "--dead-host-grace",
                "3",
                // no Docker here, even on a machine whose own dockerd listens on the default socket:
                // scope global would ask it about its cluster store and swarm (and refuse networks)
                "--docker-socket",
                run.resolve("no-docker.sock").toString()));
        args.addAll(List.of(extra));
        return DaemonOptions.parse(args, Map.of());
    }

    public static Daemon start(DaemonOptions options, TestLab.Host host, Store shared) {
        return Daemon.start(options, host.nsPath(), shared);
    }

    /** A loopback port free now, for a daemon's {@code --metrics-listen} (its exporter runs in the test's namespace). */
    public static int freeLoopbackPort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The metrics served on {@code 127.0.0.1:port}, as Prometheus scrapes them. */
    public static String scrape(int port) {
        try (java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient()) {
            java.net.http.HttpResponse<String> r = client.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics"))
                            .timeout(java.time.Duration.ofSeconds(10))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("scrape of port " + port + ": " + r.statusCode());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The value of one series of a scrape, given as exposed ({@code name{labels}}), or -1 if absent. */
    public static double series(String metrics, String series) {
        return metrics.lines()
                .filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1)))
                .findFirst()
                .orElse(-1);
    }

    /** The sum of a metric's series whose labels contain {@code labelPart} (0 if none). */
    public static double sum(String metrics, String name, String labelPart) {
        return metrics.lines()
                .filter(l -> l.startsWith(name + "{") && l.contains(labelPart))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** Posts and requires 200; the answer as JSON. */
    public static JsonNode ok(Daemon d, String path, String json) {
        UnixHttpClient.Response r = post(d.socket(), path, json);
        if (r.status() != 200) {
            throw new AssertionError(path + " -> " + r.status() + " " + r.body());
        }
        try {
            return Json.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static UnixHttpClient.Response post(Path socket, String path, String json) {
        try (UnixHttpClient c = UnixHttpClient.connect(socket)) {
            return c.post(path, json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
