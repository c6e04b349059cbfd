package dev.jovl.examples;

import static dev.jovl.examples.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * jovl killed with kill -9 on two hosts while a ping runs between them, then restarted: the kernel
 * keeps forwarding (not one ping lost), and containers started after the restart work.
 */
@ExtendWith(SharedHosts.class)
class JovlKilledAndRestartedTest {
    private static final String NET = "k9-net";
    private static final Pattern LOSS = Pattern.compile("(\\d+) packets transmitted, (\\d+) packets received");

    @AfterEach
    void cleanUp(Cluster c) {
        c.removeContainersQuietly(c.host(1), "k9-a", "k9-late");
        c.removeContainersQuietly(c.host(2), "k9-b");
        c.removeNetworkQuietly(c.host(1), NET);
        // whatever happened, leave jovl running on every host for the next test class
        for (String h : c.hosts().hosts()) {
            if (c.hosts().jovlPid(h) == null) {
                c.hosts().startJovl(h);
            }
        }
    }

    @Test
    void trafficSurvivesKill9AndRestart(Cluster c) {
        c.createNetwork(c.host(1), NET);
        c.runShell(c.host(1), "k9-a", NET);
        c.runWeb(c.host(2), "k9-b", NET);
        String b = c.ip(c.host(2), "k9-b", NET);
        eventually(Duration.ofSeconds(10), "k9-a reaches k9-b", () -> c.pings(c.host(1), "k9-a", b));

        // 120 pings 0.1 s apart: about 12 s, covering the kill, the restart and the re-sync
        CompletableFuture<CommandResult> ping = CompletableFuture.supplyAsync(
                () -> c.hosts().docker(c.host(1), "exec", "k9-a", "ping", "-c", "120", "-i", "0.1", "-W", "1", b));
        Cluster.sleep(Duration.ofSeconds(1));
        c.hosts().kill9Jovl(c.host(1));
        c.hosts().kill9Jovl(c.host(2));
        Cluster.sleep(Duration.ofSeconds(1));
        c.hosts().startJovl(c.host(1));
        c.hosts().startJovl(c.host(2));
        CommandResult result = ping.join();

        Matcher m = LOSS.matcher(result.out());
        assertTrue(m.find(), result.describe());
        int sent = Integer.parseInt(m.group(1));
        int received = Integer.parseInt(m.group(2));
        assertTrue(
                sent == 120 && received == sent,
                "pings lost while jovl was killed and restarted: " + received + "/" + sent + "\n" + result.out());

        assertTrue(c.fetches(c.host(1), "k9-a", "k9-b"), "HTTP by name after the restart");
        c.runWeb(c.host(1), "k9-late", NET);
        String late = c.ip(c.host(1), "k9-late", NET);
        eventually(
                Duration.ofSeconds(10),
                "a container started after the restart is reached by name from host 2",
                () -> c.pings(c.host(2), "k9-b", "k9-late"));
        assertTrue(c.pings(c.host(2), "k9-b", late), "and by IP");
        assertTrue(c.fetches(c.host(2), "k9-b", "k9-late"), "and over HTTP");
    }
}
