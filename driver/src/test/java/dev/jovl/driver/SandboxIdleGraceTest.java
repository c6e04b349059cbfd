package dev.jovl.driver;

import static dev.jovl.driver.testing.DaemonFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jovl.driver.testing.DaemonFixture;
import dev.jovl.driver.testing.Eventually;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.netlink.testing.Shell;
import dev.jovl.netlink.testing.TestLab;
import dev.jovl.overlay.SandboxNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sandbox idle grace and the background veth deletion, on two simulated hosts sharing one
 * embedded store: host 1 keeps an idle sandbox for 300 s, host 2 for 1 s. The test plays Docker,
 * including what Docker does at Leave: the container end comes back to the host namespace under
 * its original name. No timing is asserted: "kept" is checked well inside a 300 s grace, "removed"
 * is waited for.
 */
class SandboxIdleGraceTest {
    private static final Duration CONVERGE = Duration.ofSeconds(15);
    private static final String NET = "netidle0000000000000000000000000000000000000000000000000000000000";

    private TestLab lab;
    private Path storeDir;
    private Store store;
    private TestLab.Host h1;
    private TestLab.Host h2;
    private Daemon d1;
    private Daemon d2;

    @BeforeEach
    void setUp() throws IOException {
        lab = new TestLab("idg");
        h1 = lab.host();
        h2 = lab.host();
        storeDir = Files.createTempDirectory("idg-store");
        store = Stores.open("file:" + storeDir);
        d1 = DaemonFixture.start(
                DaemonFixture.options(lab, h1, "file:" + storeDir, "--sandbox-idle-grace", "300"), h1, store);
        d2 = DaemonFixture.start(
                DaemonFixture.options(lab, h2, "file:" + storeDir, "--sandbox-idle-grace", "1"), h2, store);
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

    /** A container on a host: its namespace, its MAC, and the interface name jovl gave it. */
    private record Container(String ns, String mac, String srcName) {}

    private void createNetwork() throws IOException {
        ok(
                d1,
                "/NetworkDriver.CreateNetwork",
                "{\"NetworkID\":\"" + NET + "\",\"Options\":{\"com.docker.network.generic\":"
                        + "{\"jovl.vni\":\"4242\"}},\"IPv4Data\":[{\"Pool\":\"10.55.0.0/24\",\"Gateway\":\"10.55.0.1/24\"}]}");
    }

    private Container start(Daemon d, TestLab.Host host, String role, String endpointId, String cidr)
            throws IOException {
        JsonNode created = ok(
                d,
                "/NetworkDriver.CreateEndpoint",
                "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"" + endpointId + "\",\"Interface\":{\"Address\":\""
                        + cidr + "\"}}");
        JsonNode joined = ok(
                d,
                "/NetworkDriver.Join",
                "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"" + endpointId + "\",\"SandboxKey\":\"/x\"}");
        String src = joined.get("InterfaceName").get("SrcName").asText();
        return new Container(
                lab.plugContainer(host, role, src, cidr),
                created.get("Interface").get("MacAddress").asText(),
                src);
    }

    /** Leave, then what Docker does: the interface back to the host namespace under its name; then DeleteEndpoint. */
    private void stopLikeDocker(Daemon d, TestLab.Host host, Container c, String endpointId) throws IOException {
        String ids = "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"" + endpointId + "\"}";
        ok(d, "/NetworkDriver.Leave", ids);
        Shell.ok("ip", "-n", c.ns(), "link", "set", "eth0", "down");
        Shell.ok("ip", "-n", c.ns(), "link", "set", "eth0", "name", c.srcName());
        Shell.ok("ip", "-n", c.ns(), "link", "set", c.srcName(), "netns", host.namespace());
        ok(d, "/NetworkDriver.DeleteEndpoint", ids);
    }

    /** Leave and DeleteEndpoint while the interface is still in the container (the sandbox end must go). */
    private void stopInPlace(Daemon d, String endpointId) throws IOException {
        String ids = "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"" + endpointId + "\"}";
        ok(d, "/NetworkDriver.Leave", ids);
        ok(d, "/NetworkDriver.DeleteEndpoint", ids);
    }

    private static Path sandbox(Daemon d) {
        return d.socket().getParent().resolve("netns/jovl-" + NET);
    }

    private static long inode(Path p) throws IOException {
        return (long) Files.getAttribute(p, "unix:ino");
    }

    /** Names of the links in a namespace (a host's, given by name, or a sandbox, given by path). */
    private static List<String> links(String hostNs) {
        return names(Shell.lines("ip", "-n", hostNs, "-o", "link", "show"));
    }

    private static List<String> sandboxLinks(Daemon d) {
        return names(Shell.lines("nsenter", "--net=" + sandbox(d), "ip", "-o", "link", "show"));
    }

    private static List<String> names(List<String> ipOneline) {
        return ipOneline.stream().map(l -> l.split(": ")[1].split("@")[0]).toList();
    }

    private static boolean noJovlVeth(List<String> names) {
        return names.stream().noneMatch(n -> n.startsWith("jv") || n.startsWith("ve"));
    }

    @Test
    void idleSandboxIsKeptCurrentReusedAndRemovedAfterTheGraceOrAtDeleteNetwork() throws Exception {
        createNetwork();
        Container c1 = start(d1, h1, "c1", "ep1aaaaaaaaaaaaaaaa", "10.55.0.2/24");
        Container c2 = start(d2, h2, "c2", "ep2bbbbbbbbbbbbbbbb", "10.55.0.3/24");
        Eventually.assertThat("c1 pings c2", CONVERGE, () -> TestLab.ping(c1.ns(), "10.55.0.3"));
        long sandboxInode = inode(sandbox(d1));

        // host 1's last container goes: its veth pair is deleted (in the background), the sandbox stays
        stopLikeDocker(d1, h1, c1, "ep1aaaaaaaaaaaaaaaa");
        Eventually.assertThat(
                "c1's veth pair deleted on host 1",
                CONVERGE,
                () -> noJovlVeth(links(h1.namespace())) && noJovlVeth(sandboxLinks(d1)));
        assertTrue(Files.exists(sandbox(d1)), "the idle sandbox is kept for the grace (300 s)");
        assertEquals(sandboxInode, inode(sandbox(d1)));
        ok(
                d1,
                "/NetworkDriver.DeleteEndpoint",
                "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"ep1aaaaaaaaaaaaaaaa\"}");

        // while idle, peer sync keeps it current: a new container on host 2 gets its entries there
        Container c3 = start(d2, h2, "c3", "ep3cccccccccccccccc", "10.55.0.4/24");
        Eventually.assertThat(
                "the idle sandbox on host 1 learned c3",
                CONVERGE,
                () -> Shell.ok("nsenter", "--net=" + sandbox(d1), "ip", "neigh", "show", "dev", "vxlan0")
                                .contains("10.55.0.4 lladdr " + c3.mac())
                        && Shell.ok("nsenter", "--net=" + sandbox(d1), "bridge", "fdb", "show", "dev", "vxlan0")
                                .contains(c3.mac() + " dst " + h2.ip()));

        // a new container on host 1 reuses the sandbox (same namespace) and reaches both at once
        Container c4 = start(d1, h1, "c4", "ep4dddddddddddddddd", "10.55.0.5/24");
        assertEquals(sandboxInode, inode(sandbox(d1)), "the idle sandbox was reused, not rebuilt");
        Eventually.assertThat("c4 pings c3", CONVERGE, () -> TestLab.ping(c4.ns(), "10.55.0.4"));
        assertTrue(TestLab.ping(c4.ns(), "10.55.0.3"), "and c2");

        // host 2's containers go (one the Docker way, one with its interface still in the container):
        // its sandbox is removed once idle for its 1 s grace, and no veth is left behind
        stopLikeDocker(d2, h2, c2, "ep2bbbbbbbbbbbbbbbb");
        stopInPlace(d2, "ep3cccccccccccccccc");
        Eventually.assertThat("host 2's sandbox removed after its grace", CONVERGE, () -> !Files.exists(sandbox(d2)));
        Eventually.assertThat("no veth left on host 2", CONVERGE, () -> noJovlVeth(links(h2.namespace())));
        Eventually.assertThat(
                "host 1 dropped the entries of host 2's containers",
                CONVERGE,
                () -> Shell.lines(
                                "nsenter",
                                "--net=" + sandbox(d1),
                                "ip",
                                "neigh",
                                "show",
                                "dev",
                                "vxlan0",
                                "nud",
                                "permanent")
                        .isEmpty());

        // host 1: DeleteNetwork removes the sandbox at once, idle grace or not, deletion pending or not
        stopLikeDocker(d1, h1, c4, "ep4dddddddddddddddd");
        ok(d1, "/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"" + NET + "\"}");
        assertFalse(Files.exists(sandbox(d1)), "DeleteNetwork removed the sandbox at once");
        Eventually.assertThat("no veth left on host 1", CONVERGE, () -> noJovlVeth(links(h1.namespace())));
        ok(d2, "/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"" + NET + "\"}");
    }

    @Test
    void aJoinReusingTheNamesOfAPendingDeletionGetsAPairThatStays() throws Exception {
        createNetwork();
        Container c1 = start(d1, h1, "c1", "ep1aaaaaaaaaaaaaaaa", "10.55.0.2/24");
        // the same endpoint id again right after its DeleteEndpoint (Docker never does this, a
        // resend or a test may): the new Join must not take the old pair, still being deleted, for its own
        stopLikeDocker(d1, h1, c1, "ep1aaaaaaaaaaaaaaaa");
        JsonNode joined;
        ok(
                d1,
                "/NetworkDriver.CreateEndpoint",
                "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"ep1aaaaaaaaaaaaaaaa\","
                        + "\"Interface\":{\"Address\":\"10.55.0.2/24\"}}");
        joined = ok(
                d1,
                "/NetworkDriver.Join",
                "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"ep1aaaaaaaaaaaaaaaa\"," + "\"SandboxKey\":\"/x\"}");
        String src = joined.get("InterfaceName").get("SrcName").asText();
        assertTrue(links(h1.namespace()).contains(src), "the new pair exists when Join answers");
        // deletions run in order: once a later one is done, the earlier one is long finished
        Container c2 = start(d1, h1, "c2", "ep2bbbbbbbbbbbbbbbb", "10.55.0.3/24");
        stopLikeDocker(d1, h1, c2, "ep2bbbbbbbbbbbbbbbb");
        Eventually.assertThat(
                "the later deletion is done",
                CONVERGE,
                () -> !links(h1.namespace()).contains(c2.srcName())
                        && !sandboxLinks(d1).contains(SandboxNames.sandboxEnd("ep2bbbbbbbbbbbbbbbb")));
        assertTrue(links(h1.namespace()).contains(src), "the new pair was not deleted as the old one");
        assertTrue(
                sandboxLinks(d1).contains(SandboxNames.sandboxEnd("ep1aaaaaaaaaaaaaaaa")),
                "its sandbox end is on the bridge");
    }

    @Test
    void idleSandboxOfANetworkDeletedOnAnotherHostGoesAtOnce() throws Exception {
        createNetwork();
        Container c1 = start(d1, h1, "c1", "ep1aaaaaaaaaaaaaaaa", "10.55.0.2/24");
        stopLikeDocker(d1, h1, c1, "ep1aaaaaaaaaaaaaaaa");
        Eventually.assertThat("c1's veth pair deleted", CONVERGE, () -> noJovlVeth(sandboxLinks(d1)));
        assertTrue(Files.exists(sandbox(d1)), "idle, within its 300 s grace");
        // Docker sends DeleteNetwork only to the host where `docker network rm` ran
        ok(d2, "/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"" + NET + "\"}");
        Eventually.assertThat(
                "host 1 removed the sandbox of the network deleted on host 2",
                CONVERGE,
                () -> !Files.exists(sandbox(d1)));
        assertTrue(noJovlVeth(links(h1.namespace())));
    }

    @Test
    void leftoverVethIsSweptAndStoppingJovlRemovesTheIdleSandbox() throws Exception {
        createNetwork();
        Container c1 = start(d1, h1, "c1", "ep1aaaaaaaaaaaaaaaa", "10.55.0.2/24");
        stopLikeDocker(d1, h1, c1, "ep1aaaaaaaaaaaaaaaa");
        String sb = sandbox(d1).toString();

        // a pair no endpoint claims, its container end in the host namespace: a deletion that never
        // finished; and one whose container end is in a container: a running container, kept
        Shell.ok(
                "nsenter",
                "--net=" + sb,
                "ip",
                "link",
                "add",
                "veleftover00",
                "type",
                "veth",
                "peer",
                "name",
                "jvleftover00",
                "netns",
                h1.namespace());
        Shell.ok("nsenter", "--net=" + sb, "ip", "link", "set", "veleftover00", "master", "br0", "up");
        String running = lab.namespace("run");
        Shell.ok(
                "nsenter",
                "--net=" + sb,
                "ip",
                "link",
                "add",
                "verunning000",
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                running);
        Shell.ok("nsenter", "--net=" + sb, "ip", "link", "set", "verunning000", "master", "br0", "up");
        Eventually.assertThat(
                "the periodic sweep removed the leftover pair",
                CONVERGE,
                () -> !links(h1.namespace()).contains("jvleftover00")
                        && !sandboxLinks(d1).contains("veleftover00"));
        assertTrue(sandboxLinks(d1).contains("verunning000"), "a veth whose other end is in a container is kept");
        assertTrue(Files.exists(sandbox(d1)), "the sandbox is kept (a container uses it, and the grace is 300 s)");

        // the "container" goes (its pair dies with it): the sandbox is idle; stopping jovl removes it
        Shell.ok("ip", "netns", "del", running);
        Eventually.assertThat(
                "the running pair died with its container",
                CONVERGE,
                () -> !sandboxLinks(d1).contains("verunning000"));
        assertTrue(Files.exists(sandbox(d1)), "idle, within its grace");
        d1.close();
        Path gone = sandbox(d1);
        d1 = null;
        assertFalse(Files.exists(gone), "a stopped jovl leaves no idle sandbox behind");
    }
}
