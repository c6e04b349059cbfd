package dev.jovl.kvstore.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.kvstore.EventRecorder;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.StoreSecurity;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.testing.EtcdServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authentication over plain http, through etcd's JSON gateway ({@code /v3/auth/authenticate},
 * the token as {@code Authorization}): works, survives the token's expiry, and refuses clearly.
 */
class EtcdGatewayAuthTest {
    @TempDir
    static Path dir;

    private static EtcdServer etcd;

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdServer.startWithFlags("--auth-token-ttl", "2");
        etcd.enableAuth("jovl", "gw-pw");
        Files.writeString(dir.resolve("pw"), "gw-pw\n");
        Files.writeString(dir.resolve("bad"), "nope");
    }

    @AfterAll
    static void stop() {
        etcd.close();
    }

    @Test
    void theGatewayAuthenticatesRenewsTheTokenAndWatches() throws Exception {
        StoreSecurity user = new StoreSecurity(null, null, null, "jovl", dir.resolve("pw"), null);
        try (Store s = Stores.open(etcd.url() + "/gw", user)) {
            EventRecorder seen = new EventRecorder();
            try (Watch w = s.watch("jovl/", s.list("jovl/").revision(), seen)) {
                s.put("jovl/a", new byte[] {1});
                assertEquals(
                        "jovl/a",
                        seen.awaitEvents(1, Duration.ofSeconds(5)).getFirst().key());
            }
            Thread.sleep(3500); // past --auth-token-ttl 2
            s.put("jovl/b", new byte[] {2});
        }
        assertTrue(etcd.etcdctl("get", "--prefix", "--keys-only", "gw/").contains("gw/jovl/b"));
    }

    @Test
    void aWrongPasswordOrNoUserIsAnAuthenticationFailure() {
        try (Store s = Stores.open(
                etcd.url() + "?timeout=2s", new StoreSecurity(null, null, null, "jovl", dir.resolve("bad"), null))) {
            StoreException e = assertThrows(StoreException.Unavailable.class, () -> s.put("x", new byte[1]));
            assertTrue(e.getMessage().contains("authentication failed"), e.getMessage());
        }
        try (Store s = Stores.open(etcd.url() + "?timeout=2s")) {
            StoreException e = assertThrows(StoreException.Unavailable.class, () -> s.put("x", new byte[1]));
            assertTrue(
                    e.getMessage().contains("authentication failed")
                            && e.getMessage().contains("--store-user"),
                    e.getMessage());
        }
    }

    @Test
    void aClientCertificateNeedsTls() {
        Path any = dir.resolve("pw");
        StoreException e = assertThrows(
                StoreException.InvalidArgument.class,
                () -> Stores.open(etcd.url(), new StoreSecurity(null, any, any, null, null, null)));
        assertTrue(e.getMessage().contains("etcd+https://"), e.getMessage());
    }

    /** The reverse of plain http against a TLS port: TLS against a plain one says so, writes nothing. */
    @Test
    void tlsAgainstAPlainPortFailsFastSayingSo() {
        String before = etcd.etcdctl("get", "--prefix", "--keys-only", "");
        StoreSecurity user = new StoreSecurity(null, null, null, "jovl", dir.resolve("pw"), null);
        for (StoreSecurity security : List.of(user, StoreSecurity.NONE)) {
            try (Store s = Stores.open(etcd.url().replace("etcd://", "etcd+https://") + "?timeout=2s", security)) {
                long t0 = System.nanoTime();
                StoreException e = assertThrows(StoreException.Unavailable.class, () -> s.put("tls-x", new byte[1]));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(e.getMessage().contains("does not speak TLS"), e.getMessage());
                assertFalse(e.getMessage().contains("may or may not"), "nothing was sent: " + e.getMessage());
                assertTrue(ms < 3000, "took " + ms + " ms: " + e.getMessage());
            }
        }
        assertEquals(before, etcd.etcdctl("get", "--prefix", "--keys-only", ""), "nothing written");
    }
}
