package dev.jovl.kvstore.etcd;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreSecurity;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.testing.EtcdServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance suite on a secured etcd (TLS, client-certificate verification, authentication
 * on), so the gRPC path the client takes over TLS ({@link EtcdGrpc}, {@link EtcdH2}) meets every
 * rule the gateway path does, the watch across a restart of the server included.
 */
class EtcdTlsStoreConformanceTest extends EtcdStoreConformanceTest {
    private static Path dir;
    private static StoreSecurity security;

    @BeforeAll
    static void startEtcd() { // hides the plain etcd's
        try {
            dir = Files.createTempDirectory("jkv-tls-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        EtcdServer.TlsFiles files = EtcdServer.TlsFiles.generate(dir, "jovl");
        try {
            Files.writeString(dir.resolve("pw"), "conformance-pw\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        etcd = EtcdServer.startTls(files);
        etcd.enableAuth("jovl", "conformance-pw");
        security =
                new StoreSecurity(files.ca(), files.clientCert(), files.clientKey(), "jovl", dir.resolve("pw"), null);
    }

    @AfterAll
    static void stopEtcd() { // hides the plain etcd's
        etcd.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected Store newClient() {
        return Stores.open(etcd.url(), security);
    }

    @Override
    protected Store openUnreachable() {
        return Stores.open("etcd://127.0.0.1:" + EtcdServer.freePort() + "?timeout=1s", security);
    }
}
