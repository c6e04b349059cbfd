package dev.jovl.examples;

import static dev.jovl.examples.Cluster.eventually;

import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An address that moves: a server at a fixed address is removed and another one (Docker gives it
 * another random MAC) started at the same address on another host, then re-created on that same
 * host. Clients that had just talked to the old one, on a third host and on the new server's own
 * host, reach the new one at once: jovl announces the address's new MAC into every sandbox. Before,
 * their ARP caches kept the old MAC as REACHABLE and the address went dark for 26-44 s.
 */
@ExtendWith(SharedHosts.class)
class MovedAddressTest {
    private static final String NET = "move-net";
    private static final String IP = "10.93.0.200";
    /** Far below the 26 s of stale caches, far above the milliseconds it takes, for a loaded CI machine. */
    private static final Duration AT_ONCE = Duration.ofSeconds(5);

    @AfterEach
    void cleanUp(Cluster c) {
        c.removeContainersQuietly(c.host(1), "move-a");
        c.removeContainersQuietly(c.host(2), "move-client");
        c.removeContainersQuietly(c.host(3), "move-b", "move-c", "move-local");
        c.removeNetworkQuietly(c.host(1), NET);
    }

    @Test
    void aServerMovedToAnotherHostOrRecreatedIsReachedAtOnceByClientsThatCachedTheOldMac(Cluster c) {
        c.createNetwork(c.host(1), NET, "--subnet", "10.93.0.0/24");
        c.runWeb(c.host(1), "move-a", NET, "--ip", IP);
        c.runShell(c.host(2), "move-client", NET);
        c.runShell(c.host(3), "move-local", NET);
        eventually(Duration.ofSeconds(10), "client reaches move-a", () -> c.fetches(c.host(2), "move-client", IP));
        eventually(Duration.ofSeconds(10), "local client reaches move-a", () -> c.fetches(c.host(3), "move-local", IP));

        move(c, c.host(1), "move-a", c.host(3), "move-b");
        move(c, c.host(3), "move-b", c.host(3), "move-c"); // re-created at its address on the same host
    }

    private static void move(Cluster c, String fromHost, String from, String toHost, String to) {
        c.hosts().docker(fromHost, "rm", "-f", from).orFail();
        c.runWeb(toHost, to, NET, "--ip", IP);
        long started = System.nanoTime();
        String mac = c.mac(toHost, to, NET).toLowerCase(Locale.ROOT);
        for (String[] client : new String[][] {{c.host(2), "move-client"}, {c.host(3), "move-local"}}) {
            eventually(
                    AT_ONCE,
                    client[1] + " reaches " + to + " (" + mac + ") at " + IP,
                    () -> cachedMac(c, client[0], client[1]).equals(mac) && c.fetches(client[0], client[1], IP),
                    () -> "cache: " + cachedMac(c, client[0], client[1]));
        }
        System.out.printf(
                "address %s moved to %s (%s): both clients reached it %d ms after docker run -d returned%n",
                IP, to, mac, (System.nanoTime() - started) / 1_000_000);
    }

    /** The MAC the client's ARP cache holds for the address ("" if none). */
    private static String cachedMac(Cluster c, String host, String container) {
        String line = c.hosts()
                .docker(host, "exec", container, "ip", "neigh", "show", IP)
                .trimmedOut();
        int at = line.indexOf("lladdr ");
        return at < 0 ? "" : line.substring(at + 7).split(" ")[0].toLowerCase(Locale.ROOT);
    }
}
