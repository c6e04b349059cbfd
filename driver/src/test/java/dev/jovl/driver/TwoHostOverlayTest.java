package dev.jovl.driver;

import static dev.jovl.driver.testing.DaemonFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jovl.driver.testing.DaemonFixture;
import dev.jovl.driver.testing.Eventually;
import dev.jovl.kvstore.testing.EtcdServer;
import dev.jovl.netlink.testing.Shell;
import dev.jovl.netlink.testing.TestLab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two simulated hosts (each its own namespace with eth0 on a veth underlay), one in-process
 * daemon each (netlink in the host's namespace), with a real etcd; the test plays Docker: it drives the API and moves each container end into
 * a "container" namespace. Checks a ping across VXLAN, exactly one FDB and one neighbour entry
 * per remote endpoint, removal and replacement of entries, drift repair, and restart without
 * loss.
 */
class TwoHostOverlayTest {
    private static final Duration CONVERGE = Duration.ofSeconds(10);
    private static final String NET = "net2hosts0000000000000000000000000000000000000000000000000000000";

    private TestLab lab;
    private EtcdServer etcd;
    private TestLab.Host h1;
    private TestLab.Host h2;
    private Daemon d1;
    private Daemon d2;

    @BeforeEach
    void setUp() throws IOException {
        lab = new TestLab();
        h1 = lab.host();
        h2 = lab.host();
        etcd = EtcdServer.start();
        d1 = DaemonFixture.start(options(h1), h1, null);
        d2 = DaemonFixture.start(options(h2), h2, null);
    }

    /** Grace 0: a sandbox goes with its last container, which is what this test checks. */
    private dev.jovl.driver.cli.DaemonOptions options(TestLab.Host h) {
        return DaemonFixture.options(lab, h, etcd.url(), "--sandbox-idle-grace", "0");
    }

    @AfterEach
    void tearDown() {
        for (Daemon d : new Daemon[] {d1, d2}) {
            if (d != null) {
                d.close();
            }
        }
        lab.close();
        etcd.close();
    }

    /** CreateEndpoint + Join on {@code d}, then plays Docker: moves the interface into a new container. */
    private String[] startContainer(Daemon d, TestLab.Host host, String role, String endpointId, String cidr)
            throws IOException {
        return startContainer(d, host, role, endpointId, cidr, "");
    }

    private String[] startContainer(
            Daemon d, TestLab.Host host, String role, String endpointId, String cidr, String givenMac)
            throws IOException {
        JsonNode created = ok(
                d,
                "/NetworkDriver.CreateEndpoint",
                "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"" + endpointId + "\",\"Interface\":{\"Address\":\""
                        + cidr + "\",\"MacAddress\":\"" + givenMac + "\"}}");
        String mac =
                givenMac.isEmpty() ? created.get("Interface").get("MacAddress").asText() : givenMac;
        JsonNode joined = ok(
                d,
                "/NetworkDriver.Join",
                "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"" + endpointId + "\",\"SandboxKey\":\"/x\"}");
        String ns = lab.plugContainer(
                host, role, joined.get("InterfaceName").get("SrcName").asText(), cidr);
        return new String[] {ns, mac};
    }

    private void stopContainer(Daemon d, String endpointId) throws IOException {
        ok(d, "/NetworkDriver.Leave", "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"" + endpointId + "\"}");
        ok(d, "/NetworkDriver.DeleteEndpoint", "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"" + endpointId + "\"}");
    }

    private Path sandbox(Daemon d) {
        return d.socket().getParent().resolve("netns/jovl-" + NET);
    }

    private List<String> neighbours(Daemon d) {
        return Shell.lines(
                "nsenter", "--net=" + sandbox(d), "ip", "neigh", "show", "dev", "vxlan0", "nud", "permanent");
    }

    private List<String> fdb(Daemon d) {
        return Shell.lines("nsenter", "--net=" + sandbox(d), "bridge", "fdb", "show", "dev", "vxlan0").stream()
                .filter(l -> l.contains(" dst "))
                .toList();
    }

    @Test
    void containersOnTwoHostsPingAcrossVxlanAndEntriesFollowTheStore() throws Exception {
        // cluster-store mode: the network is created on host 1 only; host 2 finds it in the store
        ok(
                d1,
                "/NetworkDriver.CreateNetwork",
                "{\"NetworkID\":\"" + NET + "\",\"Options\":{\"com.docker.network.generic\":"
                        + "{\"jovl.vni\":\"777\"}},\"IPv4Data\":[{\"Pool\":\"10.44.0.0/24\",\"Gateway\":\"10.44.0.1/24\"}]}");
        String[] c1 = startContainer(d1, h1, "c1", "ep1aaaaaaaaaaaaaaaa", "10.44.0.2/24");
        String[] c2 = startContainer(d2, h2, "c2", "ep2bbbbbbbbbbbbbbbb", "10.44.0.3/24");

        try {
            Eventually.assertThat("c1 pings c2 across VXLAN", CONVERGE, () -> TestLab.ping(c1[0], "10.44.0.3"));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + diagnostics(c1[0], c2[0]), e);
        }
        assertTrue(TestLab.ping(c2[0], "10.44.0.2"), "and back");

        // exactly one neighbour and one FDB entry per remote endpoint, pointing at the right VTEP
        List<String> n1 = neighbours(d1);
        assertEquals(1, n1.size(), n1.toString());
        assertTrue(n1.get(0).startsWith("10.44.0.3 lladdr " + c2[1]), n1.toString());
        List<String> f1 = fdb(d1);
        assertEquals(1, f1.size(), f1.toString());
        assertTrue(f1.get(0).startsWith(c2[1] + " dst " + h2.ip()), f1.toString());
        assertEquals(1, neighbours(d2).size());
        assertTrue(fdb(d2).get(0).startsWith(c1[1] + " dst " + h1.ip()), fdb(d2).toString());

        // jovl peers / jovl status: store and kernel side by side, nothing differs
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int rc = dev.jovl.driver.cli.StatusCommand.peers(
                List.of(NET.substring(0, 12), "--socket", d1.socket().toString()),
                java.util.Map.of(),
                new java.io.PrintStream(out, true));
        String peers = out.toString();
        assertEquals(0, rc, peers);
        assertTrue(
                peers.contains("10.44.0.3") && peers.contains(c2[1]) && peers.contains("2 entries, 0 differences"),
                peers);
        out.reset();
        rc = dev.jovl.driver.cli.StatusCommand.status(
                List.of("--socket", d1.socket().toString()), java.util.Map.of(), new java.io.PrintStream(out, true));
        assertEquals(0, rc, out.toString());
        assertTrue(out.toString().contains(h2.namespace()) && out.toString().contains("777"), out.toString());

        // the container on host 2 goes: host 1's entries go with it
        stopContainer(d2, "ep2bbbbbbbbbbbbbbbb");
        Eventually.assertThat(
                "host 1 dropped the entries of the removed endpoint",
                CONVERGE,
                () -> neighbours(d1).isEmpty() && fdb(d1).isEmpty());
        Eventually.assertThat(
                "host 2's last endpoint gone: its sandbox went too (grace 0)",
                CONVERGE,
                () -> !Files.exists(sandbox(d2)));

        // a generated MAC is derived from the address (as Docker's overlay does), so a container
        // coming back at the same address keeps the MAC and other containers' ARP caches stay right
        assertEquals("02:42:0a:2c:00:03", c2[1]);
        // it comes back with the same address and another (user-given) MAC: host 1's entries are replaced
        lab.removeContainer(c2[0]);
        String[] c2b = startContainer(d2, h2, "c2b", "ep3cccccccccccccccc", "10.44.0.3/24", "02:aa:bb:cc:dd:03");
        Eventually.assertThat(
                "host 1 replaced the entries",
                CONVERGE,
                () -> neighbours(d1).size() == 1
                        && neighbours(d1).get(0).contains(c2b[1])
                        && fdb(d1).size() == 1
                        && fdb(d1).get(0).startsWith(c2b[1]));
        // the container's own ARP cache still holds the old MAC: that is Docker's world, not jovl's
        Shell.ok("ip", "-n", c1[0], "neigh", "flush", "all");
        Eventually.assertThat(
                "c1 reaches the new container at the old address", CONVERGE, () -> TestLab.ping(c1[0], "10.44.0.3"));

        // drift: an entry deleted by hand comes back, a stray one goes (periodic reconcile, 1 s here)
        Shell.ok("nsenter", "--net=" + sandbox(d1), "bridge", "fdb", "del", c2b[1], "dev", "vxlan0", "dst", h2.ip());
        Shell.ok(
                "nsenter",
                "--net=" + sandbox(d1),
                "ip",
                "neigh",
                "add",
                "10.44.0.99",
                "lladdr",
                "02:00:00:00:00:99",
                "dev",
                "vxlan0",
                "nud",
                "permanent");
        Eventually.assertThat(
                "reconcile repaired the kernel both ways",
                CONVERGE,
                () -> fdb(d1).size() == 1
                        && neighbours(d1).size() == 1
                        && neighbours(d1).get(0).startsWith("10.44.0.3 "));

        // restart host 1's daemon while pinging: traffic keeps flowing, the sandbox is adopted
        d1.close();
        assertTrue(TestLab.ping(c1[0], "10.44.0.3"), "traffic flows while the daemon is away");
        long before = inode(sandbox(d2));
        d1 = DaemonFixture.start(options(h1), h1, null);
        assertTrue(TestLab.ping(c1[0], "10.44.0.3"), "traffic flows after the restart");
        assertEquals(before, inode(sandbox(d2)));
        // and everything works as before: a new container on host 1 reaches host 2
        String[] c3 = startContainer(d1, h1, "c3", "ep4dddddddddddddddd", "10.44.0.4/24");
        Eventually.assertThat(
                "a container started after the restart reaches host 2",
                CONVERGE,
                () -> TestLab.ping(c3[0], "10.44.0.3"));
        assertEquals(2, neighbours(d2).size());
    }

    /** The endpoint's record as host 1's daemon reads it from the store. */
    private boolean pendingInStore(String endpointId) {
        try (dev.jovl.kvstore.Store store = dev.jovl.kvstore.Stores.open(etcd.url())) {
            return new dev.jovl.overlay.state.ClusterState(store)
                    .endpoint(NET, endpointId)
                    .orElseThrow(() -> new AssertionError("no record of " + endpointId))
                    .value()
                    .stillPending();
        }
    }

    @Test
    void anEndpointIsPublishedOnlyOnceItsContainerInterfaceIsUp() throws Exception {
        ok(
                d1,
                "/NetworkDriver.CreateNetwork",
                "{\"NetworkID\":\"" + NET + "\",\"IPv4Data\":[{\"Pool\":\"10.45.0.0/24\"}]}");
        // host 1 needs a sandbox to program anything: one container there
        String[] c1 = startContainer(d1, h1, "p1", "epp1aaaaaaaaaaaaaaa", "10.45.0.2/24");

        // Docker has called CreateEndpoint and Join on host 2, but not yet raised the interface
        ok(
                d2,
                "/NetworkDriver.CreateEndpoint",
                "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"eppendingbbbbbbbbbb\","
                        + "\"Interface\":{\"Address\":\"10.45.0.3/24\"}}");
        JsonNode joined = ok(
                d2,
                "/NetworkDriver.Join",
                "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"eppendingbbbbbbbbbb\",\"SandboxKey\":\"/x\"}");
        // a later, fully started container on host 2 is a barrier: once host 1 has it, it has seen
        // every earlier change of host 2's endpoints (the watch delivers them in order)
        String[] later = startContainer(d2, h2, "p3", "eplatercccccccccccc", "10.45.0.4/24");
        Eventually.assertThat(
                "host 1 programmed the started container",
                CONVERGE,
                () -> neighbours(d1).stream().anyMatch(n -> n.startsWith("10.45.0.4 ")));
        assertTrue(
                neighbours(d1).stream().noneMatch(n -> n.startsWith("10.45.0.3 ")),
                "no entry for an interface that is not up: " + neighbours(d1));
        assertEquals(1, fdb(d1).size(), fdb(d1).toString());
        assertTrue(pendingInStore("eppendingbbbbbbbbbb"));
        assertTrue(!pendingInStore("eplatercccccccccccc"));

        // Docker raises it: host 1 programs it and traffic flows
        String c2 = lab.plugContainer(
                h2, "p2", joined.get("InterfaceName").get("SrcName").asText(), "10.45.0.3/24");
        Eventually.assertThat(
                "host 1 programmed the endpoint once it was up",
                CONVERGE,
                () -> neighbours(d1).stream().anyMatch(n -> n.startsWith("10.45.0.3 ")));
        assertTrue(!pendingInStore("eppendingbbbbbbbbbb"));
        Eventually.assertThat("c1 pings it", CONVERGE, () -> TestLab.ping(c1[0], "10.45.0.3"));
        assertTrue(TestLab.ping(c2, "10.45.0.2"));

        // jovl is away between Join and the interface coming up: the sweep after its restart publishes it
        ok(
                d2,
                "/NetworkDriver.CreateEndpoint",
                "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"eprestartdddddddddd\","
                        + "\"Interface\":{\"Address\":\"10.45.0.5/24\"}}");
        joined = ok(
                d2,
                "/NetworkDriver.Join",
                "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"eprestartdddddddddd\",\"SandboxKey\":\"/x\"}");
        d2.close();
        String c4 = lab.plugContainer(
                h2, "p4", joined.get("InterfaceName").get("SrcName").asText(), "10.45.0.5/24");
        assertTrue(pendingInStore("eprestartdddddddddd"));
        d2 = DaemonFixture.start(DaemonFixture.options(lab, h2, etcd.url()), h2, null);
        Eventually.assertThat(
                "published by the sweep after the restart",
                CONVERGE,
                () -> neighbours(d1).stream().anyMatch(n -> n.startsWith("10.45.0.5 ")));
        Eventually.assertThat("c1 pings it", CONVERGE, () -> TestLab.ping(c1[0], "10.45.0.5"));
        assertTrue(TestLab.ping(c4, "10.45.0.2"));
        assertTrue(later.length == 2);
    }

    private String diagnostics(String... containers) {
        StringBuilder b = new StringBuilder();
        for (Daemon d : new Daemon[] {d1, d2}) {
            b.append("== sandbox ").append(sandbox(d)).append('\n');
            b.append(Shell.run("nsenter", "--net=" + sandbox(d), "ip", "-d", "link")
                    .output());
            b.append(Shell.run("nsenter", "--net=" + sandbox(d), "bridge", "fdb", "show")
                    .output());
            b.append(Shell.run("nsenter", "--net=" + sandbox(d), "ip", "neigh").output());
        }
        for (String c : containers) {
            b.append("== container ").append(c).append('\n');
            b.append(Shell.run("ip", "-n", c, "addr").output());
            b.append(Shell.run("ip", "-n", c, "neigh").output());
        }
        for (TestLab.Host h : new TestLab.Host[] {h1, h2}) {
            b.append("== host ").append(h.namespace()).append('\n');
            b.append(Shell.run("ip", "-n", h.namespace(), "addr").output());
            b.append(Shell.run(
                            "ip",
                            "netns",
                            "exec",
                            h.namespace(),
                            "busybox",
                            "ping",
                            "-c1",
                            "-W1",
                            h == h1 ? h2.ip() : h1.ip())
                    .output());
        }
        return b.toString();
    }

    private static long inode(Path p) throws IOException {
        return (Long) Files.getAttribute(p, "unix:ino");
    }
}
