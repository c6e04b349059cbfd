package dev.jovl.examples;

import static dev.jovl.examples.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The demo's promise: one network created once, containers on three hosts reach each other by name and IP. */
@ExtendWith(SharedHosts.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrossHostReachabilityTest {
    private static final String NET = "xh-net";
    private Cluster c;

    @BeforeAll
    void startContainers(Cluster cluster) {
        c = cluster;
        c.createNetwork(c.host(1), NET);
        c.runWeb(c.host(1), "xh-web", NET);
        c.runWeb(c.host(2), "xh-web2", NET);
        c.runShell(c.host(3), "xh-shell3", NET);
    }

    @AfterAll
    void cleanUp() {
        c.removeContainersQuietly(c.host(1), "xh-web");
        c.removeContainersQuietly(c.host(2), "xh-web2");
        c.removeContainersQuietly(c.host(3), "xh-shell3");
        c.removeNetworkQuietly(c.host(1), NET);
    }

    @Test
    void networkCreatedOnceIsVisibleOnEveryHost() {
        for (String h : c.hosts().hosts()) {
            assertEquals(
                    "jovl",
                    c.hosts()
                            .docker(h, "network", "inspect", "-f", "{{.Driver}}", NET)
                            .orFail()
                            .trimmedOut(),
                    h);
        }
    }

    @Test
    void pingAndHttpByNameAndIpInBothDirections() {
        String web = c.ip(c.host(1), "xh-web", NET);
        String web2 = c.ip(c.host(2), "xh-web2", NET);
        eventually(
                Duration.ofSeconds(10),
                "xh-web2 (host 2) pings xh-web (host 1) by name",
                () -> c.pings(c.host(2), "xh-web2", "xh-web"));
        assertTrue(c.pings(c.host(2), "xh-web2", web), "host 2 -> host 1 ping by IP " + web);
        assertTrue(c.fetches(c.host(2), "xh-web2", "xh-web"), "host 2 -> host 1 HTTP by name");
        assertTrue(c.fetches(c.host(2), "xh-web2", web), "host 2 -> host 1 HTTP by IP");
        assertTrue(c.pings(c.host(1), "xh-web", "xh-web2"), "host 1 -> host 2 ping by name");
        assertTrue(c.pings(c.host(1), "xh-web", web2), "host 1 -> host 2 ping by IP");
        assertTrue(c.fetches(c.host(1), "xh-web", "xh-web2"), "host 1 -> host 2 HTTP by name");
        assertTrue(c.fetches(c.host(1), "xh-web", web2), "host 1 -> host 2 HTTP by IP");
        for (String target : List.of("xh-web", web, "xh-web2", web2)) {
            assertTrue(c.pings(c.host(3), "xh-shell3", target), "host 3 ping " + target);
            assertTrue(c.fetches(c.host(3), "xh-shell3", target), "host 3 HTTP " + target);
        }
    }

    @Test
    void verifyScriptPassesEveryPair() {
        List<String> command = new ArrayList<>(List.of(
                "bash", c.hosts().repoRoot().resolve("examples/verify.sh").toString()));
        for (String h : c.hosts().hosts()) {
            command.addAll(List.of("-H", "unix://" + c.hosts().dockerSocket(h)));
        }
        command.add(NET);
        CommandResult r = Commands.run(Duration.ofMinutes(3), java.util.Map.of("DOCKER", "/usr/bin/docker"), command);
        System.out.print(r.out());
        r.orFail();
        // 3 containers: 6 ordered pairs x 2 pings, plus HTTP to the two servers from 2 sources each x 2
        assertTrue(r.out().contains("20 passed, 0 failed, 0 skipped"), r.out());
    }
}
