package dev.jovl.kvstore.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.testing.EtcdServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the Consul backend can show without a Consul agent: addressing, and failing in bounded time. */
class ConsulUnreachableTest {

    @Test
    void anUnreachableAgentIsUnavailableWithinTheDeadline() {
        int port = EtcdServer.freePort();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (Store s = Stores.open("consul://", Map.of("CONSUL_HTTP_ADDR", "http://127.0.0.1:" + port,
                    "CONSUL_HTTP_TOKEN", "secret-token"))) {
                assertThrows(StoreException.Unavailable.class, () -> s.get("jovl/x"));
                assertThrows(StoreException.Unavailable.class, () -> s.put("jovl/x", new byte[1]));
                assertThrows(StoreException.Unavailable.class, () -> s.list("jovl/"));
                assertThrows(StoreException.Unavailable.class, () -> s.grantLease(Duration.ofSeconds(10)));
                assertEquals("consul http://127.0.0.1:" + port + "/", s.describe(), "no token in descriptions");
            }
        });
    }

    @Test
    void keysArePercentEncodedInPaths() {
        assertEquals("v1/kv/jovl/v1/a%3Fb%23c%25d%2Be%26f", ConsulHttp.kvPath("jovl/v1/a?b#c%d+e&f"));
        assertEquals("v1/kv/", ConsulHttp.kvPath(""));
    }

    @Test
    void aMissingCaCertificateIsAClearError() {
        StoreException.InvalidArgument e = assertThrows(StoreException.InvalidArgument.class,
                () -> Stores.open("consul://", Map.of("CONSUL_HTTP_ADDR", "https://127.0.0.1:8501",
                        "CONSUL_CACERT", "/nonexistent/ca.pem")));
        assertEquals(true, e.getMessage().contains("CONSUL_CACERT=/nonexistent/ca.pem"), e.getMessage());
    }
}
