package dev.jovl.kvstore.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.kvstore.EventRecorder;
import dev.jovl.kvstore.Op;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.Txn;
import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.WatchEvent;
import dev.jovl.kvstore.testing.EtcdServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What only the etcd backend has to prove: compaction, several endpoints, lease ids. */
class EtcdSpecificsTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static EtcdServer etcd;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdServer.start();
    }

    @AfterAll
    static void stopEtcd() {
        etcd.close();
    }

    @Test
    void aWatchFromACompactedRevisionAsksForAResyncAndCarriesOn() throws Exception {
        try (Store s = Stores.open(etcd.url())) {
            long start = s.list("c/").revision();
            s.put("c/a", "1".getBytes(UTF_8));
            long last = s.put("c/a", "2".getBytes(UTF_8));
            compact(last);
            EventRecorder seen = new EventRecorder();
            try (Watch w = s.watch("c/", start, seen)) {
                seen.awaitResync(WAIT);
                assertEquals(List.of(start), seen.resyncs());
                long v = s.put("c/b", "3".getBytes(UTF_8));
                List<WatchEvent> events = seen.awaitEvents(1, WAIT);
                assertEquals(v, events.getLast().revision(), "carries on from the current revision");
                assertTrue(events.stream().allMatch(e -> e.revision() > last));
            }
        }
    }

    private static void compact(long revision) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(etcd.clientUri().resolve("v3/kv/compaction"))
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"revision\":\"" + revision + "\",\"physical\":true}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
        }
    }

    @Test
    void deadEndpointsInTheListAreSkipped() throws Exception {
        int dead1 = EtcdServer.freePort();
        int dead2 = EtcdServer.freePort();
        String url = "etcd://127.0.0.1:" + dead1 + ",127.0.0.1:" + dead2 + ",127.0.0.1:" + etcd.clientPort();
        try (Store s = Stores.open(url);
                Store writer = Stores.open(etcd.url())) {
            long v = s.put("f/k", "v".getBytes(UTF_8));
            assertEquals(v, s.get("f/k").orElseThrow().version());
            EventRecorder seen = new EventRecorder();
            try (Watch w = s.watch("f/", v, seen)) {
                long v2 = writer.put("f/k", "w".getBytes(UTF_8));
                assertEquals(v2, seen.awaitEvents(1, WAIT).getFirst().revision());
            }
        }
    }

    @Test
    void aTransactionTooLargeForEtcdIsRefusedAndWritesNothing() {
        try (Store s = Stores.open(etcd.url())) {
            Txn.Builder txn = Txn.builder();
            for (int i = 0; i < 8; i++) {
                txn.add(Op.put("big/" + i, new byte[Store.MAX_VALUE_BYTES]));
            }
            StoreException.InvalidArgument e =
                    assertThrows(StoreException.InvalidArgument.class, () -> s.commit(txn.build()));
            assertTrue(e.getMessage().contains("too large"), e.getMessage());
            assertTrue(s.list("big/").entries().isEmpty());
        }
    }

    @Test
    void aClientKeepsWritingAcrossAnEtcdRestart() {
        try (Store s = Stores.open(etcd.url())) {
            long v1 = s.put("r/k", "1".getBytes(UTF_8));
            etcd.restart();
            long v2 = s.put("r/k", "2".getBytes(UTF_8));
            assertTrue(v2 > v1);
            assertEquals(
                    v2,
                    s.commit(Txn.of(Op.compareAndSet("r/k", v2, "3".getBytes(UTF_8))))
                                    .revision()
                            - 1);
        }
    }

    @Test
    void leaseIdsAreEtcdsInHex() {
        try (Store s = Stores.open(etcd.url());
                var lease = s.grantLease(Duration.ofSeconds(5))) {
            s.put("l/k", new byte[0]);
            s.create("l/leased", new byte[0], lease);
            assertEquals(lease.id(), s.get("l/leased").orElseThrow().leaseId());
            assertEquals("", s.get("l/k").orElseThrow().leaseId());
            assertTrue(lease.id().matches("[0-9a-f]+"), lease.id());
            assertEquals(Duration.ofSeconds(5), lease.ttl());
        }
    }
}
