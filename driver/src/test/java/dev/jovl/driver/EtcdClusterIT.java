package dev.jovl.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jovl.driver.http.Json;
import dev.jovl.driver.testing.DaemonFixture;
import dev.jovl.driver.testing.DaemonProcess;
import dev.jovl.driver.testing.Eventually;
import dev.jovl.kvstore.testing.EtcdServer;
import dev.jovl.netlink.testing.Shell;
import dev.jovl.netlink.testing.TestLab;
import dev.jovl.unixhttp.UnixHttpClient.Response;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The jar itself, one process per simulated host, with a real etcd: cluster-store mode (network
 * and pool created on host 1 only), a ping across VXLAN, {@code kill -9} of a daemon while
 * traffic flows, an etcd outage and restart, a daemon away past the grace period (reaped, then
 * republishing its running container), and a host that dies for good (its endpoints leave the
 * other kernels, its addresses return to the pool).
 */
class EtcdClusterIT {
    private static final Duration CONVERGE = Duration.ofSeconds(15);
    private static final String NET = "netetcd0000000000000000000000000000000000000000000000000000000000";

    private TestLab lab;
    private EtcdServer etcd;
    private TestLab.Host h1;
    private TestLab.Host h2;
    private DaemonProcess d1;
    private DaemonProcess d2;

    @BeforeEach
    void setUp() {
        lab = new TestLab();
        etcd = EtcdServer.start();
        h1 = lab.host();
        h2 = lab.host();
        d1 = new DaemonProcess(lab, h1, etcd.url()).start();
        d2 = new DaemonProcess(lab, h2, etcd.url()).start();
    }

    @AfterEach
    void tearDown() {
        lab.close();
        etcd.close();
    }

    private static JsonNode ok(DaemonProcess d, String path, String json) throws IOException {
        Response r = DaemonFixture.post(d.socket(), path, json);
        assertEquals(200, r.status(), path + " -> " + r.body() + "\n" + d.logText());
        return Json.MAPPER.readTree(r.body());
    }

    /** RequestAddress, CreateEndpoint and Join on {@code d}, then the interface moved into a container. */
    private String[] runContainer(DaemonProcess d, TestLab.Host host, String role, String poolId, String endpointId)
            throws IOException {
        String cidr = ok(
                        d,
                        "/IpamDriver.RequestAddress",
                        "{\"PoolID\":\"" + poolId + "\",\"Address\":\"\",\"Options\":null}")
                .get("Address")
                .asText();
        ok(
                d,
                "/NetworkDriver.CreateEndpoint",
                "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"" + endpointId + "\",\"Interface\":{\"Address\":\""
                        + cidr + "\",\"AddressIPv6\":\"\",\"MacAddress\":\"\"}}");
        String src = ok(
                        d,
                        "/NetworkDriver.Join",
                        "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"" + endpointId
                                + "\",\"SandboxKey\":\"/x\",\"Options\":{}}")
                .get("InterfaceName")
                .get("SrcName")
                .asText();
        String ns = lab.plugContainer(host, role, src, cidr);
        return new String[] {ns, cidr.substring(0, cidr.indexOf('/'))};
    }

    private static Path sandbox(DaemonProcess d) {
        return d.socket().getParent().resolve("netns/jovl-" + NET);
    }

    private static List<String> fdb(DaemonProcess d) {
        return Shell.lines("nsenter", "--net=" + sandbox(d), "bridge", "fdb", "show", "dev", "vxlan0").stream()
                .filter(l -> l.contains(" dst "))
                .toList();
    }

    @Test
    void clusterSurvivesKillsRestartsAndADeadHost() throws Exception {
        // docker network create, run on host 1 only (cluster-store mode)
        String global = ok(d1, "/IpamDriver.GetDefaultAddressSpaces", "")
                .get("GlobalDefaultAddressSpace")
                .asText();
        String poolId = ok(
                        d1,
                        "/IpamDriver.RequestPool",
                        "{\"AddressSpace\":\"" + global
                                + "\",\"Pool\":\"10.55.0.0/24\",\"SubPool\":\"\",\"Options\":{},\"V6\":false}")
                .get("PoolID")
                .asText();
        ok(
                d1,
                "/IpamDriver.RequestAddress",
                "{\"PoolID\":\"" + poolId
                        + "\",\"Address\":\"10.55.0.1\",\"Options\":{\"RequestAddressType\":\"com.docker.network.gateway\"}}");
        ok(
                d1,
                "/NetworkDriver.CreateNetwork",
                "{\"NetworkID\":\"" + NET + "\",\"Options\":{\"com.docker.network.generic\":{}},"
                        + "\"IPv4Data\":[{\"AddressSpace\":\"" + global
                        + "\",\"Pool\":\"10.55.0.0/24\",\"Gateway\":\"10.55.0.1/24\"}]}");

        // host 2 never saw the network or the pool: it learns both from etcd
        String[] c1 = runContainer(d1, h1, "c1", poolId, "ep1aaaaaaaaaaaaaaaa");
        String[] c2 = runContainer(d2, h2, "c2", poolId, "ep2bbbbbbbbbbbbbbbb");
        Eventually.assertThat("c1 pings c2 across VXLAN", CONVERGE, () -> TestLab.ping(c1[0], c2[1]));
        assertTrue(TestLab.ping(c2[0], c1[1]));

        // kill -9 host 1's daemon while c1 pings c2 every 100 ms: no packet may be lost
        Process pinger = new ProcessBuilder(
                        "ip", "netns", "exec", c1[0], "busybox", "ping", "-i", "0.1", "-c", "60", c2[1])
                .redirectErrorStream(true)
                .start();
        Thread.sleep(1000);
        d1.kill9();
        Thread.sleep(1500);
        d1.start();
        String out = new String(pinger.getInputStream().readAllBytes());
        pinger.waitFor();
        assertTrue(out.contains("60 packets transmitted, 60 packets received"), out);
        assertEquals(1, fdb(d1).size(), "the restarted daemon adopted the sandbox as it was: " + fdb(d1));

        // etcd down: traffic keeps flowing, a request fails within a bounded time with a clear
        // error and writes nothing; then etcd comes back, the watches reconnect
        etcd.stop();
        long t0 = System.nanoTime();
        Response refused = DaemonFixture.post(
                d1.socket(),
                "/NetworkDriver.CreateEndpoint",
                "{\"NetworkID\":\"" + NET
                        + "\",\"EndpointID\":\"epdown\",\"Interface\":{\"Address\":\"10.55.0.200/24\"}}");
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(500, refused.status(), refused.body());
        assertTrue(refused.body().contains("unavailable"), refused.body());
        assertTrue(tookMs < 30_000, "bounded: " + tookMs + " ms");
        assertTrue(TestLab.ping(c1[0], c2[1]), "traffic flows while the store is down");
        etcd.restart();
        Eventually.assertThat(
                "the refused endpoint left nothing behind",
                CONVERGE,
                () -> DaemonFixture.post(
                                        d1.socket(),
                                        "/NetworkDriver.EndpointOperInfo",
                                        "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"epdown\"}")
                                .status()
                        == 400);
        String[] c3 = runContainer(d1, h1, "c3", poolId, "ep3cccccccccccccccc");
        Eventually.assertThat(
                "a container started after kill -9 and an etcd restart reaches host 2",
                CONVERGE,
                () -> TestLab.ping(c3[0], c2[1]));
        Eventually.assertThat("host 2 knows both containers of host 1", CONVERGE, () -> fdb(d2).size() == 2);

        // host 2's daemon stays away past lease TTL + grace: host 1 reaps it and drops its peer ...
        d2.kill9();
        Eventually.assertThat(
                "host 1 dropped the dead host's endpoint", Duration.ofSeconds(45), () -> fdb(d1).isEmpty());
        // ... then it comes back: its still-running container's record is republished (address
        // reclaimed) and host 1 reaches it again
        d2.start();
        Eventually.assertThat(
                "c1 reaches c2 again after host 2 republished it", CONVERGE, () -> TestLab.ping(c1[0], c2[1]));
        assertEquals(1, fdb(d1).size());

        // host 2 dies for good: after lease TTL + grace, host 1 drops its peer and the address is free
        d2.kill9();
        Eventually.assertThat(
                "host 1 dropped the dead host's endpoint", Duration.ofSeconds(45), () -> fdb(d1).isEmpty());
        // endpoints go first (no peer may point at a reused address), then the addresses
        Eventually.assertThat(
                "the dead host's address is free again",
                CONVERGE,
                () -> DaemonFixture.post(
                                        d1.socket(),
                                        "/IpamDriver.RequestAddress",
                                        "{\"PoolID\":\"" + poolId + "\",\"Address\":\"" + c2[1]
                                                + "\",\"Options\":null}")
                                .status()
                        == 200);
        assertTrue(TestLab.ping(c1[0], c3[1]), "local traffic on host 1 is untouched");
    }
}
