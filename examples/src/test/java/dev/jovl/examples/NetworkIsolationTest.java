package dev.jovl.examples;

import static dev.jovl.examples.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two jovl networks do not see each other, also when they use the same subnet and the same addresses. */
@ExtendWith(SharedHosts.class)
class NetworkIsolationTest {

    @AfterEach
    void cleanUp(Cluster c) {
        for (String h : c.hosts().hosts()) {
            c.removeContainersQuietly(h, "iso-x", "iso-y", "iso-z", "iso-w", "iso-p", "iso-q");
        }
        for (String n : new String[] {"iso-red", "iso-blue", "iso-one", "iso-two"}) {
            c.removeNetworkQuietly(c.host(1), n);
        }
    }

    @Test
    void networksWithDifferentSubnetsAreIsolated(Cluster c) {
        c.createNetwork(c.host(1), "iso-one", "--subnet", "10.62.1.0/24");
        c.createNetwork(c.host(1), "iso-two", "--subnet", "10.62.2.0/24");
        c.runShell(c.host(1), "iso-p", "iso-one");
        c.runWeb(c.host(2), "iso-q", "iso-two");
        String q = c.ip(c.host(2), "iso-q", "iso-two");
        assertFalse(c.pings(c.host(1), "iso-p", q), "iso-one reaches iso-two by IP");
        assertFalse(c.pings(c.host(1), "iso-p", "iso-q"), "iso-one resolves and reaches iso-two's container by name");
    }

    /**
     * red and blue both use 10.63.0.0/24, with containers on three hosts. Each container reaches
     * its own network's peers, and an address of the other network, although on-link, never answers.
     * (jovl's IPAM keys pools by subnet, so the two networks draw distinct addresses from one pool.)
     */
    @Test
    void networksWithTheSameSubnetAreIsolated(Cluster c) {
        c.createNetwork(c.host(1), "iso-red", "--subnet", "10.63.0.0/24");
        c.createNetwork(c.host(1), "iso-blue", "--subnet", "10.63.0.0/24");
        c.runShell(c.host(1), "iso-x", "iso-red");
        c.runWeb(c.host(2), "iso-z", "iso-red");
        c.runWeb(c.host(2), "iso-y", "iso-blue");
        c.runShell(c.host(3), "iso-w", "iso-blue");
        String x = c.ip(c.host(1), "iso-x", "iso-red");
        String z = c.ip(c.host(2), "iso-z", "iso-red");
        String y = c.ip(c.host(2), "iso-y", "iso-blue");
        String w = c.ip(c.host(3), "iso-w", "iso-blue");

        eventually(Duration.ofSeconds(10), "red reaches red across hosts", () -> c.pings(c.host(1), "iso-x", z));
        assertTrue(c.fetches(c.host(1), "iso-x", "iso-z"), "red fetches from red by name");
        assertEquals(
                c.mac(c.host(2), "iso-z", "iso-red").toLowerCase(Locale.ROOT), neighbourMac(c, c.host(1), "iso-x", z));
        eventually(Duration.ofSeconds(10), "blue reaches blue across hosts", () -> c.pings(c.host(3), "iso-w", y));
        assertTrue(c.fetches(c.host(3), "iso-w", "iso-y"), "blue fetches from blue by name");

        assertFalse(c.pings(c.host(1), "iso-x", y), "red " + x + " reaches blue " + y + " on the same subnet");
        assertFalse(c.pings(c.host(1), "iso-x", w), "red " + x + " reaches blue " + w + " on the same subnet");
        assertFalse(c.pings(c.host(3), "iso-w", x), "blue " + w + " reaches red " + x + " on the same subnet");
        assertFalse(c.fetches(c.host(1), "iso-x", y), "red fetches from blue's web server");
        assertFalse(c.pings(c.host(1), "iso-x", "iso-y"), "red resolves and reaches blue's container by name");
    }

    private static String neighbourMac(Cluster c, String host, String container, String ip) {
        String line = c.hosts()
                .docker(host, "exec", container, "ip", "neigh", "show", ip)
                .orFail()
                .trimmedOut();
        int at = line.indexOf("lladdr ");
        return at < 0 ? line : line.substring(at + 7).split(" ")[0].toLowerCase(Locale.ROOT);
    }
}
