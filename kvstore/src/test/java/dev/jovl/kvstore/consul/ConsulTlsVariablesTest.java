package dev.jovl.kvstore.consul;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.StoreSecurity;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.testing.EtcdServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consul's TLS variables ({@code api/api.go} {@code DefaultConfig}, {@code SetupTLSConfig}) against
 * a real TLS server that requires a client certificate: an etcd started with TLS and
 * {@code --client-cert-auth} (no Consul can be installed here). It answers a Consul KV read with
 * HTTP 404, which the backend reads as "no such key": so an empty answer means the handshake,
 * the server's verification and the client certificate all passed, and a refusal is a TLS one.
 */
class ConsulTlsVariablesTest {
    @TempDir
    static Path certs;

    private static EtcdServer tlsServer;
    private static EtcdServer.TlsFiles files;

    @BeforeAll
    static void start() throws Exception {
        files = EtcdServer.TlsFiles.generate(certs, "jovl");
        // an EC key in SEC1 form, as `consul tls cert create` writes them (read with bcpkix)
        EtcdServer.TlsFiles.signedClient(certs, "ec", "agent", "ca", true);
        Files.createDirectories(certs.resolve("capath"));
        Files.copy(files.ca(), certs.resolve("capath/ca.pem"));
        tlsServer = EtcdServer.startTls(files);
    }

    @AfterAll
    static void stop() {
        if (tlsServer != null) {
            tlsServer.close();
        }
    }

    private static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put("CONSUL_HTTP_ADDR", "https://127.0.0.1:" + tlsServer.clientPort());
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    private static void reaches(Map<String, String> env) {
        try (Store s = Stores.open("consul://?timeout=3s", StoreSecurity.NONE, env)) {
            assertTrue(s.get("jovl/x").isEmpty());
        }
    }

    private static void refused(Map<String, String> env, String... words) {
        try (Store s = Stores.open("consul://?timeout=3s", StoreSecurity.NONE, env)) {
            StoreException e = assertThrows(StoreException.Unavailable.class, () -> s.get("jovl/x"));
            for (String word : words) {
                assertTrue(e.getMessage().contains(word), "'" + word + "' not in: " + e.getMessage());
            }
        }
    }

    @Test
    void caPathClientCertificateWithSec1KeyAndServerNameWithAPort() {
        reaches(env(
                "CONSUL_CAPATH", certs.resolve("capath").toString(),
                "CONSUL_CLIENT_CERT", certs.resolve("ec.pem").toString(),
                "CONSUL_CLIENT_KEY", certs.resolve("ec.key").toString(),
                // SetupTLSConfig strips a port from the server name
                "CONSUL_TLS_SERVER_NAME", "etcd.test:8501"));
    }

    @Test
    void theCaFileAndTheStoreSettingsWork() {
        reaches(env(
                "CONSUL_CACERT", files.ca().toString(),
                "CONSUL_CLIENT_CERT", files.clientCert().toString(),
                "CONSUL_CLIENT_KEY", files.clientKey().toString()));
        StoreSecurity settings = new StoreSecurity(files.ca(), files.clientCert(), files.clientKey(), null, null, null);
        try (Store s =
                Stores.open("consul://127.0.0.1:" + tlsServer.clientPort() + "?timeout=3s", settings, Map.of())) {
            assertTrue(s.get("jovl/x").isEmpty(), "a CA given turns TLS on, as for etcd");
        }
    }

    @Test
    void sslVerifyFalseSkipsTheServersVerification() {
        reaches(env(
                "CONSUL_HTTP_SSL_VERIFY", "false",
                "CONSUL_CLIENT_CERT", files.clientCert().toString(),
                "CONSUL_CLIENT_KEY", files.clientKey().toString()));
    }

    @Test
    void eachWrongSettingIsATlsRefusalNamingIt() {
        String cert = files.clientCert().toString();
        String key = files.clientKey().toString();
        refused(env("CONSUL_CLIENT_CERT", cert, "CONSUL_CLIENT_KEY", key), "not signed by the configured CA");
        refused(env("CONSUL_CACERT", files.ca().toString()), "client certificate");
        refused(
                env(
                        "CONSUL_CACERT",
                        files.ca().toString(),
                        "CONSUL_CLIENT_CERT",
                        cert,
                        "CONSUL_CLIENT_KEY",
                        key,
                        "CONSUL_TLS_SERVER_NAME",
                        "other.test"),
                "does not carry",
                "other.test");
    }
}
