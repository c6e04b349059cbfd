package dev.jovl.driver.docker;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.jovl.driver.NetworkDriverEndpoints;
import dev.jovl.driver.api.DriverApi.CreateNetworkRequest;
import dev.jovl.driver.http.Json;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.overlay.NetworkOptions;
import dev.jovl.overlay.OverlayException;
import dev.jovl.overlay.state.AddressPool;
import dev.jovl.overlay.state.StoreLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Joining per-host Docker networks into overlays by name, on the embedded store; two hosts. Joining
 * by the name Docker gives a network, and dropping networks Docker forgot, need a real dockerd:
 * examples' StandaloneModeTest checks them on simulated hosts.
 */
class StandaloneOverlaysTest {

    private static final String NET1 = "a".repeat(64);
    private static final String NET2 = "b".repeat(64);

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Store store1;
    private StandaloneOverlays host1;
    private StandaloneOverlays host2;
    private DockerEngineClient noDocker;

    @BeforeEach
    void hosts() throws Exception {
        store1 = open();
        noDocker = new DockerEngineClient(dir.resolve("no-docker.sock"), Duration.ofSeconds(1));
        toClose.add(noDocker);
        host1 = overlays(store1, noDocker, "h1");
        host2 = overlays(open(), noDocker, "h2");
    }

    /** A new client of the shared store (one per simulated host). */
    protected Store openStore() {
        return Stores.open("file:" + dir.resolve("store"));
    }

    private Store open() {
        Store store = openStore();
        toClose.add(store);
        return store;
    }

    private StandaloneOverlays overlays(Store store, DockerEngineClient docker, String host) {
        StandaloneOverlays overlays = new StandaloneOverlays(store, docker, host);
        toClose.add(overlays);
        return overlays;
    }

    @AfterEach
    void close() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    static NetworkSpec spec(String subnet, Map<String, String> options) {
        return new NetworkSpec(
                List.of(new AddressPool(null, subnet, gateway(subnet), Map.of())), List.of(), options, false, false);
    }

    private static String gateway(String subnet) {
        return subnet.replaceFirst("\\.0/(\\d+)$", ".1/$1");
    }

    @Test
    void twoHostsJoinOneOverlayByExplicitName() {
        assertEquals(
                "ov1",
                host1.networkCreated(NET1, spec("10.10.0.0/24", Map.of("jovl.network", "ov1")))
                        .orElseThrow());
        assertEquals(
                "ov1",
                host2.networkCreated(NET2, spec("10.10.0.0/24", Map.of("jovl.network", "ov1")))
                        .orElseThrow());
        Overlay seen1 = host1.overlayFor(NET1);
        Overlay seen2 = host2.overlayFor(NET2);
        assertEquals(seen1, seen2);
        assertEquals("ov1", seen1.name());
        assertEquals(Map.of("h1", NET1, "h2", NET2), seen1.members());
        assertEquals("ov1", host2.overlayOf(NET2).orElseThrow());
        assertTrue(host2.overlayOf("c".repeat(64)).isEmpty());

        long version =
                store1.get(StandaloneOverlays.overlayKey("ov1")).orElseThrow().version();
        host2.networkCreated(NET2, spec("10.10.0.0/24", Map.of("jovl.network", "ov1")));
        assertEquals(
                version,
                store1.get(StandaloneOverlays.overlayKey("ov1")).orElseThrow().version(),
                "a resent CreateNetwork writes nothing");
    }

    @Test
    void differingSubnetOrOptionIsRefusedClearlyAndWritesNothing() {
        host1.networkCreated(
                NET1, spec("10.10.0.0/24", Map.of("jovl.network", "ov1", "com.docker.network.driver.mtu", "1400")));
        StandaloneNetworkException subnet = assertThrows(
                StandaloneNetworkException.class,
                () -> host2.networkCreated(
                        NET2,
                        spec("10.20.0.0/24", Map.of("jovl.network", "ov1", "com.docker.network.driver.mtu", "1400"))));
        assertTrue(
                subnet.getMessage()
                        .contains("IPv4 pools: 10.20.0.0/24 gw 10.20.0.1/24 here, 10.10.0.0/24 gw 10.10.0.1/24 there"),
                subnet.getMessage());
        assertTrue(subnet.getMessage().contains("h1"), "names the host it differs from: " + subnet.getMessage());
        StandaloneNetworkException option = assertThrows(
                StandaloneNetworkException.class,
                () -> host2.networkCreated(NET2, spec("10.10.0.0/24", Map.of("jovl.network", "ov1"))));
        assertTrue(
                option.getMessage().contains("option com.docker.network.driver.mtu: unset here, '1400' there"),
                option.getMessage());
        assertTrue(store1.get(host2.localKey(NET2)).isEmpty(), "nothing written for the refused network");
        assertEquals(Map.of("h1", NET1), host1.overlayFor(NET1).members());
    }

    @Test
    void differentPinnedVnisAndBadNamesAreRefused() {
        host1.networkCreated(NET1, spec("10.10.0.0/24", Map.of("jovl.network", "ov1", "jovl.vni", "42")));
        StandaloneNetworkException vni = assertThrows(
                StandaloneNetworkException.class,
                () -> host2.networkCreated(
                        NET2, spec("10.10.0.0/24", Map.of("jovl.network", "ov1", "jovl.vni", "43"))));
        assertTrue(vni.getMessage().contains("option jovl.vni: '43' here, '42' there"), vni.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> host2.networkCreated(NET2, spec("10.30.0.0/24", Map.of("jovl.network", "bad/name"))));
        assertThrows(
                IllegalArgumentException.class,
                () -> host2.networkCreated("not an id", spec("10.30.0.0/24", Map.of())));
        assertTrue(store1.get(host2.localKey(NET2)).isEmpty());
    }

    @Test
    void overlayIdIsTheSameEverywhereAndLooksLikeADockerId() {
        assertEquals(StandaloneOverlays.overlayId("myStack1"), StandaloneOverlays.overlayId("myStack1"));
        assertNotEquals(StandaloneOverlays.overlayId("myStack1"), StandaloneOverlays.overlayId("myStack2"));
        assertTrue(StandaloneOverlays.overlayId("myStack1").matches("[0-9a-f]{64}"));
    }

    @Test
    void lastHostLeavingRemovesOverlay() {
        host1.networkCreated(NET1, spec("10.10.0.0/24", Map.of("jovl.network", "ov1")));
        host2.networkCreated(NET2, spec("10.10.0.0/24", Map.of("jovl.network", "ov1")));
        assertTrue(host1.networkDeleted(NET1).isEmpty(), "h2 is still in it");
        assertTrue(host1.networkDeleted(NET1).isEmpty(), "resent: nothing left to do");
        assertEquals(Map.of("h2", NET2), host2.overlayFor(NET2).members());
        assertTrue(host1.overlayOf(NET1).isEmpty());
        assertEquals("ov1", host2.networkDeleted(NET2).orElseThrow(), "the last host says so");
        assertTrue(store1.get(StandaloneOverlays.overlayKey("ov1")).isEmpty());
        assertTrue(store1.list(StoreLayout.LOCAL_NETWORKS).entries().isEmpty());
    }

    @Test
    void hostsRacingToCreateOneOverlayEndUpInTheSameOne() throws Exception {
        int hosts = 6;
        List<StandaloneOverlays> all = new ArrayList<>();
        for (int i = 0; i < hosts; i++) {
            all.add(overlays(open(), noDocker, "r" + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(hosts);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Object>> results = new ArrayList<>();
            for (int i = 0; i < hosts; i++) {
                StandaloneOverlays h = all.get(i);
                String net = Integer.toHexString(i + 1).repeat(64);
                results.add(pool.submit((Callable<Object>) () -> {
                    go.await();
                    h.networkCreated(net, spec("10.40.0.0/24", Map.of("jovl.network", "race")));
                    return null;
                }));
            }
            go.countDown();
            for (Future<Object> f : results) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        Overlay race = all.getFirst().overlayFor("1".repeat(64));
        assertEquals(hosts, race.members().size());
        assertEquals(1, store1.list(StoreLayout.OVERLAYS).entries().size());
    }

    @Test
    void restartKeepsTheBindingWithoutDocker() {
        host1.networkCreated(NET1, spec("10.10.0.0/24", Map.of("jovl.network", "ov1")));
        StandaloneOverlays again = overlays(open(), noDocker, "h1");
        assertEquals("ov1", again.overlayOf(NET1).orElseThrow());
        assertEquals("ov1", again.overlayFor(NET1).name());
    }

    @Test
    void unknownNetworkAndUnreachableDockerAreClearErrors() {
        StandaloneNetworkException unknown =
                assertThrows(StandaloneNetworkException.class, () -> host1.overlayFor(NET1));
        assertTrue(unknown.getMessage().contains("not a jovl network"), unknown.getMessage());
        host1.networkCreated(NET1, spec("10.10.0.0/24", Map.of()));
        StandaloneNetworkException noDockerAnswer =
                assertThrows(StandaloneNetworkException.class, () -> host1.overlayFor(NET1));
        assertTrue(noDockerAnswer.getMessage().contains("no-docker.sock"), noDockerAnswer.getMessage());
    }

    @Test
    void createNetworkRequestIsReadIntoASpecAndBadTypesRefused() throws Exception {
        NetworkSpec parsed = spec("""
                {"NetworkID":"x","Options":{"com.docker.network.enable_ipv6":false,"com.docker.network.internal":true,
                 "com.docker.network.generic":{"jovl.network":"ov1","com.docker.network.driver.mtu":"1400"}},
                 "IPv4Data":[{"AddressSpace":"jovl-local","Pool":"10.10.0.0/24","Gateway":"10.10.0.1/24","AuxAddresses":{"r":"10.10.0.254/24"}}],
                 "IPv6Data":[]}""");
        assertEquals(
                List.of(new AddressPool(null, "10.10.0.0/24", "10.10.0.1/24", Map.of("r", "10.10.0.254/24"))),
                parsed.ipv4());
        assertTrue(parsed.internal());
        assertEquals("ov1", parsed.explicitOverlayName().orElseThrow());
        assertEquals(new NetworkSpec(List.of(), List.of(), Map.of(), false, false), spec("{}"));
        assertThrows(JsonProcessingException.class, () -> spec("{\"IPv4Data\":{}}"));
        assertThrows(
                OverlayException.Invalid.class,
                () -> spec("{\"Options\":{\"com.docker.network.internal\":\"maybe\"}}"));
        assertThrows(
                OverlayException.Invalid.class,
                () -> spec("{\"Options\":{\"com.docker.network.generic\":{\"a\":{}}}}"));
    }

    /** A CreateNetwork body as the daemon reads it: Docker's record, then the checked core values. */
    private static NetworkSpec spec(String body) throws JsonProcessingException {
        CreateNetworkRequest r = Json.MAPPER.readValue(body, CreateNetworkRequest.class);
        NetworkOptions options = NetworkOptions.parse(r.options());
        return NetworkSpec.of(
                NetworkDriverEndpoints.pools(r.ipv4Data(), "IPv4Data", false),
                NetworkDriverEndpoints.pools(r.ipv6Data(), "IPv6Data", true),
                options.generic(),
                options.internal(),
                NetworkOptions.flag(r.options(), NetworkOptions.ENABLE_IPV6));
    }
}
