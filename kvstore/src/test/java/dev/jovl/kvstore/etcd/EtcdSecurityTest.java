package dev.jovl.kvstore.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.kvstore.EventRecorder;
import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.StoreSecurity;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.WatchEvent;
import dev.jovl.kvstore.testing.EtcdServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real etcd with TLS, client-certificate verification and authentication on (certificates
 * made here with {@code openssl}): the right settings work and the keys are what
 * {@code etcdctl} sees with the same certificates; each wrong setting fails fast with a message
 * naming the problem and writes nothing.
 */
class EtcdSecurityTest {
    /** The URLs' call deadline is 3 s: a refusal comes within it (and, for TLS and auth, at once). */
    private static final Duration FAST = Duration.ofSeconds(4);

    @TempDir
    static Path certs;

    private static EtcdServer etcd;

    @BeforeAll
    static void startSecuredEtcd() throws Exception {
        EtcdServer.TlsFiles files = EtcdServer.TlsFiles.generate(certs, "jovl"); // PKCS#8 keys ("PRIVATE KEY")
        openssl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "bad-ca.key",
                "-out",
                "bad-ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=other-ca");
        // an EC client key in SEC1 form ("EC PRIVATE KEY"), as `consul tls cert create` writes them
        EtcdServer.TlsFiles.signedClient(certs, "ec", "jovl-ec", "ca", true);
        assertTrue(Files.readString(certs.resolve("ec.key")).contains("BEGIN EC PRIVATE KEY"));
        // a client certificate for the right name signed by another CA
        EtcdServer.TlsFiles.signedClient(certs, "rogue", "jovl", "bad-ca", false);
        Files.writeString(certs.resolve("pw"), "s3cret-pw\n");
        Files.writeString(certs.resolve("badpw"), "wrong-pw");
        Files.writeString(certs.resolve("readerpw"), "r3ader");
        etcd = EtcdServer.startTls(files, "--auth-token-ttl", "2");
        etcdctl("user", "add", "reader:r3ader");
        etcdctl("role", "add", "ro");
        etcdctl("role", "grant-permission", "ro", "--prefix=true", "read", "");
        etcdctl("user", "grant-role", "reader", "ro");
        etcdctl("user", "add", "scoped:sc0ped");
        etcdctl("role", "add", "team-a");
        etcdctl("role", "grant-permission", "team-a", "--prefix=true", "readwrite", "team-a/");
        etcdctl("user", "grant-role", "scoped", "team-a");
        Files.writeString(certs.resolve("scopedpw"), "sc0ped");
        etcd.enableAuth("jovl", "s3cret-pw");
    }

    @AfterAll
    static void stop() {
        if (etcd != null) {
            etcd.close();
        }
    }

    private static Path f(String name) {
        return certs.resolve(name);
    }

    private static StoreSecurity right() {
        return new StoreSecurity(f("ca.pem"), f("client.pem"), f("client.key"), "jovl", f("pw"), null);
    }

    private static String url(String path) {
        return "etcd://127.0.0.1:" + etcd.clientPort() + path + "?timeout=3s";
    }

    @Test
    void theRightSettingsWorkAndEtcdctlSeesTheKeys() throws Exception {
        try (Store s = Stores.open(url("/sec-a"), right())) {
            assertFalse(s.describe().contains("s3cret"), s.describe());
            assertTrue(s.describe().contains("user jovl"), s.describe());
            long v = s.create("jovl/v1/networks/n1", "net".getBytes(StandardCharsets.UTF_8));
            assertEquals(v, s.get("jovl/v1/networks/n1").orElseThrow().version());
            EventRecorder seen = new EventRecorder();
            try (Watch w = s.watch("jovl/", s.list("jovl/").revision(), seen);
                    Lease lease = s.grantLease(Duration.ofSeconds(5))) {
                s.create("jovl/v1/hosts/h1", "vtep".getBytes(StandardCharsets.UTF_8), lease);
                List<WatchEvent> events = seen.awaitEvents(1, Duration.ofSeconds(10));
                assertEquals(
                        "jovl/v1/hosts/h1", events.getFirst().key(), "the watch works under auth, keys unprefixed");
                assertEquals(
                        List.of("jovl/v1/hosts/h1", "jovl/v1/networks/n1"),
                        s.list("jovl/").entries().stream().map(KeyValue::key).toList());
            }
            // the token expires after 2 s idle (--auth-token-ttl 2): the client authenticates again
            Thread.sleep(3500);
            s.put("jovl/v1/after-expiry", new byte[] {1});
        }
        String seen = etcdctl("get", "--prefix", "--keys-only", "sec-a/");
        assertTrue(seen.contains("sec-a/jovl/v1/networks/n1"), seen);
        assertTrue(seen.contains("sec-a/jovl/v1/after-expiry"), seen);
        assertFalse(seen.contains("sec-a/jovl/v1/hosts/h1"), "revoked with its lease: " + seen);
    }

    /**
     * A restarted etcd has forgotten every simple token: the open watch reconnects, is refused
     * for its token, authenticates again and carries on with nothing lost; calls do the same.
     */
    @Test
    void aWatchAndCallsSurviveARestartThatInvalidatesTheToken() throws Exception {
        try (Store s = Stores.open(url("/sec-restart"), right());
                Store other = Stores.open(url("/sec-restart"), right())) {
            EventRecorder seen = new EventRecorder();
            try (Watch w = s.watch("jovl/", s.list("jovl/").revision(), seen)) {
                s.put("jovl/before", new byte[] {1});
                seen.awaitEvents(1, Duration.ofSeconds(10));
                etcd.stop();
                etcd.restart();
                other.put("jovl/after", new byte[] {2});
                List<WatchEvent> events = seen.awaitEvents(2, Duration.ofSeconds(20));
                assertEquals(
                        List.of("jovl/before", "jovl/after"),
                        events.stream().map(WatchEvent::key).toList());
            }
            assertEquals(2, s.get("jovl/after").orElseThrow().value()[0]);
        }
    }

    /** A user whose role covers only its key prefix: everything works, the watch's probes included. */
    @Test
    void aUserConfinedToItsKeyPrefixWorksThroughTheUrlPrefix() throws Exception {
        StoreSecurity scoped =
                new StoreSecurity(f("ca.pem"), f("client.pem"), f("client.key"), "scoped", f("scopedpw"), null);
        String u = "etcd://127.0.0.1:" + etcd.clientPort() + "/team-a?timeout=1s";
        try (Store s = Stores.open(u, scoped)) {
            EventRecorder seen = new EventRecorder();
            try (Watch w = s.watch("jovl/", s.list("jovl/").revision(), seen)) {
                Thread.sleep(2500); // the watch's liveness probe runs every second
                s.put("jovl/v1/k", new byte[] {1});
                assertEquals(
                        "jovl/v1/k",
                        seen.awaitEvents(1, Duration.ofSeconds(5)).getFirst().key());
                assertTrue(
                        seen.connectionStates().stream().allMatch(c -> c),
                        "never disconnected: " + seen.connectionStates());
            }
        }
        assertTrue(etcdctl("get", "--keys-only", "team-a/jovl/v1/k").contains("team-a/jovl/v1/k"));
    }

    @Test
    void anEcClientKeyInSec1FormWorks() {
        StoreSecurity ec = new StoreSecurity(f("ca.pem"), f("ec.pem"), f("ec.key"), "jovl", f("pw"), null);
        try (Store s = Stores.open(url("/sec-ec"), ec)) {
            s.put("k", new byte[] {1});
        }
        assertTrue(etcdctl("get", "--keys-only", "sec-ec/k").contains("sec-ec/k"));
    }

    @Test
    void theServerNameCanBeOverriddenAndIsChecked() {
        StoreSecurity named =
                new StoreSecurity(f("ca.pem"), f("client.pem"), f("client.key"), "jovl", f("pw"), "etcd.test");
        try (Store s = Stores.open(url("/sec-name"), named)) {
            s.put("k", new byte[] {1});
        }
        StoreSecurity wrong =
                new StoreSecurity(f("ca.pem"), f("client.pem"), f("client.key"), "jovl", f("pw"), "other.test");
        refused(url("/sec-x"), wrong, "server-name", "certificate", "other.test");
    }

    @Test
    void aWrongCaFailsFastNamingTheCertificate() {
        refused(
                url("/sec-x"),
                new StoreSecurity(f("bad-ca.pem"), f("client.pem"), f("client.key"), "jovl", f("pw"), null),
                "wrong CA",
                "certificate",
                "--store-cacert");
    }

    @Test
    void noClientCertificateFailsFastNamingIt() {
        refused(
                url("/sec-x"),
                new StoreSecurity(f("ca.pem"), null, null, "jovl", f("pw"), null),
                "no client cert",
                "certificate",
                "--store-cert");
    }

    @Test
    void aClientCertificateFromAnotherCaFailsFastNamingIt() {
        refused(
                url("/sec-x"),
                new StoreSecurity(f("ca.pem"), f("rogue.pem"), f("rogue.key"), "jovl", f("pw"), null),
                "client cert of another CA",
                "certificate",
                "--store-cert");
    }

    @Test
    void aWrongPasswordFailsFastAsAnAuthenticationFailure() {
        refused(
                url("/sec-x"),
                new StoreSecurity(f("ca.pem"), f("client.pem"), f("client.key"), "jovl", f("badpw"), null),
                "wrong password",
                "authentication failed",
                "--store-password-file");
    }

    /** Over TLS jovl speaks gRPC, where etcd takes the client certificate's Common Name as the user. */
    @Test
    void withoutAUserTheCertificatesCommonNameIsTheUser() {
        try (Store s = Stores.open(
                url("/sec-cn"), new StoreSecurity(f("ca.pem"), f("client.pem"), f("client.key"), null, null, null))) {
            s.put("k", new byte[] {1}); // CN=jovl, a user with readwrite
        }
        assertTrue(etcdctl("get", "--keys-only", "sec-cn/k").contains("sec-cn/k"));
        // CN=jovl-ec is no etcd user
        refused(
                url("/sec-x"),
                new StoreSecurity(f("ca.pem"), f("ec.pem"), f("ec.key"), null, null, null),
                "unknown CN",
                true,
                "permission denied",
                "--store-user");
    }

    @Test
    void aUserWithoutWriteRightsGetsPermissionDenied() {
        refused(
                url("/sec-x"),
                new StoreSecurity(f("ca.pem"), f("client.pem"), f("client.key"), "reader", f("readerpw"), null),
                "read-only user",
                false,
                "permission denied",
                "roles");
    }

    @Test
    void plainHttpAgainstTheTlsPortFailsFastSayingSo() {
        refused(url("/sec-x"), StoreSecurity.NONE, "plain http", "TLS", "etcd+https://");
        // the conclusion comes from the endpoint's silence, not from the deadline running out
        try (Store s = Stores.open("etcd://127.0.0.1:" + etcd.clientPort() + "?timeout=30s")) {
            long t0 = System.nanoTime();
            StoreException e = assertThrows(StoreException.Unavailable.class, () -> s.get("jovl/x"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(e.getMessage().contains("etcd+https://"), e.getMessage());
            assertTrue(ms < 10_000, "a read against the TLS port took " + ms + " ms of its 30 s: " + e.getMessage());
        }
    }

    @Test
    void unreadableFilesAreRefusedWhenTheStoreIsOpened() {
        StoreException.InvalidArgument e = assertThrows(
                StoreException.InvalidArgument.class,
                () -> Stores.open(url(""), new StoreSecurity(f("nope.pem"), null, null, null, null, null)));
        assertTrue(e.getMessage().contains("nope.pem"), e.getMessage());
        e = assertThrows(
                StoreException.InvalidArgument.class,
                () -> Stores.open(
                        url(""), new StoreSecurity(f("ca.pem"), f("client.pem"), f("ca.pem"), null, null, null)));
        assertTrue(e.getMessage().contains("no private key"), e.getMessage());
    }

    /** Every call fails within {@link #FAST} with a message holding every one of {@code words}; nothing written. */
    private static void refused(String url, StoreSecurity security, String what, String... words) {
        refused(url, security, what, true, words);
    }

    private static void refused(String url, StoreSecurity security, String what, boolean reads, String... words) {
        String before = etcdctl("get", "--prefix", "--keys-only", "");
        try (Store s = Stores.open(url, security)) {
            List<Supplier<Object>> calls = new ArrayList<>(
                    List.of(() -> s.put("jovl/v1/x", new byte[] {1}), () -> s.create("jovl/v1/y", new byte[] {1})));
            if (reads) {
                calls.add(() -> s.get("jovl/v1/x"));
            }
            for (Supplier<Object> call : calls) {
                long t0 = System.nanoTime();
                StoreException e = assertThrows(StoreException.class, call::get, what);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < FAST.toMillis(), what + " took " + ms + " ms: " + e.getMessage());
                for (String word : words) {
                    assertTrue(e.getMessage().contains(word), what + ": '" + word + "' not in: " + e.getMessage());
                }
            }
        }
        assertEquals(before, etcdctl("get", "--prefix", "--keys-only", ""), what + ": nothing written");
    }

    private static void openssl(String... args) throws IOException {
        EtcdServer.TlsFiles.openssl(certs, args);
    }

    private static String etcdctl(String... args) {
        return etcd.etcdctl(args);
    }
}
