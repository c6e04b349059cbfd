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
