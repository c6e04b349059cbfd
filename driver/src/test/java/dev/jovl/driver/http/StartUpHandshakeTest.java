package dev.jovl.driver.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.driver.DriverRoutes;
import dev.jovl.ipam.IpamConfig;
import dev.jovl.unixhttp.UnixHttpClient;
import dev.jovl.unixhttp.UnixHttpClient.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon still waiting for its store answers every handshake and capability call at once:
 * Docker registers a driver with whatever GetCapabilities returned, and a timed-out IPAM call left
 * the IPAM registered without its capabilities.
 */
class StartUpHandshakeTest {
    @TempDir
    Path dir;

    @Test
    void capabilitiesAreAnsweredBeforeStartUpFinishes() throws Exception {
        RouteTable neverReady = new RouteTable(DriverRoutes.handshake("global", IpamConfig.defaults()));
        ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
        try (PluginServer server = PluginServer.start(dir.resolve("p.sock"), neverReady, handlers, new RequestStats());
                UnixHttpClient c = UnixHttpClient.connect(server.socketPath(), Duration.ofSeconds(5))) {
            for (String method : new String[] {
                "/Plugin.Activate",
                "/NetworkDriver.GetCapabilities",
                "/IpamDriver.GetCapabilities",
                "/IpamDriver.GetDefaultAddressSpaces"
            }) {
                // a call that waited for start-up (up to 60 s) would exceed the client's 5 s and throw
                Response r = c.post(method, "");
                assertEquals(200, r.status(), method + ": " + r.body());
            }
            Response caps = c.post("/IpamDriver.GetCapabilities", "");
            assertTrue(caps.body().contains("\"RequiresMACAddress\":true"), caps.body());
            assertTrue(c.post("/IpamDriver.GetDefaultAddressSpaces", "").body().contains("jovl-global"));
        } finally {
            handlers.shutdownNow();
        }
    }
}
