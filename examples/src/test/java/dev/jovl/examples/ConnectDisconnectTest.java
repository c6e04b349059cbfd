package dev.jovl.examples;

import static dev.jovl.examples.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code docker network connect} gives a running container a second jovl interface; disconnect takes it away. */
@ExtendWith(SharedHosts.class)
class ConnectDisconnectTest {
    private static final String FRONT = "cd-front";
    private static final String BACK = "cd-back";

    @AfterEach
    void cleanUp(Cluster c) {
        c.removeContainersQuietly(c.host(1), "cd-app");
        c.removeContainersQuietly(c.host(2), "cd-db");
        c.removeNetworkQuietly(c.host(1), FRONT);
        c.removeNetworkQuietly(c.host(1), BACK);
    }

    @Test
    void connectThenDisconnectASecondNetwork(Cluster c) {
        c.createNetwork(c.host(1), FRONT, "--subnet", "10.61.1.0/24");
        c.createNetwork(c.host(1), BACK, "--subnet", "10.61.2.0/24");
        c.runShell(c.host(1), "cd-app", FRONT);
        c.runWeb(c.host(2), "cd-db", BACK);
        String db = c.ip(c.host(2), "cd-db", BACK);

        assertFalse(c.pings(c.host(1), "cd-app", db), "cd-app reaches the back network before it is connected");

        c.hosts().docker(c.host(1), "network", "connect", BACK, "cd-app").orFail();
        String appBack = c.ip(c.host(1), "cd-app", BACK);
        assertTrue(appBack.startsWith("10.61.2."), "address on the back network: " + appBack);
        eventually(
                Duration.ofSeconds(10),
                "cd-app pings cd-db by name after connect",
                () -> c.pings(c.host(1), "cd-app", "cd-db"));
        assertTrue(c.pings(c.host(1), "cd-app", db), "ping by IP after connect");
        assertTrue(c.fetches(c.host(1), "cd-app", "cd-db"), "HTTP by name after connect");
        assertTrue(c.fetches(c.host(1), "cd-app", db), "HTTP by IP after connect");
        assertTrue(c.pings(c.host(2), "cd-db", appBack), "the other direction after connect");

        c.hosts().docker(c.host(1), "network", "disconnect", BACK, "cd-app").orFail();
        assertFalse(
                c.hosts()
                        .docker(c.host(1), "exec", "cd-app", "ip", "-o", "addr")
                        .orFail()
                        .out()
                        .contains("10.61.2."),
                "cd-app keeps an address on the back network after disconnect");
        eventually(
                Duration.ofSeconds(10),
                "cd-db no longer reaches cd-app's old back address " + appBack,
                () -> !c.pings(c.host(2), "cd-db", appBack));
        assertFalse(c.pings(c.host(1), "cd-app", db), "cd-app still reaches cd-db after disconnect");

        c.hosts().docker(c.host(1), "network", "connect", BACK, "cd-app").orFail();
        eventually(Duration.ofSeconds(10), "reconnect works", () -> c.pings(c.host(1), "cd-app", "cd-db"));
    }
}
