package dev.jovl.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jovl.driver.api.DriverApi;
import dev.jovl.driver.cli.DaemonOptions;
import dev.jovl.driver.http.Json;
import dev.jovl.driver.status.StatusApi;
import dev.jovl.driver.testing.DaemonFixture;
import dev.jovl.ipam.protocol.IpamProtocol;
import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.netlink.testing.Shell;
import dev.jovl.netlink.testing.TestLab;
import dev.jovl.unixhttp.UnixHttpClient;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzing the plugin protocol (issue 14) against a real daemon over its socket (embedded store,
 * kernel objects in the test's own namespaces, as {@link PluginProtocolTest}): for every route,
 * random bodies and schema-aware ones (the route's own field names, with values of the right
 * type, the wrong type, odd strings, near-valid ids and addresses). Whatever comes, the answer is
 * a 200, or a 4xx that changed nothing in the store, or a 5xx with a message; never a dropped
 * connection or a 5xx without {"Err"}.
 */
class PluginProtocolFuzzTest {
    private static final Map<String, Class<?>> ROUTES = new LinkedHashMap<>();

    static {
        ROUTES.put("/Plugin.Activate", DriverApi.Empty.class);
        ROUTES.put("/NetworkDriver.GetCapabilities", DriverApi.Empty.class);
        ROUTES.put("/NetworkDriver.CreateNetwork", DriverApi.CreateNetworkRequest.class);
        ROUTES.put("/NetworkDriver.DeleteNetwork", DriverApi.NetworkRequest.class);
        ROUTES.put("/NetworkDriver.AllocateNetwork", DriverApi.AllocateNetworkRequest.class);
        ROUTES.put("/NetworkDriver.FreeNetwork", DriverApi.NetworkRequest.class);
        ROUTES.put("/NetworkDriver.CreateEndpoint", DriverApi.CreateEndpointRequest.class);
        ROUTES.put("/NetworkDriver.DeleteEndpoint", DriverApi.EndpointRequest.class);
        ROUTES.put("/NetworkDriver.EndpointOperInfo", DriverApi.EndpointRequest.class);
        ROUTES.put("/NetworkDriver.Join", DriverApi.JoinRequest.class);
        ROUTES.put("/NetworkDriver.Leave", DriverApi.EndpointRequest.class);
        ROUTES.put("/NetworkDriver.DiscoverNew", DriverApi.DiscoveryRequest.class);
        ROUTES.put("/NetworkDriver.DiscoverDelete", DriverApi.DiscoveryRequest.class);
        ROUTES.put("/NetworkDriver.ProgramExternalConnectivity", DriverApi.ExternalConnectivityRequest.class);
        ROUTES.put("/NetworkDriver.RevokeExternalConnectivity", DriverApi.ExternalConnectivityRequest.class);
        ROUTES.put("/IpamDriver.GetCapabilities", DriverApi.Empty.class);
        ROUTES.put("/IpamDriver.GetDefaultAddressSpaces", DriverApi.Empty.class);
        ROUTES.put("/IpamDriver.RequestPool", IpamProtocol.RequestPoolRequest.class);
        ROUTES.put("/IpamDriver.ReleasePool", IpamProtocol.ReleasePoolRequest.class);
        ROUTES.put("/IpamDriver.RequestAddress", IpamProtocol.RequestAddressRequest.class);
        ROUTES.put("/IpamDriver.ReleaseAddress", IpamProtocol.ReleaseAddressRequest.class);
        ROUTES.put("/Jovl.Status", DriverApi.Empty.class);
        ROUTES.put("/Jovl.Peers", StatusApi.PeersRequest.class);
    }

    private static TestLab lab;
    private static Store store;
    private static Daemon daemon;
    private static Path storeDir;

    @BeforeContainer
    static void start() throws IOException {
        lab = new TestLab();
        TestLab.Host host = lab.host();
        storeDir = Files.createTempDirectory("jdr-fuzz");
        store = Stores.open("file:" + storeDir);
        DaemonOptions options = DaemonFixture.options(lab, host, "file:" + storeDir);
        daemon = DaemonFixture.start(options, host, store);
    }

    @AfterContainer
    static void stop() {
        if (daemon != null) {
            daemon.close();
        }
        if (store != null) {
            store.close();
        }
        if (lab != null) {
            lab.close();
        }
        if (storeDir != null) {
            Shell.run("rm", "-rf", storeDir.toString());
        }
    }

    private static Map<String, Long> snapshot() {
        return store.list("jovl/").entries().stream()
                .filter(kv -> !kv.key().startsWith("jovl/v1/hosts/"))
                .collect(Collectors.toMap(KeyValue::key, KeyValue::version));
    }

    private static void check(String path, String body) throws IOException {
        Map<String, Long> before = snapshot();
        UnixHttpClient.Response r;
        try (UnixHttpClient c = UnixHttpClient.connect(daemon.socket())) {
            r = c.post(path, body);
        }
        int status = r.status();
        assertTrue(status == 200 || (status >= 400 && status < 600), path + " " + body + " -> " + status);
        if (status >= 400) {
            JsonNode n = Json.MAPPER.readTree(r.body());
            assertTrue(
                    n.hasNonNull("Err") && !n.get("Err").asText().isBlank(),
                    path + " " + body + " -> " + status + " without a message: " + r.body());
        }
        if (status >= 400 && status < 500) {
            assertEquals(
                    before, snapshot(), path + " " + body + " -> " + status + " " + r.body() + " changed the store");
        }
    }

    @Property(tries = 400)
    void schemaAwareBodies(@ForAll("routes") String path, @ForAll("seeds") long seed) throws IOException {
        java.util.Random random = new java.util.Random(seed);
        check(path, Json.MAPPER.writeValueAsString(object(ROUTES.get(path), random, 0)));
    }

    @Property(tries = 200)
    void randomBodies(@ForAll("routes") String path, @ForAll("bodies") String body) throws IOException {
        check(path, body);
    }

    @Provide
    Arbitrary<String> routes() {
        return Arbitraries.of(new ArrayList<>(ROUTES.keySet()));
    }

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> junk = Arbitraries.strings().ofMaxLength(200);
        Arbitrary<String> jsonish = Arbitraries.of(
                        "{",
                        "}",
                        "[",
                        "]",
                        "\"",
                        ":",
                        ",",
                        "null",
                        "1e999",
                        "-0",
                        "true",
                        "\"NetworkID\"",
                        "\"Options\"",
                        "{\"a\":",
                        "\\u0000",
                        "\u2028",
                        "\n")
                .list()
                .ofMaxSize(30)
                .map(l -> String.join("", l));
        Arbitrary<String> deep = Arbitraries.integers().between(1, 3000).map(n -> "[".repeat(n) + "]".repeat(n));
        return Arbitraries.oneOf(
                junk, jsonish, deep, Combinators.combine(junk, jsonish).as((a, b) -> "{" + a + b));
    }

    /** An object of {@code type}'s JSON fields, each value right, wrong or odd. */
    private static Map<String, Object> object(Class<?> type, java.util.Random random, int depth) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (type.isRecord()) {
            for (RecordComponent c : type.getRecordComponents()) {
                JsonProperty p = c.getAnnotation(JsonProperty.class);
                if (random.nextInt(8) == 0) {
                    continue; // missing field
                }
                out.put(p == null ? c.getName() : p.value(), value(c.getGenericType(), random, depth + 1));
            }
        }
        if (random.nextInt(10) == 0) {
            out.put("Unknown" + random.nextInt(3), value(String.class, random, depth + 1));
        }
        return out;
    }

    private static final List<String> STRINGS = List.of(
            "",
            " ",
            "a".repeat(64),
            "b".repeat(64),
            "0".repeat(63),
            "ab\ncd",
            "x\r\nINFO forged",
            "\u0000",
            "../../etc",
            "10.31.0.5/24",
            "10.31.0.0/24",
            "10.31.0.1/24",
            "fd00::1/64",
            "999.1.1.1/24",
            "jovl-global",
            "jovl-global/10.31.0.0/24",
            "jovl-local",
            "02:42:0a:1f:00:05",
            "zz:zz",
            "-1",
            "\u00e9\u2028",
            "a".repeat(5000));

    private static Object value(Type type, java.util.Random random, int depth) {
        if (depth > 4 || random.nextInt(12) == 0) {
            return random.nextBoolean() ? null : List.of(1, "x"); // null or the wrong kind
        }
        Class<?> raw = type instanceof ParameterizedType pt ? (Class<?>) pt.getRawType() : (Class<?>) type;
        if (raw == String.class) {
            return random.nextInt(10) == 0 ? random.nextInt() : STRINGS.get(random.nextInt(STRINGS.size()));
        }
        if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class) {
            return switch (random.nextInt(5)) {
                case 0 -> 1.5;
                case 1 -> "1";
                case 2 -> Long.MAX_VALUE;
                default -> random.nextInt(4) - 1;
            };
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return random.nextInt(6) == 0 ? "true" : random.nextBoolean();
        }
        if (Map.class.isAssignableFrom(raw)) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = random.nextInt(4); i > 0; i--) {
                String key = List.of(
                                "com.docker.network.generic",
                                "com.docker.network.enable_ipv6",
                                "jovl.vni",
                                "jovl.mtu",
                                "RequestAddressType",
                                "com.docker.network.gateway",
                                "x")
                        .get(random.nextInt(7));
                m.put(
                        key,
                        random.nextInt(3) == 0 ? Map.of("jovl.vni", "5001") : value(String.class, random, depth + 1));
            }
            return m;
        }
        if (List.class.isAssignableFrom(raw)) {
            Type element = type instanceof ParameterizedType pt ? pt.getActualTypeArguments()[0] : String.class;
            List<Object> l = new ArrayList<>();
            for (int i = random.nextInt(3); i > 0; i--) {
                l.add(value(element, random, depth + 1));
            }
            return l;
        }
        return object(raw, random, depth);
    }
}
