package dev.jovl.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jovl.driver.cli.DaemonOptions;
import dev.jovl.driver.http.Json;
import dev.jovl.driver.http.PluginServer;
import dev.jovl.driver.testing.DaemonFixture;
import dev.jovl.driver.testing.Eventually;
import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.netlink.testing.Shell;
import dev.jovl.netlink.testing.TestLab;
import dev.jovl.overlay.SandboxNames;
import dev.jovl.unixhttp.UnixHttpClient;
import dev.jovl.unixhttp.UnixHttpClient.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Docker's plugin protocol over the real Unix socket, against a real daemon (embedded store, real
 * kernel objects inside the test's own namespaces): every NetworkDriver method, Docker's
 * conventions (empty bodies, {"Err"} with non-200, 404 for unknown methods), idempotent resends,
 * and bad input that must change nothing.
 */
class PluginProtocolTest {
    private static TestLab lab;
    private static TestLab.Host host;
    private static Store store;
    private static Daemon daemon;
    private static Path socket;
    private static Path storeDir;
    private static Path runDir;

    @BeforeAll
    static void start() throws IOException {
        lab = new TestLab();
        host = lab.host();
        storeDir = Files.createTempDirectory("jdr-store");
        store = Stores.open("file:" + storeDir);
        DaemonOptions options = DaemonFixture.options(lab, host, "file:" + storeDir);
        runDir = options.runDir();
        // a stale socket file from an earlier run must be replaced, and parent dirs created
        Files.createDirectories(options.socket().getParent());
        Files.writeString(options.socket(), "stale");
        daemon = DaemonFixture.start(options, host, store);
        socket = daemon.socket();
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.close();
        }
        if (store != null) {
            store.close();
        }
        lab.close();
        Shell.run("rm", "-rf", storeDir.toString());
    }

    private static Response post(String path, String json) {
        return DaemonFixture.post(socket, path, json);
    }

    private static JsonNode ok(String path, String json) throws IOException {
        Response r = post(path, json);
        assertEquals(200, r.status(), path + " -> " + r.body());
        return Json.MAPPER.readTree(r.body());
    }

    private static String err(Response r, int status) throws IOException {
        assertEquals(status, r.status(), r.body());
        JsonNode n = Json.MAPPER.readTree(r.body());
        assertTrue(n.hasNonNull("Err") && !n.get("Err").asText().isEmpty(), r.body());
        return n.get("Err").asText();
    }

    private static List<String> storeKeys() {
        return store.list("jovl/").entries().stream().map(KeyValue::key).toList();
    }

    private static String network(String id, String generic) {
        return "{\"NetworkID\":\"" + id + "\",\"Options\":{\"com.docker.network.enable_ipv6\":false,"
                + "\"com.docker.network.generic\":" + generic + "},"
                + "\"IPv4Data\":[{\"AddressSpace\":\"jovl-global\",\"Pool\":\"10.31.0.0/24\",\"Gateway\":\"10.31.0.1/24\"}],"
                + "\"IPv6Data\":[]}\n";
    }

    @Test
    void socketIsPrivateAndTheStaleFileWasReplaced() throws IOException {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertTrue(
                Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class)
                        .isOther(),
                "a socket, not the stale regular file");
    }

    @Test
    void runDirAndStoreArePrivateWhateverTheUmask() throws IOException {
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(runDir)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(storeDir)));
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(storeDir.resolve("jovl-store.mv.db"))));
    }

    @Test
    void activateAndCapabilitiesAcceptEmptyBodies() throws IOException {
        JsonNode a = ok("/Plugin.Activate", "");
        assertEquals("[\"NetworkDriver\",\"IpamDriver\"]", a.get("Implements").toString());
        JsonNode c = ok("/NetworkDriver.GetCapabilities", "");
        assertEquals("global", c.get("Scope").asText());
        assertEquals("global", c.get("ConnectivityScope").asText());
    }

    @Test
    void unknownMethodsAre404AndOtherVerbs405() throws IOException {
        err(post("/NetworkDriver.NoSuchThing", "{}"), 404);
        err(post("/Nothing", ""), 404);
        try (UnixHttpClient c = UnixHttpClient.connect(socket)) {
            Response r = c.send("GET /Plugin.Activate HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            err(r, 405);
        }
    }

    @Test
    void malformedRequestsGet400AndChangeNothing() throws IOException {
        List<String> before = storeKeys();
        err(post("/NetworkDriver.CreateNetwork", "{\"NetworkID\": \"abc\", "), 400);
        err(post("/NetworkDriver.CreateNetwork", "[1,2,3]"), 400);
        err(post("/NetworkDriver.CreateNetwork", "null"), 400);
        err(post("/NetworkDriver.CreateNetwork", "{\"NetworkID\": 42}"), 400);
        err(post("/NetworkDriver.CreateNetwork", "{\"NetworkID\": \"n\", \"Options\": \"x\"}"), 400);
        err(post("/NetworkDriver.CreateNetwork", "{\"NetworkID\": \"n\", \"IPv4Data\": {}}"), 400);
        err(post("/NetworkDriver.CreateNetwork", "{}"), 400);
        err(post("/NetworkDriver.CreateNetwork", "{\"NetworkID\": \"../../etc\"}"), 400);
        err(post("/NetworkDriver.CreateNetwork", network("badvni", "{\"jovl.vni\":\"16777216\"}")), 400);
        err(post("/NetworkDriver.CreateNetwork", network("badvni2", "{\"jovl.vni\":\"x\"}")), 400);
        err(post("/NetworkDriver.CreateNetwork", network("badmtu", "{\"com.docker.network.driver.mtu\":\"20\"}")), 400);
        err(
                post(
                        "/NetworkDriver.CreateNetwork",
                        "{\"NetworkID\":\"badpool\",\"IPv4Data\":[{\"Pool\":\"10.0.0.0/33\"}]}"),
                400);
        err(
                post(
                        "/NetworkDriver.CreateNetwork",
                        "{\"NetworkID\":\"badpool\",\"IPv4Data\":[{\"Pool\":\"fd00::/64\"}]}"),
                400);
        err(post("/NetworkDriver.CreateEndpoint", "{\"NetworkID\":\"nonet\",\"EndpointID\":\"e\"}"), 400);
        err(post("/NetworkDriver.Join", "{\"NetworkID\":\"nonet\",\"EndpointID\":\"e\"}"), 400);
        assertEquals(before, storeKeys(), "a refused request must not write anything");
        // garbage that is not HTTP at all: answered 400, and the daemon keeps serving
        try (UnixHttpClient c = UnixHttpClient.connect(socket)) {
            Response r = c.send("\u0000\u0001garbage\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(r.status() >= 400 && r.status() < 500, "status " + r.status());
        } catch (IOException closedWithoutAnswer) {
            // closing the connection is an acceptable answer to non-HTTP bytes
        }
        ok("/Plugin.Activate", "");
    }

    @Test
    void oversizedBodiesAreRefused() throws IOException {
        String big = "{\"NetworkID\":\"" + "a".repeat(PluginServer.MAX_BODY_BYTES + 10) + "\"}";
        Response r = post("/NetworkDriver.CreateNetwork", big);
        assertEquals(413, r.status());
        ok("/Plugin.Activate", "");
    }

    @Test
    void networkLifecycleIsIdempotent() throws IOException {
        String req = network("netlife", "{\"jovl.vni\":\"4242\",\"com.docker.network.driver.mtu\":\"1400\"}");
        ok("/NetworkDriver.CreateNetwork", req);
        ok("/NetworkDriver.CreateNetwork", req); // Docker resends
        JsonNode rec = Json.MAPPER.readTree(
                store.get("jovl/v1/networks/netlife").orElseThrow().value());
        assertEquals(4242, rec.get("vni").asInt());
        assertEquals(1400, rec.get("mtu").asInt());
        assertEquals("netlife", store.get("jovl/v1/vni/4242").orElseThrow().valueAsString());
        // the VNI is taken: another network cannot pin it
        String why = err(post("/NetworkDriver.CreateNetwork", network("netother", "{\"jovl.vni\":\"4242\"}")), 400);
        assertTrue(why.contains("4242"), why);
        ok("/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"netlife\"}");
        ok("/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"netlife\"}");
        assertTrue(store.get("jovl/v1/networks/netlife").isEmpty());
        assertTrue(store.get("jovl/v1/vni/4242").isEmpty());
    }

    @Test
    void unpinnedNetworksGetDistinctVnisFromTheDefaultRangeAndUnderlayMtu() throws IOException {
        ok("/NetworkDriver.CreateNetwork", network("auto1", "{}"));
        ok("/NetworkDriver.CreateNetwork", network("auto2", "{}"));
        int v1 = Json.MAPPER
                .readTree(store.get("jovl/v1/networks/auto1").orElseThrow().value())
                .get("vni")
                .asInt();
        int v2 = Json.MAPPER
                .readTree(store.get("jovl/v1/networks/auto2").orElseThrow().value())
                .get("vni")
                .asInt();
        assertTrue(v1 >= 1_000_000 && v1 <= 1_999_999, "vni " + v1);
        assertTrue(v1 != v2);
        int mtu = Json.MAPPER
                .readTree(store.get("jovl/v1/networks/auto1").orElseThrow().value())
                .get("mtu")
                .asInt();
        assertEquals(1500 - 50, mtu);
        ok("/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"auto1\"}");
        ok("/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"auto2\"}");
    }

    @Test
    void endpointLifecycleBuildsAndRemovesTheKernelObjects() throws IOException {
        ok("/NetworkDriver.CreateNetwork", network("neteps", "{\"com.docker.network.driver.mtu\":\"1380\"}"));
        String ep = "{\"NetworkID\":\"neteps\",\"EndpointID\":\"ep1234567890abcdef\","
                + "\"Interface\":{\"Address\":\"10.31.0.2/24\",\"AddressIPv6\":\"\",\"MacAddress\":\"\"},"
                + "\"Options\":{\"com.docker.network.endpoint.exposedports\":[]}}";
        JsonNode created = ok("/NetworkDriver.CreateEndpoint", ep);
        String mac = created.get("Interface").get("MacAddress").asText();
        assertEquals(1, created.get("Interface").size(), "only the MAC, the one field Docker left empty: " + created);
        assertEquals(
                mac,
                ok("/NetworkDriver.CreateEndpoint", ep)
                        .get("Interface")
                        .get("MacAddress")
                        .asText(),
                "a resend answers the same MAC");

        String join =
                "{\"NetworkID\":\"neteps\",\"EndpointID\":\"ep1234567890abcdef\",\"SandboxKey\":\"/var/run/docker/netns/x\","
                        + "\"Options\":{}}";
        JsonNode joined = ok("/NetworkDriver.Join", join);
        String src = joined.get("InterfaceName").get("SrcName").asText();
        assertEquals("eth", joined.get("InterfaceName").get("DstPrefix").asText());
        assertFalse(joined.hasNonNull("Gateway"), "no gateway: Docker adds docker_gwbridge, like its overlay");
        assertEquals(
                src,
                ok("/NetworkDriver.Join", join)
                        .get("InterfaceName")
                        .get("SrcName")
                        .asText());
        String link = Shell.ok("ip", "-n", host.namespace(), "-d", "link", "show", src);
        assertTrue(link.contains("mtu 1380"), link);
        assertTrue(link.contains(mac), link);

        Path sandbox = daemonRunDir().resolve("netns/jovl-neteps");
        String vx = Shell.ok("nsenter", "--net=" + sandbox, "ip", "-d", "link", "show", "vxlan0");
        assertTrue(vx.contains("master br0"), vx);
        assertTrue(vx.contains("nolearning"), vx);
        assertTrue(vx.contains("proxy"), vx);
        assertTrue(vx.contains("dstport 4789"), vx);

        assertEquals(
                "{}",
                ok(
                                "/NetworkDriver.EndpointOperInfo",
                                "{\"NetworkID\":\"neteps\",\"EndpointID\":\"ep1234567890abcdef\"}")
                        .get("Value")
                        .toString());
        ok(
                "/NetworkDriver.ProgramExternalConnectivity",
                "{\"NetworkID\":\"neteps\",\"EndpointID\":\"ep1234567890abcdef\",\"Options\":{}}");
        ok(
                "/NetworkDriver.RevokeExternalConnectivity",
                "{\"NetworkID\":\"neteps\",\"EndpointID\":\"ep1234567890abcdef\"}");
        ok("/NetworkDriver.Leave", "{\"NetworkID\":\"neteps\",\"EndpointID\":\"ep1234567890abcdef\"}");
        ok("/NetworkDriver.Leave", "{\"NetworkID\":\"neteps\",\"EndpointID\":\"ep1234567890abcdef\"}");
        ok("/NetworkDriver.DeleteEndpoint", "{\"NetworkID\":\"neteps\",\"EndpointID\":\"ep1234567890abcdef\"}");
        ok("/NetworkDriver.DeleteEndpoint", "{\"NetworkID\":\"neteps\",\"EndpointID\":\"ep1234567890abcdef\"}");
        assertTrue(store.get("jovl/v1/endpoints/neteps/ep1234567890abcdef").isEmpty());
        // the pair is deleted in the background; the sandbox is kept for the idle grace (60 s here)
        Eventually.assertThat(
                "veth gone",
                Duration.ofSeconds(15),
                () -> Shell.run("ip", "-n", host.namespace(), "link", "show", src)
                                        .exit()
                                != 0
                        && Shell.run(
                                                "nsenter",
                                                "--net=" + sandbox,
                                                "ip",
                                                "link",
                                                "show",
                                                SandboxNames.sandboxEnd("ep1234567890abcdef"))
                                        .exit()
                                != 0);
        assertTrue(Files.exists(sandbox), "last local endpoint gone: the sandbox stays for the idle grace");
        ok("/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"neteps\"}");
        assertFalse(Files.exists(sandbox), "DeleteNetwork removes the idle sandbox at once");
    }

    @Test
    void aMacDockerGaveIsKeptAndNotEchoed() throws IOException {
        ok("/NetworkDriver.CreateNetwork", network("netmac", "{}"));
        String ep = "{\"NetworkID\":\"netmac\",\"EndpointID\":\"epmac\","
                + "\"Interface\":{\"Address\":\"10.31.0.9/24\",\"MacAddress\":\"02:42:0a:1f:00:09\"}}";
        JsonNode created = ok("/NetworkDriver.CreateEndpoint", ep);
        assertTrue(created.get("Interface").isNull(), created.toString());
        JsonNode rec = Json.MAPPER.readTree(
                store.get("jovl/v1/endpoints/netmac/epmac").orElseThrow().value());
        assertEquals("02:42:0a:1f:00:09", rec.get("mac").asText());
        assertEquals("10.31.0.9/24", rec.get("ipv4").asText());
        err(
                post(
                        "/NetworkDriver.CreateEndpoint",
                        "{\"NetworkID\":\"netmac\",\"EndpointID\":\"epbad\","
                                + "\"Interface\":{\"Address\":\"10.31.0.10/24\",\"MacAddress\":\"01:00:5e:00:00:01\"}}"),
                400);
        err(
                post(
                        "/NetworkDriver.CreateEndpoint",
                        "{\"NetworkID\":\"netmac\",\"EndpointID\":\"epbad\","
                                + "\"Interface\":{\"Address\":\"10.31.0.300/24\"}}"),
                400);
        assertTrue(store.get("jovl/v1/endpoints/netmac/epbad").isEmpty());
        ok("/NetworkDriver.DeleteEndpoint", "{\"NetworkID\":\"netmac\",\"EndpointID\":\"epmac\"}");
        ok("/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"netmac\"}");
    }

    @Test
    void discoveryAndSwarmAllocationAreAnswered() throws IOException {
        ok(
                "/NetworkDriver.DiscoverNew",
                "{\"DiscoveryType\":1,\"DiscoveryData\":{\"Address\":\"192.0.2.9\",\"self\":false}}");
        ok("/NetworkDriver.DiscoverDelete", "{\"DiscoveryType\":1,\"DiscoveryData\":{\"Address\":\"192.0.2.9\"}}");
        JsonNode a = ok(
                "/NetworkDriver.AllocateNetwork",
                "{\"NetworkID\":\"swarmnet\",\"Options\":{\"x\":\"y\"},\"IPv4Data\":[]}");
        assertEquals("y", a.get("Options").get("x").asText());
        String vni = a.get("Options").get("jovl.vni").asText();
        assertEquals(
                vni,
                ok("/NetworkDriver.AllocateNetwork", "{\"NetworkID\":\"swarmnet\",\"Options\":{\"x\":\"y\"}}")
                        .get("Options")
                        .get("jovl.vni")
                        .asText(),
                "resend: same VNI");
        // a worker then gets CreateNetwork with the allocated options
        ok("/NetworkDriver.CreateNetwork", network("swarmnet", "{\"x\":\"y\",\"jovl.vni\":\"" + vni + "\"}"));
        ok("/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"swarmnet\"}"); // a worker's: record stays
        assertTrue(store.get("jovl/v1/networks/swarmnet").isPresent());
        ok("/NetworkDriver.FreeNetwork", "{\"NetworkID\":\"swarmnet\"}");
        assertTrue(store.get("jovl/v1/networks/swarmnet").isEmpty());
        assertTrue(store.get("jovl/v1/vni/" + vni).isEmpty());
    }

    @Test
    void keepAliveConnectionsServeManyRequestsInOrder() throws IOException {
        try (UnixHttpClient c = UnixHttpClient.connect(socket)) {
            for (int i = 0; i < 20; i++) {
                Response r = c.post(i % 2 == 0 ? "/Plugin.Activate" : "/NetworkDriver.GetCapabilities", "");
                assertEquals(200, r.status());
                assertEquals(i % 2 == 0, r.body().contains("Implements"), r.body());
            }
        }
    }

    @Test
    void concurrentResendsOfOneCreateEndWithOneRecord() throws Exception {
        ok("/NetworkDriver.CreateNetwork", network("netconc", "{}"));
        String ep =
                "{\"NetworkID\":\"netconc\",\"EndpointID\":\"epconc\",\"Interface\":{\"Address\":\"10.31.0.5/24\"}}";
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Response>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                results.add(pool.submit(() -> post("/NetworkDriver.CreateEndpoint", ep)));
            }
            String mac = null;
            for (Future<Response> f : results) {
                Response r = f.get();
                assertEquals(200, r.status(), r.body());
                String m = Json.MAPPER
                        .readTree(r.body())
                        .get("Interface")
                        .get("MacAddress")
                        .asText();
                assertTrue(mac == null || mac.equals(m));
                mac = m;
            }
            assertNotNull(store.get("jovl/v1/endpoints/netconc/epconc").orElse(null));
        } finally {
            pool.shutdownNow();
        }
        ok("/NetworkDriver.DeleteEndpoint", "{\"NetworkID\":\"netconc\",\"EndpointID\":\"epconc\"}");
        ok("/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"netconc\"}");
        assertNull(store.get("jovl/v1/networks/netconc").orElse(null));
    }

    @Test
    void statusAndPeersAnswerOverTheSocket() throws IOException {
        JsonNode s = ok("/Jovl.Status", "");
        assertEquals(host.ip(), s.get("VTEP").asText());
        // every background loop is listed, in the order the daemon declares (and starts) them
        List<String> loops = new ArrayList<>();
        s.get("Loops").forEach(l -> loops.add(l.get("Name").asText()));
        assertEquals(
                List.of(
                        "host-lease",
                        "peer-sync",
                        "peer-programming",
                        "sandbox-sweep",
                        "vanished-endpoints",
                        "network-removal-watch",
                        "endpoint-sweep",
                        "service-lb",
                        "dead-host-reaper"),
                loops.stream().filter(n -> !n.startsWith("carrier-")).toList(),
                s.get("Loops").toString());
        err(post("/Jovl.Peers", "{\"Network\":\"nosuchnetwork\"}"), 400);
    }

    @Test
    void ipamEndpointsShareTheSocketAndFollowDockersSequence() throws IOException {
        assertTrue(ok("/IpamDriver.GetCapabilities", "").has("RequiresMACAddress"));
        JsonNode spaces = ok("/IpamDriver.GetDefaultAddressSpaces", "");
        String global = spaces.get("GlobalDefaultAddressSpace").asText();
        // docker network create --subnet 10.77.0.0/24 --gateway 10.77.0.1 (plugin-protocol.md 5.1)
        JsonNode pool = ok(
                "/IpamDriver.RequestPool",
                "{\"AddressSpace\":\"" + global
                        + "\",\"Pool\":\"10.77.0.0/24\",\"SubPool\":\"\",\"Options\":{},\"V6\":false}");
        String poolId = pool.get("PoolID").asText();
        assertEquals("10.77.0.0/24", pool.get("Pool").asText());
        assertEquals(
                "10.77.0.1/24",
                ok(
                                "/IpamDriver.RequestAddress",
                                "{\"PoolID\":\"" + poolId
                                        + "\",\"Address\":\"10.77.0.1\",\"Options\":{\"RequestAddressType\":\"com.docker.network.gateway\"}}")
                        .get("Address")
                        .asText());
        ok(
                "/NetworkDriver.CreateNetwork",
                "{\"NetworkID\":\"netipam\",\"Options\":{},\"IPv4Data\":[{\"AddressSpace\":\"" + global
                        + "\",\"Pool\":\"10.77.0.0/24\",\"Gateway\":\"10.77.0.1/24\"}]}");
        // docker run (5.2): an address, then the endpoint
        String address = ok(
                        "/IpamDriver.RequestAddress",
                        "{\"PoolID\":\"" + poolId + "\",\"Address\":\"\","
                                + "\"Options\":{\"com.docker.network.endpoint.macaddress\":\"02:42:0a:4d:00:02\"}}")
                .get("Address")
                .asText();
        assertTrue(address.startsWith("10.77.0.") && address.endsWith("/24"), address);
        ok(
                "/NetworkDriver.CreateEndpoint",
                "{\"NetworkID\":\"netipam\",\"EndpointID\":\"epipam\",\"Interface\":" + "{\"Address\":\"" + address
                        + "\",\"MacAddress\":\"02:42:0a:4d:00:02\"}}");
        // a taken address is refused with Docker's error convention
        String why = err(
                post(
                        "/IpamDriver.RequestAddress",
                        "{\"PoolID\":\"" + poolId + "\",\"Address\":\"" + address.substring(0, address.indexOf('/'))
                                + "\"}"),
                500);
        assertTrue(why.contains(address.substring(0, address.indexOf('/'))), why);
        err(post("/IpamDriver.RequestAddress", "{\"PoolID\":\"nosuchpool\",\"Address\":\"\"}"), 400);
        err(post("/IpamDriver.RequestPool", "{\"AddressSpace\":\"" + global + "\",\"Pool\":\"10.77.0.0/99\"}"), 400);
        // docker stop / network rm (5.4, 5.5)
        ok("/NetworkDriver.DeleteEndpoint", "{\"NetworkID\":\"netipam\",\"EndpointID\":\"epipam\"}");
        ok(
                "/IpamDriver.ReleaseAddress",
                "{\"PoolID\":\"" + poolId + "\",\"Address\":\"" + address.substring(0, address.indexOf('/')) + "\"}");
        ok("/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"netipam\"}");
        ok("/IpamDriver.ReleaseAddress", "{\"PoolID\":\"" + poolId + "\",\"Address\":\"10.77.0.1\"}");
        ok("/IpamDriver.ReleasePool", "{\"PoolID\":\"" + poolId + "\"}");
        ok("/IpamDriver.ReleasePool", "{\"PoolID\":\"" + poolId + "\"}");
    }

    private static Path daemonRunDir() {
        return socket.getParent();
    }
}
