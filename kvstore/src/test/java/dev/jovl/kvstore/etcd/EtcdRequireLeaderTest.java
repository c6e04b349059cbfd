package dev.jovl.kvstore.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.kvstore.EventRecorder;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreSecurity;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.testing.EtcdServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * etcd's require-leader metadata on watches: a member cut off from its cluster's leader ends the
 * watch streams that ask for it (after a few election timeouts: etcd's {@code monitorLeader}),
 * so the watcher learns of the outage instead of waiting quietly on a member that will deliver
 * nothing. Two members, one stopped: the other has no leader. The store's call deadline, and so
 * its liveness probe's period, is 60 s here, so only the require-leader metadata can end the
 * stream within the test's 30 s. Over plain http (the JSON gateway's {@code Grpc-Metadata-hasleader}
 * header) and TLS (gRPC's {@code hasleader} metadata).
 */
class EtcdRequireLeaderTest {
    @TempDir
    Path certs;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aMemberWithoutALeaderEndsTheWatch(boolean tls) throws Exception {
        EtcdServer.TlsFiles files = tls ? EtcdServer.TlsFiles.generate(certs, "jovl") : null;
        List<EtcdServer> cluster = EtcdServer.startCluster(2, files);
        try {
            EtcdServer watched = cluster.get(0);
            String url = watched.url() + "?timeout=60s";
            StoreSecurity security = tls
                    ? new StoreSecurity(files.ca(), files.clientCert(), files.clientKey(), null, null, null)
                    : StoreSecurity.NONE;
            try (Store s = Stores.open(url, security)) {
                EventRecorder seen = new EventRecorder();
                try (Watch w = s.watch("k/", s.list("k/").revision(), seen)) {
                    s.put("k/1", new byte[] {1});
                    assertEquals(
                            "k/1",
                            seen.awaitEvents(1, Duration.ofSeconds(10))
                                    .getFirst()
                                    .key());
                    cluster.get(1).stop(); // no quorum: the watched member loses its leader
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (!seen.connectionStates().contains(false) && System.nanoTime() < deadline) {
                        Thread.sleep(100);
                    }
                    assertTrue(
                            seen.connectionStates().contains(false),
                            "the watch on a member without a leader stayed open: " + seen.connectionStates());
                }
            }
        } finally {
            cluster.forEach(EtcdServer::close);
        }
    }
}
