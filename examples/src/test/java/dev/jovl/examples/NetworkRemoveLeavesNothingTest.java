package dev.jovl.examples;

import static dev.jovl.examples.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** After {@code docker network rm}: no sandbox namespace, no jovl link, no store key of that network on any host. */
@ExtendWith(SharedHosts.class)
class NetworkRemoveLeavesNothingTest {
    private static final String NET = "rm-net";

    @Test
    void networkRemoveCleansKernelsAndStore(Cluster c) {
        String id = c.createNetwork(c.host(1), NET);
        try {
            c.runShell(c.host(1), "rm-a", NET);
            c.runWeb(c.host(2), "rm-b", NET);
            c.runShell(c.host(3), "rm-c", NET);
            eventually(Duration.ofSeconds(10), "rm-a reaches rm-b", () -> c.pings(c.host(1), "rm-a", "rm-b"));
            for (String h : c.hosts().hosts()) {
                assertTrue(c.sandboxExists(h, id), "jovl sandbox for the network on " + h + " while in use");
            }
            assertTrue(storeKeysOf(c, id).contains(id), "the network is in the store while in use");
        } finally {
            c.removeContainersQuietly(c.host(1), "rm-a");
            c.removeContainersQuietly(c.host(2), "rm-b");
            c.removeContainersQuietly(c.host(3), "rm-c");
        }
        c.hosts().docker(c.host(1), "network", "rm", NET).orFail();

        for (String h : c.hosts().hosts()) {
            eventually(
                    Duration.ofSeconds(15),
                    "no sandbox namespace for the network on " + h,
                    () -> !c.sandboxExists(h, id));
            eventually(
                    Duration.ofSeconds(15),
                    "no jovl link left in the host namespace of " + h,
                    () -> jovlLinks(c, h).isEmpty(),
                    () -> jovlLinks(c, h));
        }
        eventually(
                Duration.ofSeconds(15),
                "no store key mentions network " + id,
                () -> !storeKeysOf(c, id).contains(id),
                () -> storeKeysOf(c, id));
    }

    /** Links named like jovl's veth ends (jv..., ve...) or VXLAN devices left in a host's own namespace. */
    private static String jovlLinks(Cluster c, String host) {
        String links = c.hosts().in(host, "ip", "-o", "link", "show").orFail().out();
        StringBuilder ours = new StringBuilder();
        links.lines()
                .filter(l -> l.matches("\\d+: (jv|ve[0-9a-f]|vxlan).*"))
                .forEach(l -> ours.append(l).append('\n'));
        return ours.toString();
    }

    private static String storeKeysOf(Cluster c, String networkId) {
        return c.hosts()
                .etcdctl("get", "--prefix", "jovl/", "--keys-only")
                .orFail()
                .out()
                .lines()
                .filter(k -> k.contains(networkId))
                .reduce("", (a, b) -> a + b + "\n");
    }
}
