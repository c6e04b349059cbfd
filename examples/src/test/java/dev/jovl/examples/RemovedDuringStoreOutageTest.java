package dev.jovl.examples;

import static dev.jovl.examples.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code docker rm -f} while etcd is down succeeds for the user, but dockerd's network clean-up
 * fails and never reaches jovl (no Leave, DeleteEndpoint or ReleaseAddress; the chaos soak's
 * address leak). jovl notices the container is gone and releases its endpoint and address itself;
 * the address can then be used again, and Docker's late clean-up of its own stale endpoint
 * ({@code network disconnect -f}) does not free it from under the new container.
 */
@ExtendWith(SharedHosts.class)
class RemovedDuringStoreOutageTest {
    private static final String NET = "outage-net";
    private static final String SUBNET = "10.97.0.0/24";
    private static final String FIXED = "10.97.0.50";

    @AfterEach
    void cleanUp(Cluster c) {
        c.hosts().startEtcd(); // if the test failed while it was down
        c.removeContainersQuietly(c.host(1), "outage-gone");
        c.hosts().docker(c.host(1), "network", "disconnect", "-f", NET, "outage-gone");
        c.removeContainersQuietly(c.host(2), "outage-shell");
        c.removeContainersQuietly(c.host(3), "outage-new");
        c.removeNetworkQuietly(c.host(1), NET);
    }

    private static boolean allocated(Cluster c, String ip) {
        return c.hosts()
                .etcdctl("get", "--prefix", "jovl/v1/ipam/state/", "--keys-only")
                .orFail()
                .out()
                .lines()
                .anyMatch(k -> k.endsWith("/a/" + ip));
    }

    private static boolean hasEndpointRecordWith(Cluster c, String ip) {
        return c.hosts()
                .etcdctl("get", "--prefix", "jovl/v1/endpoints/", "--print-value-only")
                .orFail()
                .out()
                .contains("\"" + ip + "/");
    }

    @Test
    void aContainerRemovedWhileTheStoreIsDownGivesItsAddressBack(Cluster c) {
        String net = c.createNetwork(c.host(1), NET, "--subnet", SUBNET);
        c.runWeb(c.host(1), "outage-gone", NET, "--ip", FIXED);
        c.runShell(c.host(2), "outage-shell", NET);
        eventually(
                Duration.ofSeconds(15),
                "host 2 reaches the fixed address",
                () -> c.pings(c.host(2), "outage-shell", FIXED));
        assertTrue(allocated(c, FIXED));

        c.hosts().stopEtcd();
        c.hosts().docker(c.host(1), "rm", "-f", "outage-gone").orFail(); // succeeds for the user
        Cluster.sleep(Duration.ofSeconds(3));
        c.hosts().startEtcd();

        eventually(
                Duration.ofSeconds(60),
                "the vanished container's endpoint record and address are released",
                () -> !allocated(c, FIXED) && !hasEndpointRecordWith(c, FIXED),
                () -> c.hosts()
                        .etcdctl("get", "--prefix", "jovl/v1/", "--keys-only")
                        .out());
        eventually(
                Duration.ofSeconds(15),
                "host 2's sandbox drops its neighbour entry",
                () -> !c.sandboxNeighbours(c.host(2), net).contains(FIXED + " "),
                () -> c.sandboxNeighbours(c.host(2), net));

        // the address is free again: another container takes it on host 3 (Docker's own
        // cluster-store client reconnects on its own schedule, hence the retries)
        eventually(
                Duration.ofSeconds(60),
                "a new container gets the fixed address on host 3",
                () -> c.tryRunWeb(c.host(3), "outage-new", NET, "--ip", FIXED));
        eventually(
                Duration.ofSeconds(15),
                "host 2 fetches from the new container at that address",
                () -> c.fetches(c.host(2), "outage-shell", FIXED));

        // Docker still lists the old endpoint; its force-disconnect sends a late ReleaseAddress
        // for the fixed address, which the new container holds now: it must keep it
        c.hosts().docker(c.host(1), "network", "disconnect", "-f", NET, "outage-gone");
        Cluster.sleep(Duration.ofSeconds(2));
        assertTrue(allocated(c, FIXED), "the new container keeps its address after Docker's late clean-up");
        assertTrue(c.fetches(c.host(2), "outage-shell", FIXED), "and stays reachable");
    }
}
