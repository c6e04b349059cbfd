package dev.jovl.kvstore.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.kvstore.EventRecorder;
import dev.jovl.kvstore.Eventually;
import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.WatchEvent;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the embedded store has to prove: its disk state, history and leases outlive the process. */
class EmbeddedStoreRestartTest {
    @TempDir
    java.nio.file.Path dir;

    @Test
    void keysVersionsAndTheRevisionSurviveARestart() {
        long v;
        long rev;
        try (Store s = EmbeddedStore.open(dir)) {
            s.put("a/1", "one".getBytes(UTF_8));
            v = s.put("a/2", "two".getBytes(UTF_8));
            s.delete("a/1");
            rev = s.list("").revision();
        }
        try (Store s = EmbeddedStore.open(dir)) {
            assertEquals(rev, s.list("").revision());
            KeyValue kv = s.get("a/2").orElseThrow();
            assertEquals("two", kv.valueAsString());
            assertEquals(v, kv.version());
            assertTrue(s.get("a/1").isEmpty());
            assertTrue(s.put("a/3", new byte[0]) > rev, "revisions go on growing after a restart");
        }
    }

    @Test
    void aLeaseOfAPreviousLifeExpiresAfterTheRestart() throws Exception {
        Duration ttl = Duration.ofSeconds(2);
        String leaseId;
        try (Store s = EmbeddedStore.open(dir)) {
            Lease lease = s.grantLease(ttl);
            leaseId = lease.id();
            s.create("hosts/me", "alive".getBytes(UTF_8), lease);
            // closing without revoking is what a dying process does
        }
        try (Store s = EmbeddedStore.open(dir)) {
            assertEquals(leaseId, s.get("hosts/me").orElseThrow().leaseId(), "still there right after the restart");
            Eventually.await(
                    ttl.multipliedBy(3),
                    "the dead process's key expires",
                    () -> s.get("hosts/me").isEmpty());
        }
    }

    @Test
    void aWatchFromBeyondTheKeptHistoryAsksForAResync() throws Exception {
        try (Store s = EmbeddedStore.open(dir, 5)) {
            long start = s.list("").revision();
            for (int i = 0; i < 10; i++) {
                s.put("k", Integer.toString(i).getBytes(UTF_8));
            }
            EventRecorder tooOld = new EventRecorder();
            try (Watch w = s.watch("", start, tooOld)) {
                tooOld.awaitResync(Duration.ofSeconds(10));
                assertEquals(List.of(start), tooOld.resyncs());
                long v = s.put("k", "after".getBytes(UTF_8));
                List<WatchEvent> events = tooOld.awaitEvents(1, Duration.ofSeconds(10));
                assertEquals(v, events.getFirst().revision(), "carries on from the current revision");
            }
            EventRecorder recent = new EventRecorder();
            try (Watch w = s.watch("", start + 7, recent)) {
                assertEquals(4, recent.awaitEvents(4, Duration.ofSeconds(10)).size());
                assertTrue(recent.resyncs().isEmpty());
            }
        }
    }

    @Test
    void aWatchFromAnOldRevisionIsServedFromTheHistoryOnDiskAfterARestart() throws Exception {
        long start;
        try (Store s = EmbeddedStore.open(dir)) {
            start = s.list("").revision();
            s.put("x/1", "1".getBytes(UTF_8));
            s.put("x/2", "2".getBytes(UTF_8));
        }
        try (Store s = EmbeddedStore.open(dir)) {
            EventRecorder seen = new EventRecorder();
            try (Watch w = s.watch("x/", start, seen)) {
                List<WatchEvent> events = seen.awaitEvents(2, Duration.ofSeconds(10));
                assertEquals(
                        List.of("x/1", "x/2"),
                        events.stream().map(WatchEvent::key).toList());
            }
        }
    }

    @Test
    void theFileDoesNotGrowWithEveryWrite() throws Exception {
        try (Store s = EmbeddedStore.open(dir)) {
            for (int i = 0; i < 1500; i++) {
                s.put("k/" + (i % 100), new byte[200]);
            }
        }
        long size = java.nio.file.Files.size(dir.resolve("jovl-store.mv.db"));
        // 100 keys and 1500 revisions of history hold under 1 MB; keeping every commit's chunk would be ~30 MB
        assertTrue(size < 16L << 20, "store file of " + (size >> 20) + " MB after 1500 small writes");
    }

    @Test
    void twoSpellingsOfOneDirectoryShareTheStore() throws Exception {
        java.nio.file.Path link =
                java.nio.file.Files.createSymbolicLink(dir.resolveSibling(dir.getFileName() + "-link"), dir);
        try (Store a = EmbeddedStore.open(dir);
                Store b = EmbeddedStore.open(link.resolve("../" + link.getFileName()))) {
            a.put("shared", "x".getBytes(UTF_8));
            assertEquals("x", b.get("shared").orElseThrow().valueAsString());
        } finally {
            java.nio.file.Files.delete(link);
        }
    }

    @Test
    void twoClientsInOneProcessShareTheStore() {
        try (Store a = EmbeddedStore.open(dir);
                Store b = EmbeddedStore.open(dir)) {
            a.put("shared", "from a".getBytes(UTF_8));
            assertEquals("from a", b.get("shared").orElseThrow().valueAsString());
            b.close();
            assertEquals("from a", a.get("shared").orElseThrow().valueAsString(), "closing one client keeps the other");
            assertFalse(a.list("").entries().isEmpty());
        }
    }
}
