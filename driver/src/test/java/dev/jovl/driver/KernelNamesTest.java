package dev.jovl.driver;

import static dev.jovl.driver.testing.DaemonFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.driver.testing.DaemonFixture;
import dev.jovl.driver.testing.Eventually;
import dev.jovl.netlink.testing.Shell;
import dev.jovl.netlink.testing.TestLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kernel names for every id Docker may send: a 128-character network id gets a sandbox (its
 * plain name would not fit a namespace file name) that a restarted daemon still attributes to
 * it, and endpoints whose ids share their first 11 characters get veths of their own, so deleting
 * one leaves the other's. Both failed before names were hashed (500 on Join; one shared veth).
 */
class KernelNamesTest {
    private static final String LONG_NET = "n".repeat(120) + "12345678";
    private static final String EP_A = "sharedprefix" + "a".repeat(52);
    private static final String EP_B = "sharedprefix" + "b".repeat(52);

    @TempDir
    Path storeDir;

    private TestLab lab;
    private TestLab.Host host;
    private Daemon daemon;

    @BeforeEach
    void start() {
        lab = new TestLab();
        host = lab.host();
        daemon = startDaemon();
    }

    private Daemon startDaemon() {
        return DaemonFixture.start(
                DaemonFixture.options(lab, host, "file:" + storeDir, "--sandbox-idle-grace", "0"), host, null);
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
        lab.close();
    }

    private Path netnsDir() {
        return daemon.socket().getParent().resolve("netns");
    }

    private List<String> namespaces() throws Exception {
        try (Stream<Path> s = Files.list(netnsDir())) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    private String join(String endpoint, String cidr) {
        ok(
                daemon,
                "/NetworkDriver.CreateEndpoint",
                "{\"NetworkID\":\"" + LONG_NET + "\",\"EndpointID\":\"" + endpoint + "\",\"Interface\":{\"Address\":\""
                        + cidr + "\"}}");
        return ok(
                        daemon,
                        "/NetworkDriver.Join",
                        "{\"NetworkID\":\"" + LONG_NET + "\",\"EndpointID\":\"" + endpoint
                                + "\",\"SandboxKey\":\"/x\"}")
                .get("InterfaceName")
                .get("SrcName")
                .asText();
    }

    @Test
    void longNetworkIdsAndEndpointIdsSharingAPrefixGetNamesOfTheirOwn() throws Exception {
        ok(
                daemon,
                "/NetworkDriver.CreateNetwork",
                "{\"NetworkID\":\"" + LONG_NET + "\",\"Options\":{},"
                        + "\"IPv4Data\":[{\"Pool\":\"10.45.0.0/24\",\"Gateway\":\"10.45.0.1/24\"}]}");
        String a = join(EP_A, "10.45.0.2/24");
        String b = join(EP_B, "10.45.0.3/24");
        assertNotEquals(a, b, "one veth per endpoint");
        assertTrue(a.length() <= 15 && b.length() <= 15, a + " " + b);
        List<String> ns = namespaces();
        assertEquals(1, ns.size(), ns.toString());
        String sandbox = ns.getFirst();
        assertTrue(sandbox.length() <= 128 && sandbox.startsWith("jovl-_"), sandbox);
        lab.plugContainer(host, "ca", a, "10.45.0.2/24"); // A runs in a container
        lab.plugContainer(host, "cb", b, "10.45.0.3/24");

        // a restarted daemon adopts the hashed sandbox as the long network's, and keeps it
        daemon.close();
        daemon = startDaemon();
        ok(
                daemon,
                "/NetworkDriver.EndpointOperInfo",
                "{\"NetworkID\":\"" + LONG_NET + "\",\"EndpointID\":\"" + EP_A + "\"}");
        assertEquals(List.of(sandbox), namespaces());

        // deleting A (its container end back in the host, as Docker does after Leave) leaves B's pair
        Shell.ok("ip", "-n", lab.tag() + "-ca", "link", "set", "eth0", "netns", host.namespace(), "name", a);
        ok(daemon, "/NetworkDriver.Leave", "{\"NetworkID\":\"" + LONG_NET + "\",\"EndpointID\":\"" + EP_A + "\"}");
        ok(
                daemon,
                "/NetworkDriver.DeleteEndpoint",
                "{\"NetworkID\":\"" + LONG_NET + "\",\"EndpointID\":\"" + EP_A + "\"}");
        Path sandboxPath = netnsDir().resolve(sandbox);
        Eventually.assertThat(
                "A's pair deleted",
                Duration.ofSeconds(10),
                () -> Shell.run("ip", "-n", host.namespace(), "link", "show", a).exit() != 0);
        List<String> left = Shell.lines("nsenter", "--net=" + sandboxPath, "ip", "-o", "link", "show");
        assertTrue(left.stream().anyMatch(l -> l.contains("ve" + b.substring(2))), "B's sandbox end stays: " + left);
        assertTrue(
                Shell.run("ip", "-n", lab.tag() + "-cb", "link", "show", "eth0").exit() == 0,
                "B's container end stays");

        ok(daemon, "/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"" + LONG_NET + "\"}");
        assertFalse(namespaces().contains(sandbox));
    }
}
