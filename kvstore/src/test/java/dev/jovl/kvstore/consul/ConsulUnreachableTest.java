package dev.jovl.kvstore.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.testing.EtcdServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the Consul backend can show without a Consul agent: addressing, and failing in bounded time. */
class ConsulUnreachableTest {

    @Test
    void anUnreachableAgentIsUnavailableWithinTheDeadline() {
        int port = EtcdServer.freePort();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (Store s = Stores.open(
                    "consul://",
                    Map.of("CONSUL_HTTP_ADDR", "http://127.0.0.1:" + port, "CONSUL_HTTP_TOKEN", "secret-token"))) {
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
        StoreException.InvalidArgument e = assertThrows(
                StoreException.InvalidArgument.class,
                () -> Stores.open(
                        "consul://",
                        Map.of("CONSUL_HTTP_ADDR", "https://127.0.0.1:8501", "CONSUL_CACERT", "/nonexistent/ca.pem")));
        assertEquals(true, e.getMessage().contains("CA certificate file /nonexistent/ca.pem"), e.getMessage());
    }

    @Test
    void aClientCertificateNeedsItsKey() {
        StoreException.InvalidArgument e = assertThrows(
                StoreException.InvalidArgument.class,
                () -> Stores.open(
                        "consul://",
                        Map.of(
                                "CONSUL_HTTP_ADDR",
                                "https://127.0.0.1:8501",
                                "CONSUL_CLIENT_CERT",
                                "/etc/consul/client.pem")));
        assertEquals(true, e.getMessage().contains("CONSUL_CLIENT_KEY"), e.getMessage());
    }

    /**
     * The texts are those of Consul's state store (agent/consul/state/txn.go txnKVS, kvs.go
     * kvsLockTxn, kvsCheckIndexTxn); a key containing "session" stays a Conflict.
     */
    @Test
    void rolledBackTransactionsAreClassifiedByConsulsExactMessages() {
        String key = "jovl/v1/names/session-db";
        assertEquals(
                ConsulStore.Rollback.LEASE_GONE,
                ConsulStore.rollbackKind("invalid session \"3f2a0b5e-1c1d-4a7e-9d55-8b0e1c2d3e4f\"", key));
        assertEquals(ConsulStore.Rollback.LEASE_GONE, ConsulStore.rollbackKind("missing session", key));
        for (String what : List.of(
                "failed to lock key \"jovl/v1/names/session-db\", lock is already held",
                "key \"jovl/v1/names/session-db\" exists",
                "failed to check index, key \"jovl/v1/names/session-db\" doesn't exist",
                "failed index check for key \"jovl/v1/names/session-db\", current modify index 7 != 5",
                "failed to set key \"jovl/v1/names/session-db\", index is stale",
                "failed to delete key \"jovl/v1/names/session-db\", index is stale")) {
            assertEquals(ConsulStore.Rollback.CONDITION, ConsulStore.rollbackKind(what, key), what);
        }
        assertEquals(ConsulStore.Rollback.OTHER, ConsulStore.rollbackKind("failed session lookup: boom", key));
        assertEquals(ConsulStore.Rollback.OTHER, ConsulStore.rollbackKind("key \"other\" exists", key));
    }

    @Test
    void keysThatAnHttpPathWouldCollapseAreRefused() {
        for (String bad : List.of("jovl/../x", "jovl/./x", "jovl//x", "..", "a/..")) {
            assertThrows(StoreException.InvalidArgument.class, () -> ConsulHttp.kvPath(bad), bad);
        }
        assertEquals("v1/kv/jovl/v1/", ConsulHttp.kvPath("jovl/v1/"));
        assertEquals("v1/kv/jovl/a.b/..c", ConsulHttp.kvPath("jovl/a.b/..c"));
        int port = EtcdServer.freePort();
        try (Store s = Stores.open("consul://127.0.0.1:" + port + "?timeout=200ms", Map.of())) {
            assertThrows(StoreException.InvalidArgument.class, () -> s.put("jovl/../x", new byte[1]));
            assertThrows(StoreException.InvalidArgument.class, () -> s.get("jovl//x"));
        }
    }
}
