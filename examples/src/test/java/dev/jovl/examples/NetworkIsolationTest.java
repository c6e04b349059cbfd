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
     * red and blue both use 10.63.0.0/24 and both have a .10 and a .20, on different hosts. Each
     * container must reach the address on its own network (and learn that container's MAC), and
     * nothing on the other network answers when its own peer is gone.
     */
    @Test
    void networksWithTheSameSubnetAreIsolated(Cluster c) {
        c.createNetwork(c.host(1), "iso-red", "--subnet", "10.63.0.0/24");
        c.createNetwork(c.host(1), "iso-blue", "--subnet", "10.63.0.0/24");
        c.runShell(c.host(1), "iso-x", "iso-red", "--ip", "10.63.0.10");
        c.runWeb(c.host(2), "iso-z", "iso-red", "--ip", "10.63.0.20");
        c.runWeb(c.host(2), "iso-y", "iso-blue", "--ip", "10.63.0.10");
        c.runShell(c.host(3), "iso-w", "iso-blue", "--ip", "10.63.0.20");

        eventually(Duration.ofSeconds(10), "red .10 reaches red .20", () -> c.pings(c.host(1), "iso-x", "10.63.0.20"));
        assertTrue(c.fetches(c.host(1), "iso-x", "10.63.0.20"), "red .10 fetches from red .20");
        assertEquals(c.mac(c.host(2), "iso-z", "iso-red").toLowerCase(Locale.ROOT), neighbourMac(c, c.host(1), "iso-x", "10.63.0.20"),
                "red .10 learned the MAC of red .20 (iso-z), not blue's");
        eventually(Duration.ofSeconds(10), "blue .20 reaches blue .10", () -> c.pings(c.host(3), "iso-w", "10.63.0.10"));
        assertTrue(c.fetches(c.host(3), "iso-w", "10.63.0.10"), "blue .20 fetches from blue .10 (iso-y)");
        assertEquals(c.mac(c.host(2), "iso-y", "iso-blue").toLowerCase(Locale.ROOT), neighbourMac(c, c.host(3), "iso-w", "10.63.0.10"),
                "blue .20 learned the MAC of blue .10 (iso-y), not red's");

        // with red's .20 gone, blue's .20 (iso-w) must not answer red's .10
        c.hosts().docker(c.host(2), "stop", "-t", "1", "iso-z").orFail();
        eventually(Duration.ofSeconds(10), "red .10 stops reaching .20 once red's .20 is stopped",
                () -> !c.pings(c.host(1), "iso-x", "10.63.0.20"));
        assertTrue(c.pings(c.host(3), "iso-w", "10.63.0.10"), "blue unaffected");
    }

    private static String neighbourMac(Cluster c, String host, String container, String ip) {
        String line = c.hosts().docker(host, "exec", container, "ip", "neigh", "show", ip).orFail().trimmedOut();
        int at = line.indexOf("lladdr ");
        return at < 0 ? line : line.substring(at + 7).split(" ")[0].toLowerCase(Locale.ROOT);
    }
}
