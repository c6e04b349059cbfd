package dev.jovl.driver.docker;

import static dev.jovl.driver.testing.DaemonFixture.ok;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jovl.driver.Daemon;
import dev.jovl.driver.dns.NameRecord;
import dev.jovl.driver.dns.NameRegistry;
import dev.jovl.driver.testing.DaemonFixture;
import dev.jovl.driver.testing.Eventually;
import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.netlink.testing.Shell;
import dev.jovl.netlink.testing.TestLab;
import dev.jovl.unixhttp.UnixHttpClient.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The daemon in standalone mode ({@code --scope local}) on two simulated hosts sharing one store;
 * the test plays Docker on each host, which gives each its own network id for the same network.
 * Checks that both join one overlay (one VNI, a ping across VXLAN), that a differing network is
 * refused and changes nothing, that the last host to delete its network removes the overlay, and
 * that each daemon's DNS responder answers on its VTEP address.
 */
class StandaloneDaemonTest {
    private static final Duration CONVERGE = Duration.ofSeconds(10);
    private static final String NET_H1 = "1".repeat(64);
    private static final String NET_H2 = "2".repeat(64);
    private static final String NET_BAD = "3".repeat(64);
    private static final String OVERLAY = StandaloneOverlays.overlayId("jsa-stack");

    private TestLab lab;
    private Path storeDir;
    private Store store;
    private TestLab.Host h1;
    private TestLab.Host h2;
    private Daemon d1;
    private Daemon d2;
    /** d1 serves its metrics here */
    private int metricsPort;

    @BeforeEach
    void setUp() throws Exception {
        lab = new TestLab("jsa");
        h1 = lab.host();
        h2 = lab.host();
        storeDir = Files.createTempDirectory("jsa-store");
        store = Stores.open("file:" + storeDir);
        // no Docker here: names come from -o jovl.network; other names go to an unused upstream
        String[] standalone = {
            "--scope",
            "local",
            "--docker-socket",
            storeDir.resolve("no-docker.sock").toString(),
            "--dns-upstream",
            "127.0.0.1:9"
        };
        metricsPort = DaemonFixture.freeLoopbackPort();
        String[] withMetrics = java.util.stream.Stream.concat(
                        java.util.Arrays.stream(standalone),
                        java.util.stream.Stream.of("--metrics-listen", "127.0.0.1:" + metricsPort))
                .toArray(String[]::new);
        d1 = DaemonFixture.start(DaemonFixture.options(lab, h1, "file:" + storeDir, withMetrics), h1, store);
        d2 = DaemonFixture.start(DaemonFixture.options(lab, h2, "file:" + storeDir, standalone), h2, store);
    }

    @AfterEach
    void tearDown() {
        for (Daemon d : new Daemon[] {d1, d2}) {
            if (d != null) {
                d.close();
            }
        }
        store.close();
        lab.close();
        Shell.run("rm", "-rf", storeDir.toString());
    }

    private static String createNetwork(String networkId, String pool) {
        return "{\"NetworkID\":\"" + networkId + "\",\"Options\":{\"com.docker.network.enable_ipv6\":false,"
                + "\"com.docker.network.generic\":{\"jovl.network\":\"jsa-stack\"}},"
                + "\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"" + pool + "\",\"Gateway\":\""
                + pool.replace(".0/24", ".1/24") + "\"}],\"IPv6Data\":[]}";
    }

    private String startContainer(
            Daemon d, TestLab.Host host, String network, String role, String endpointId, String cidr) throws Exception {
        ok(
                d,
                "/NetworkDriver.CreateEndpoint",
                "{\"NetworkID\":\"" + network + "\",\"EndpointID\":\"" + endpointId + "\",\"Interface\":{\"Address\":\""
                        + cidr + "\"}}");
        JsonNode joined = ok(
                d,
                "/NetworkDriver.Join",
                "{\"NetworkID\":\"" + network + "\",\"EndpointID\":\"" + endpointId + "\",\"SandboxKey\":\"/x\"}");
        return lab.plugContainer(
                host, role, joined.get("InterfaceName").get("SrcName").asText(), cidr);
    }

    private void stopContainer(Daemon d, String network, String endpointId) throws Exception {
        ok(d, "/NetworkDriver.Leave", "{\"NetworkID\":\"" + network + "\",\"EndpointID\":\"" + endpointId + "\"}");
        ok(
                d,
                "/NetworkDriver.DeleteEndpoint",
                "{\"NetworkID\":\"" + network + "\",\"EndpointID\":\"" + endpointId + "\"}");
    }

    @Test
    void networksWithTheirOwnIdsOnTwoHostsAreOneOverlay() throws Exception {
        ok(d1, "/NetworkDriver.CreateNetwork", createNetwork(NET_H1, "10.90.0.0/24"));
        ok(d2, "/NetworkDriver.CreateNetwork", createNetwork(NET_H2, "10.90.0.0/24"));
        ok(d2, "/NetworkDriver.CreateNetwork", createNetwork(NET_H2, "10.90.0.0/24")); // Docker resends

        Response refused =
                DaemonFixture.post(d2.socket(), "/NetworkDriver.CreateNetwork", createNetwork(NET_BAD, "10.91.0.0/24"));
        assertNotEquals(200, refused.status());
        assertTrue(
                refused.body()
                        .contains("IPv4 pools: 10.91.0.0/24 gw 10.91.0.1/24 here, 10.90.0.0/24 gw 10.90.0.1/24 there"),
                refused.body());
        assertTrue(
                store.get("jovl/v1/local-networks/" + h2.namespace() + "/" + NET_BAD)
                        .isEmpty(),
                "refused: nothing written");

        assertTrue(store.get("jovl/v1/networks/" + OVERLAY).isPresent(), "one network record for the overlay");
        assertEquals(1, store.list("jovl/v1/vni/").entries().size(), "one VNI");

        String c1 = startContainer(d1, h1, NET_H1, "c1", "ep1aaaaaaaaaaaaaaaa", "10.90.0.2/24");
        String c2 = startContainer(d2, h2, NET_H2, "c2", "ep2bbbbbbbbbbbbbbbb", "10.90.0.3/24");
        assertEquals(
                2,
                store.list("jovl/v1/endpoints/" + OVERLAY + "/").entries().size(),
                "both hosts' endpoints side by side");
        Eventually.assertThat("c1 pings c2 across VXLAN", CONVERGE, () -> TestLab.ping(c1, "10.90.0.3"));
        assertTrue(TestLab.ping(c2, "10.90.0.2"), "and back");

        stopContainer(d1, NET_H1, "ep1aaaaaaaaaaaaaaaa");
        stopContainer(d2, NET_H2, "ep2bbbbbbbbbbbbbbbb");
        stopContainer(d2, NET_H2, "ep2bbbbbbbbbbbbbbbb"); // resent
        ok(d1, "/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"" + NET_H1 + "\"}");
        assertTrue(store.get("jovl/v1/networks/" + OVERLAY).isPresent(), "host 2 still has it");
        ok(d2, "/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"" + NET_H2 + "\"}");
        ok(d2, "/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"" + NET_H2 + "\"}"); // resent
        assertTrue(store.get("jovl/v1/networks/" + OVERLAY).isEmpty(), "the last host removed the overlay's records");
        assertTrue(store.list("jovl/v1/vni/").entries().isEmpty());
        assertTrue(store.list("jovl/v1/overlays/").entries().isEmpty());
        assertTrue(store.list("jovl/v1/local-networks/").entries().isEmpty());
    }

    @Test
    void networkWithoutNameNeedsDockerAndSaysSo() throws Exception {
        ok(
                d1,
                "/NetworkDriver.CreateNetwork",
                "{\"NetworkID\":\"" + NET_H1 + "\",\"IPv4Data\":[{\"Pool\":\"10.92.0.0/24\"}]}");
        Response r = DaemonFixture.post(
                d1.socket(),
                "/NetworkDriver.CreateEndpoint",
                "{\"NetworkID\":\"" + NET_H1
                        + "\",\"EndpointID\":\"ep1aaaaaaaaaaaaaaaa\",\"Interface\":{\"Address\":\"10.92.0.2/24\"}}");
        assertNotEquals(200, r.status());
        assertTrue(r.body().contains("no-docker.sock"), "names the Docker socket it could not ask: " + r.body());
        assertEquals(
                200,
                DaemonFixture.post(
                                d1.socket(),
                                "/NetworkDriver.DeleteEndpoint",
                                "{\"NetworkID\":\"" + NET_H1 + "\",\"EndpointID\":\"ep1aaaaaaaaaaaaaaaa\"}")
                        .status(),
                "nothing to undo is success");
        ok(d1, "/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"" + NET_H1 + "\"}");
        assertTrue(store.list("jovl/v1/").entries().stream()
                .noneMatch(kv -> kv.key().startsWith("jovl/v1/local-networks/")));
    }

    /** Health in standalone mode: the Docker event stream is a verdict of its own (no Docker here: unhealthy). */
    @Test
    void statusSaysDockerEventsAreNotFlowing() {
        JsonNode health = ok(d1, "/Jovl.Status", "{}").get("Health");
        java.util.Map<String, Boolean> verdicts = new java.util.HashMap<>();
        health.forEach(
                v -> verdicts.put(v.get("Subsystem").asText(), v.get("Healthy").asBoolean()));
        assertEquals(Boolean.FALSE, verdicts.get("docker_events"), health.toString());
        assertEquals(Boolean.TRUE, verdicts.get("store"), health.toString());
        assertEquals(Boolean.TRUE, verdicts.get("loops"), health.toString());
        // the same verdicts as metrics, at once: those read from memory are not left to the next
        // refresh of the store-backed figures (every 15 s)
        Eventually.assertThat(
                "jovl_health says the watch is current and Docker's events are not flowing", CONVERGE, () -> {
                    String m = DaemonFixture.scrape(metricsPort);
                    return DaemonFixture.series(m, "jovl_health{subsystem=\"watch\"}") == 1
                            && DaemonFixture.series(m, "jovl_health{subsystem=\"docker_events\"}") == 0
                            && DaemonFixture.series(m, "jovl_health{subsystem=\"store\"}") == 1
                            && DaemonFixture.series(m, "jovl_health{subsystem=\"loops\"}") == 1;
                });
    }

    @Test
    void eachDaemonAnswersNamesOnItsVtepAddress() throws Exception {
        NameRegistry names = new NameRegistry(store);
        try (Lease lease = store.grantLease(Duration.ofSeconds(30))) {
            names.publish(
                    new NameRecord(
                            "jsa-stack",
                            "ep1aaaaaaaaaaaaaaaa",
                            "c1",
                            "web",
                            List.of("www"),
                            "10.90.0.2",
                            null,
                            h1.namespace()),
                    lease);
            for (TestLab.Host h : List.of(h1, h2)) {
                Eventually.assertThat(
                        "the daemon of " + h.namespace() + " answers web.jsa-stack",
                        CONVERGE,
                        () -> h.exec("busybox", "nslookup", "-type=a", "web.jsa-stack", h.ip())
                                .output()
                                .contains("Address: 10.90.0.2"));
            }
            // the figures of h1's responder move: a name answered locally, a name forwarded to an
            // upstream that does not answer (127.0.0.1:9: discard, nothing listens)
            String before = DaemonFixture.scrape(metricsPort);
            h1.exec("busybox", "nslookup", "-type=a", "nowhere.example", h1.ip());
            String after = DaemonFixture.scrape(metricsPort);
            assertTrue(DaemonFixture.series(after, "jovl_dns_queries_total{outcome=\"local\"}") >= 1, after);
            assertTrue(
                    DaemonFixture.series(after, "jovl_dns_queries_total{outcome=\"forwarded\"}")
                            > DaemonFixture.series(before, "jovl_dns_queries_total{outcome=\"forwarded\"}"),
                    after);
            assertTrue(
                    DaemonFixture.sum(after, "jovl_dns_upstream_errors_total", "kind=")
                            > DaemonFixture.sum(before, "jovl_dns_upstream_errors_total", "kind="),
                    after);
            assertTrue(
                    DaemonFixture.series(after, "jovl_dns_upstream_duration_seconds_count")
                            > DaemonFixture.series(before, "jovl_dns_upstream_duration_seconds_count"),
                    after);
            lease.close();
            Eventually.assertThat(
                    "gone with the lease",
                    CONVERGE,
                    () -> !h2.exec("busybox", "nslookup", "-type=a", "web.jsa-stack", h2.ip())
                            .output()
                            .contains("10.90.0.2"));
        }
    }
}
