package dev.jovl.driver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.driver.http.PluginException;
import dev.jovl.driver.http.PluginServer;
import dev.jovl.driver.http.RequestStats;
import dev.jovl.driver.http.Route;
import dev.jovl.driver.http.RouteTable;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** {@code jovl peers}: a refused request (4xx) and an unreachable daemon exit differently. */
class StatusCommandExitTest {

    @Test
    void aRefusedRequestIsNotAnUnreachableDaemon() throws Exception {
        Path dir = Files.createTempDirectory("jovl-cli");
        Path socket = dir.resolve("s.sock");
        ExecutorService executor = Executors.newSingleThreadExecutor();
        RouteTable routes = RouteTable.complete(Map.of("/Jovl.Peers", Route.of(Map.class, (q, f) -> {
            throw PluginException.badRequest("no network matches nosuch");
        })));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        try (PluginServer server = PluginServer.start(socket, routes, executor, new RequestStats())) {
            assertEquals(
                    StatusCommand.REFUSED,
                    StatusCommand.peers(List.of("nosuch", "--socket", socket.toString()), Map.of(), print));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("no network matches nosuch"), out.toString());
        } finally {
            executor.shutdownNow();
        }
        assertEquals(
                3,
                StatusCommand.peers(
                        List.of("nosuch", "--socket", dir.resolve("gone.sock").toString()), Map.of(), print));
        assertTrue(
                out.toString(StandardCharsets.UTF_8).contains("gone.sock: no such socket file"),
                "says why, not 'null': " + out);
        Files.deleteIfExists(dir);
    }
}
