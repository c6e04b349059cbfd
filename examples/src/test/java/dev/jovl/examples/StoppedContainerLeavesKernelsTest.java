package dev.jovl.examples;

import static dev.jovl.examples.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A container stopped on one host disappears from the other hosts' kernels: its MAC leaves the
 * VXLAN FDB and its IP the neighbour table of jovl's sandbox namespace there.
 */
@ExtendWith(SharedHosts.class)
class StoppedContainerLeavesKernelsTest {
    private static final String NET = "stop-net";

    @AfterEach
    void cleanUp(Cluster c) {
        c.removeContainersQuietly(c.host(1), "stop-a");
        c.removeContainersQuietly(c.host(2), "stop-b");
        c.removeContainersQuietly(c.host(3), "stop-c");
        c.removeNetworkQuietly(c.host(1), NET);
    }

    @Test
    void stoppedContainerIsRemovedFromFdbAndNeighboursOnOtherHosts(Cluster c) {
        String id = c.createNetwork(c.host(1), NET);
        c.runShell(c.host(1), "stop-a", NET);
        c.runWeb(c.host(2), "stop-b", NET);
        c.runShell(c.host(3), "stop-c", NET);
        String ip = c.ip(c.host(2), "stop-b", NET);
        String mac = c.mac(c.host(2), "stop-b", NET).toLowerCase(Locale.ROOT);
        String vtep = SimulatedHosts.underlayIp(c.host(2));

        for (int h : new int[] {1, 3}) {
            String host = c.host(h);
            eventually(
                    Duration.ofSeconds(10),
                    "stop-b's MAC " + mac + " -> " + vtep + " in the FDB on " + host,
                    () -> fdbHas(c, host, id, mac, vtep),
                    () -> c.sandboxFdb(host, id));
            eventually(
                    Duration.ofSeconds(10),
                    "stop-b's IP " + ip + " in the neighbour table on " + host,
                    () -> neighbourHas(c, host, id, ip, mac),
                    () -> c.sandboxNeighbours(host, id));
        }
        eventually(Duration.ofSeconds(10), "stop-a reaches stop-b", () -> c.pings(c.host(1), "stop-a", "stop-b"));

        c.hosts().docker(c.host(2), "stop", "-t", "1", "stop-b").orFail();

        for (int h : new int[] {1, 3}) {
            String host = c.host(h);
            eventually(
                    Duration.ofSeconds(10),
                    "stop-b's MAC gone from the FDB on " + host,
                    () -> !fdbHas(c, host, id, mac, vtep),
                    () -> c.sandboxFdb(host, id));
            eventually(
                    Duration.ofSeconds(10),
                    "stop-b's IP gone from the neighbour table on " + host,
                    () -> !neighbourHas(c, host, id, ip, mac),
                    () -> c.sandboxNeighbours(host, id));
        }
        assertFalse(c.pings(c.host(1), "stop-a", ip), "stopped container still answers");
    }

    private static boolean fdbHas(Cluster c, String host, String id, String mac, String vtep) {
        return c.sandboxFdb(host, id).lines().anyMatch(l -> l.startsWith(mac + " ") && l.contains("dst " + vtep));
    }

    private static boolean neighbourHas(Cluster c, String host, String id, String ip, String mac) {
        return c.sandboxNeighbours(host, id).lines().anyMatch(l -> l.startsWith(ip + " ") && l.contains(mac));
    }
}
