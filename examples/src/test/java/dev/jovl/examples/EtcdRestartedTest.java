package dev.jovl.examples;

import static dev.jovl.examples.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The store goes away and comes back: established traffic keeps flowing, and new containers work afterwards. */
@ExtendWith(SharedHosts.class)
class EtcdRestartedTest {
    private static final String NET = "etcd-net";

    @AfterEach
    void cleanUp(Cluster c) {
        c.removeContainersQuietly(c.host(1), "etcd-a");
        c.removeContainersQuietly(c.host(2), "etcd-b");
        c.removeContainersQuietly(c.host(3), "etcd-late");
        c.removeNetworkQuietly(c.host(1), NET);
    }

    @Test
    void overlayWorksThroughAnEtcdRestart(Cluster c) {
        c.createNetwork(c.host(1), NET);
        c.runWeb(c.host(1), "etcd-a", NET);
        c.runShell(c.host(2), "etcd-b", NET);
        String a = c.ip(c.host(1), "etcd-a", NET);
        eventually(Duration.ofSeconds(10), "etcd-b reaches etcd-a", () -> c.pings(c.host(2), "etcd-b", "etcd-a"));

        c.hosts().stopEtcd();
        assertTrue(c.pings(c.host(2), "etcd-b", a), "established traffic stops while etcd is down");
        Cluster.sleep(Duration.ofSeconds(3));
        assertTrue(c.fetches(c.host(2), "etcd-b", a), "HTTP by IP while etcd is down");
        c.hosts().startEtcd();

        assertTrue(c.fetches(c.host(2), "etcd-b", "etcd-a"), "HTTP by name after etcd is back");
        // Docker's own cluster-store client reconnects on its own schedule: give it time
        eventually(
                Duration.ofSeconds(60),
                "a container can be started on host 3 after the etcd restart",
                () -> c.tryRunWeb(c.host(3), "etcd-late", NET));
        String late = c.ip(c.host(3), "etcd-late", NET);
        eventually(
                Duration.ofSeconds(15),
                "etcd-a reaches the new container by name",
                () -> c.pings(c.host(1), "etcd-a", "etcd-late"));
        assertTrue(c.pings(c.host(1), "etcd-a", late), "and by IP");
        assertTrue(c.fetches(c.host(2), "etcd-b", "etcd-late"), "host 2 fetches from it by name");
    }
}
