package dev.jovl.kvstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreUrlTest {
    private static final Map<String, String> NO_ENV = Map.of();

    @Test
    void fileUrls() {
        assertEquals(
                Path.of("/var/lib/jovl/store"),
                StoreUrl.parse("file:/var/lib/jovl/store", NO_ENV).dir());
        assertEquals(
                Path.of("/var/lib/jovl"),
                StoreUrl.parse("file:///var/lib/jovl/", NO_ENV).dir());
        assertEquals(
                StoreUrl.Backend.EMBEDDED, StoreUrl.parse("file:/x", NO_ENV).backend());
    }

    /**
     * The embedded store has no TLS, user or key prefix: certificates or a user given with it are
     * a misconfiguration, refused before the store's directory is made.
     */
    @Test
    void theEmbeddedStoreRefusesSecuritySettingsAndCreatesNothing(@TempDir Path tmp) {
        Path dir = tmp.resolve("store");
        StoreSecurity ca = new StoreSecurity(tmp.resolve("ca.pem"), null, null, null, null, null);
        StoreException.InvalidArgument e =
                assertThrows(StoreException.InvalidArgument.class, () -> Stores.open("file:" + dir, ca, NO_ENV));
        assertTrue(e.getMessage().contains("embedded store"), e.getMessage());
        assertFalse(java.nio.file.Files.exists(dir), "nothing created");
        // a path in a file: URL is the directory, never a key prefix
        assertEquals("", StoreUrl.parse("file:" + dir + "/cluster-a", NO_ENV).keyPrefix());
    }

    @Test
    void etcdUrls() {
        StoreUrl u = StoreUrl.parse("etcd://10.0.0.1:2379,etcd2,[::1]:23790?timeout=750ms", NO_ENV);
        assertEquals(StoreUrl.Backend.ETCD, u.backend());
        assertEquals(
                List.of(
                        new StoreUrl.HostPort("10.0.0.1", 2379),
                        new StoreUrl.HostPort("etcd2", 2379),
                        new StoreUrl.HostPort("::1", 23790)),
                u.endpoints());
        assertEquals(Duration.ofMillis(750), u.timeout());
        assertEquals(
                StoreUrl.DEFAULT_TIMEOUT, StoreUrl.parse("etcd://h:1/", NO_ENV).timeout());
        assertEquals(
                Duration.ofSeconds(3),
                StoreUrl.parse("etcd://h:1?timeout=3s", NO_ENV).timeout());
    }

    @Test
    void consulUrlsAndTheEnvironment() {
        StoreUrl u = StoreUrl.parse("consul://c1:8501", NO_ENV);
        assertEquals(List.of(new StoreUrl.HostPort("c1", 8501)), u.endpoints());
        assertEquals(false, u.https());
        StoreUrl fromEnv = StoreUrl.parse("consul://", Map.of("CONSUL_HTTP_ADDR", "https://agent.local:8443"));
        assertEquals(List.of(new StoreUrl.HostPort("agent.local", 8443)), fromEnv.endpoints());
        assertTrue(fromEnv.https());
        assertEquals(
                new StoreUrl.HostPort("127.0.0.1", 8500),
                StoreUrl.parse("consul://", Map.of("CONSUL_HTTP_ADDR", "127.0.0.1"))
                        .endpoints()
                        .getFirst());
        assertTrue(
                StoreUrl.parse("consul://h", Map.of("CONSUL_HTTP_SSL", "true")).https());
    }

    @Test
    void badUrlsAreRefusedWithAReason() {
        for (String bad : List.of(
                "",
                "redis://h:1",
                "file:relative/dir",
                "file://host/dir",
                "file:/",
                "etcd:h:1",
                "etcd://",
                "etcd://h:0",
                "etcd://h:99999",
                "etcd://h:x",
                "etcd://h:1,",
                "etcd://::1:2379",
                "etcd://h:1/a//b",
                "etcd://h:1/../x",
                "etcd://h:1/a b",
                "etcd+ftp://h:1",
                "etcd://h:1?dc=x",
                "consul://h?dc=a/b",
                "etcd://h:1?timeout=forever",
                "etcd://h:1?retries=3",
                "consul://a:1,b:2",
                "etcd://h:1?timeout=1ms",
                "consul://")) {
            StoreException.InvalidArgument e =
                    assertThrows(StoreException.InvalidArgument.class, () -> Stores.open(bad, NO_ENV), bad);
            assertTrue(e.getMessage().startsWith("bad store URL '" + bad + "': "), e.getMessage());
        }
        assertThrows(
                StoreException.InvalidArgument.class,
                () -> StoreUrl.parse("consul://", Map.of("CONSUL_HTTP_ADDR", "ftp://h:1")));
        assertThrows(
                StoreException.InvalidArgument.class,
                () -> StoreUrl.parse("consul://", Map.of("CONSUL_HTTP_ADDR", "unix://relative.sock")));
    }

    /** A password in the URL would be logged and shown by jovl status: refused, and not repeated. */
    @Test
    void credentialsInTheUrlAreRefusedWithoutRepeatingThem() {
        for (String bad : List.of(
                "etcd://jovl:s3cret@h:2379",
                "etcd+https://h:1,jovl:s3cret@g:2/prefix",
                "consul://s3cret@c:8500",
                "consul+https://u:s3cret@c/p?dc=x")) {
            StoreException.InvalidArgument e =
                    assertThrows(StoreException.InvalidArgument.class, () -> Stores.open(bad, NO_ENV), bad);
            assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
            assertTrue(e.getMessage().contains("--store-password-file"), e.getMessage());
        }
        StoreException.InvalidArgument e = assertThrows(
                StoreException.InvalidArgument.class,
                () -> StoreUrl.parse("consul://", Map.of("CONSUL_HTTP_ADDR", "https://u:s3cret@c:8501")));
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        e = assertThrows(
                StoreException.InvalidArgument.class,
                () -> StoreUrl.parse("consul://", Map.of("CONSUL_HTTP_ADDR", "u:s3cret@c:8500")));
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        // an '@' after the authority is no credential
        assertEquals("a@b/", StoreUrl.parse("etcd://h:1/a@b", NO_ENV).keyPrefix());
    }

    @Test
    void tlsSchemesKeyPrefixesAndConsulOptions() {
        StoreUrl plain = StoreUrl.parse("etcd://h:1", NO_ENV);
        assertEquals(false, plain.https());
        assertEquals("", plain.keyPrefix());
        StoreUrl tls = StoreUrl.parse("etcd+https://h:1,g:2/cluster-a?timeout=2s", NO_ENV);
        assertTrue(tls.https());
        assertEquals("cluster-a/", tls.keyPrefix());
        assertEquals(2, tls.endpoints().size());
        assertEquals("a/b/", StoreUrl.parse("consul://c/a/b/", NO_ENV).keyPrefix());
        assertTrue(StoreUrl.parse("consul+https://c:8501", NO_ENV).https());
        assertEquals(
                "dc2", StoreUrl.parse("consul://c?dc=dc2&timeout=1s", NO_ENV).datacenter());
        StoreUrl unix = StoreUrl.parse("consul:///prefix", Map.of("CONSUL_HTTP_ADDR", "unix:///run/consul.sock"));
        assertEquals(Path.of("/run/consul.sock"), unix.unixSocket());
        assertEquals("prefix/", unix.keyPrefix());
        assertTrue(unix.endpoints().isEmpty());
    }
}
