package dev.jovl.kvstore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Store} backend must have. Each backend subclasses this with a way to
 * open clients on one shared store; every test works under its own random prefix, so the tests
 * may share one server.
 */
public abstract class StoreConformanceTest {
    protected static final Duration WAIT = Duration.ofSeconds(15);
    protected static final Duration LEASE_TTL = Duration.ofSeconds(2);

    private final List<Store> clients = new ArrayList<>();
    protected String p;
    protected Store store;

    /** A new client of the backend under test (another "process" of the same cluster). */
    protected abstract Store newClient();

    /**
     * Cuts every client off the store and brings the store back (etcd: stop and restart the
     * server; embedded: close every client and reopen the files). Returns a client to go on with.
     */
    protected abstract Store interruptAndRestore(List<Store> openClients) throws Exception;

    /** Whether watches opened before {@link #interruptAndRestore} continue by themselves. */
    protected abstract boolean watchesSurviveInterruption();

    /** A client of a store that cannot be reached (for the embedded store: cannot be opened). */
    protected abstract Store openUnreachable();

    /**
     * Whether the backend keeps a history of changes, so that a watch sees every single write
     * (etcd, embedded). Consul does not: its watches see successive states.
     */
    protected boolean keepsHistory() {
        return true;
    }

    /** Whether a write without a lease unbinds the key from its lease (etcd, embedded; not Consul). */
    protected boolean writesDetachLeases() {
        return true;
    }

    private void assumeHistory() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                keepsHistory(), "this backend keeps no history of changes; its watches see states, not every write");
    }

    protected Store client() {
        Store s = newClient();
        clients.add(s);
        return s;
    }

    protected List<Store> clients() {
        return clients;
    }

    @BeforeEach
    void openStore() {
        p = "t/" + UUID.randomUUID().toString().substring(0, 8) + "/";
        store = client();
    }

    @AfterEach
    void closeClients() {
        for (Store s : clients) {
            try {
                s.close();
            } catch (RuntimeException ignored) {
                // already closed by an interruption
            }
        }
        clients.clear();
    }

    protected static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void createGetPutAndVersions() {
        assertEquals(Optional.empty(), store.get(p + "a"));
        long v1 = store.create(p + "a", b("one"));
        assertTrue(v1 > 0);
        KeyValue kv = store.get(p + "a").orElseThrow();
        assertEquals("one", kv.valueAsString());
        assertEquals(v1, kv.version());
        assertEquals("", kv.leaseId());

        StoreException.Conflict c = assertThrows(StoreException.Conflict.class, () -> store.create(p + "a", b("two")));
        assertEquals(p + "a", c.key());
        assertEquals("one", store.get(p + "a").orElseThrow().valueAsString());

        long v2 = store.put(p + "a", b("two"));
        assertTrue(v2 > v1, "versions grow");
        assertEquals(v2, store.get(p + "a").orElseThrow().version());
    }

    @Test
    void compareAndSetAndConditionalDelete() {
        long v1 = store.compareAndSet(p + "k", 0, b("first"));
        assertThrows(StoreException.Conflict.class, () -> store.compareAndSet(p + "k", 0, b("again")));
        assertThrows(StoreException.Conflict.class, () -> store.compareAndSet(p + "k", v1 + 1000, b("stale")));
        assertEquals("first", store.get(p + "k").orElseThrow().valueAsString());
        long v2 = store.compareAndSet(p + "k", v1, b("second"));
        assertTrue(v2 > v1);

        assertThrows(StoreException.Conflict.class, () -> store.delete(p + "k", v1));
        assertTrue(store.get(p + "k").isPresent());
        store.delete(p + "k", v2);
        assertTrue(store.get(p + "k").isEmpty());
        assertThrows(StoreException.Conflict.class, () -> store.delete(p + "k", v2), "absent key fails");

        store.put(p + "d", b("x"));
        assertTrue(store.delete(p + "d"));
        assertFalse(store.delete(p + "d"));
    }

    @Test
    void listIsSortedAndScopedToThePrefix() {
        store.put(p + "b/2", b("2"));
        store.put(p + "a", b("a"));
        store.put(p + "b/1", b("1"));
        store.put(p.substring(0, p.length() - 1) + "x", b("outside"));
        Store.Listing all = store.list(p);
        assertEquals(
                List.of(p + "a", p + "b/1", p + "b/2"),
                all.entries().stream().map(KeyValue::key).toList());
        assertTrue(all.revision()
                >= all.entries().stream().mapToLong(KeyValue::version).max().orElseThrow());
        assertEquals(
                List.of(p + "b/1", p + "b/2"),
                store.list(p + "b/").entries().stream().map(KeyValue::key).toList());
        assertTrue(store.list(p + "zzz").entries().isEmpty());
    }

    @Test
    void eightClientsCompareAndSetIncrementsEndAtExactly4000() throws Exception {
        String key = p + "counter";
        store.create(key, b("0"));
        int clientsCount = 8;
        int increments = 500;
        List<Store> racers = new ArrayList<>();
        for (int i = 0; i < clientsCount; i++) {
            racers.add(client());
        }
        AtomicLong conflicts = new AtomicLong();
        try (ExecutorService pool = Executors.newFixedThreadPool(clientsCount)) {
            List<Future<?>> done = new ArrayList<>();
            for (Store racer : racers) {
                done.add(pool.submit(() -> {
                    for (int n = 0; n < increments; n++) {
                        while (true) {
                            KeyValue kv = racer.get(key).orElseThrow();
                            long next = Long.parseLong(kv.valueAsString()) + 1;
                            try {
                                racer.compareAndSet(key, kv.version(), b(Long.toString(next)));
                                break;
                            } catch (StoreException.Conflict lost) {
                                conflicts.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        assertEquals("4000", store.get(key).orElseThrow().valueAsString(), "lost updates; conflicts " + conflicts);
    }

    @Test
    void watchSeesEveryPutAndDeleteInOrder() throws Exception {
        assumeHistory();
        long start = store.list(p).revision();
        EventRecorder seen = new EventRecorder();
        Store watcher = client();
        List<String> expected = new ArrayList<>();
        try (Watch w = watcher.watch(p, start, seen)) {
            for (int i = 0; i < 20; i++) {
                long v = store.put(p + "k" + (i % 5), b("v" + i));
                expected.add("PUT " + p + "k" + (i % 5) + " @" + v + " v" + i);
                if (i % 4 == 3) {
                    long rev = store.commit(Txn.of(Op.delete(p + "k" + (i % 5)), Op.put(p + "t" + i, b("t"))))
                            .revision();
                    expected.add("DELETE " + p + "k" + (i % 5) + " @" + rev + " ");
                    expected.add("PUT " + p + "t" + i + " @" + rev + " t");
                }
            }
            store.put(p.substring(0, p.length() - 1) + "-not-under-the-prefix", b("x"));
            List<WatchEvent> events = seen.awaitEvents(expected.size(), WAIT);
            Thread.sleep(200);
            assertEquals(
                    sortedWithinRevision(expected),
                    describe(seen.events()),
                    "every change once, in order, nothing else");
            assertTrue(w.lastRevision() >= events.getLast().revision());
        }
        assertTrue(seen.resyncs().isEmpty());
    }

    /**
     * "TYPE key @rev value" per event, after checking revisions never go back. Events of one
     * transaction share a revision and their order within it is the backend's, so the
     * comparison sorts within a revision.
     */
    private static List<String> describe(List<WatchEvent> events) {
        for (int i = 1; i < events.size(); i++) {
            assertTrue(events.get(i).revision() >= events.get(i - 1).revision(), "out of order: " + events);
        }
        return sortedWithinRevision(events.stream()
                .map(e -> e.type() + " " + e.key() + " @" + e.revision() + " " + new String(e.value(), UTF_8))
                .toList());
    }

    private static List<String> sortedWithinRevision(List<String> described) {
        List<String> out = new ArrayList<>(described);
        out.sort(java.util.Comparator.comparingLong((String d) -> Long.parseLong(d.replaceAll(".* @(\\d+) .*", "$1")))
                .thenComparing(d -> d));
        return out;
    }

    @Test
    void watchFromAnOlderRevisionReplaysTheHistory() throws Exception {
        assumeHistory();
        long before = store.list(p).revision();
        long v1 = store.put(p + "a", b("1"));
        long v2 = store.put(p + "a", b("2"));
        store.delete(p + "a");
        EventRecorder seen = new EventRecorder();
        try (Watch w = client().watch(p, before, seen)) {
            List<WatchEvent> events = seen.awaitEvents(3, WAIT);
            assertEquals(
                    List.of(v1, v2),
                    events.subList(0, 2).stream().map(WatchEvent::revision).toList());
            assertArrayEquals(b("2"), events.get(1).value());
            assertEquals(WatchEvent.Type.DELETE, events.get(2).type());
        }
        EventRecorder fromNow = new EventRecorder();
        try (Watch w = client().watch(p, store.list(p).revision(), fromNow)) {
            long v3 = store.put(p + "b", b("3"));
            assertEquals(v3, fromNow.awaitEvents(1, WAIT).getFirst().revision());
        }
    }

    @Test
    void watchResumesAfterTheStoreIsInterruptedWithNothingLostOrRepeated() throws Exception {
        long start = store.list(p).revision();
        EventRecorder seen = new EventRecorder();
        Store watcher = client();
        Watch w = watcher.watch(p, start, seen);
        List<Long> written = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            written.add(store.put(p + "before" + i, b("b" + i)));
        }
        seen.awaitEvents(5, WAIT);

        Store after = interruptAndRestore(clients());
        clients().add(after);
        for (int i = 0; i < 5; i++) {
            written.add(after.put(p + "after" + i, b("a" + i)));
        }
        written.add(after.commit(Txn.of(Op.delete(p + "before0"), Op.delete(p + "after0")))
                .revision());
        EventRecorder resumed = seen;
        if (!watchesSurviveInterruption()) {
            resumed = new EventRecorder();
            clients().add(after);
            w = after.watch(p, w.lastRevision(), resumed);
        }
        int expectedAfter = watchesSurviveInterruption() ? 12 : 7;
        List<WatchEvent> events = resumed.awaitEvents(expectedAfter, WAIT);
        Thread.sleep(300);
        w.close();
        List<WatchEvent> all = new ArrayList<>(watchesSurviveInterruption() ? List.of() : seen.events());
        all.addAll(resumed.events());
        assertEquals(12, all.size(), "nothing lost or repeated: " + all);
        List<Long> revisions = all.stream().map(WatchEvent::revision).distinct().toList();
        assertEquals(written, revisions);
        assertTrue(seen.resyncs().isEmpty() && resumed.resyncs().isEmpty());
        assertEquals(events.size(), expectedAfter);
        if (watchesSurviveInterruption()) {
            List<Boolean> states = seen.connectionStates();
            assertTrue(
                    states.size() >= 2 && !states.getFirst() && states.getLast(),
                    "the outage was reported, then the recovery: " + states);
        }
    }

    @Test
    void leasedKeysStayWhileRenewedAndVanishWhenRenewalStops() throws Exception {
        Lease lease = store.grantLease(LEASE_TTL);
        Duration ttl = lease.ttl();
        store.create(p + "alive", b("x"), lease);
        store.put(p + "plain", b("y"));
        assertEquals(lease.id(), store.get(p + "alive").orElseThrow().leaseId());
        EventRecorder seen = new EventRecorder();
        try (Watch w = client().watch(p, store.list(p).revision(), seen)) {
            Thread.sleep(ttl.toMillis() * 2);
            assertTrue(store.get(p + "alive").isPresent(), "renewed in the background");
            assertTrue(lease.isAlive());

            lease.abandon();
            Eventually.await(
                    ttl.multipliedBy(3).plus(WAIT),
                    "leased key expires",
                    () -> store.get(p + "alive").isEmpty());
            assertTrue(store.get(p + "plain").isPresent(), "keys without the lease stay");
            List<WatchEvent> events = seen.awaitEvents(1, WAIT);
            assertEquals(WatchEvent.Type.DELETE, events.getFirst().type());
            assertEquals(p + "alive", events.getFirst().key());
        }
        assertThrows(StoreException.NotFound.class, () -> store.create(p + "late", b("z"), lease));
        assertTrue(store.get(p + "late").isEmpty());
    }

    @Test
    void revokingALeaseDeletesItsKeysAtOnce() {
        Lease lease = store.grantLease(LEASE_TTL.multipliedBy(10));
        store.create(p + "l1", b("1"), lease);
        store.commit(Txn.of(Op.put(p + "l2", b("2")).withLease(lease), Op.put(p + "other", b("3"))));
        lease.close();
        assertEquals(
                List.of(p + "other"),
                store.list(p).entries().stream().map(KeyValue::key).toList());
        assertFalse(lease.isAlive());
    }

    @Test
    void aWriteWithoutTheLeaseDetachesTheKeyFromIt() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                writesDetachLeases(), "on this backend a write without a lease keeps the key bound to its lease");
        Lease lease = store.grantLease(LEASE_TTL.multipliedBy(10));
        store.create(p + "k", b("leased"), lease);
        long v = store.put(p + "k", b("mine now"));
        assertEquals("", store.get(p + "k").orElseThrow().leaseId());
        lease.close();
        assertEquals(v, store.get(p + "k").orElseThrow().version(), "revoking the old lease leaves it alone");
    }

    /**
     * A restarted daemon re-takes its keys with a new lease while the old one (abandoned, not
     * revoked) still lives: the put must rebind the key, and the old lease must no longer own it.
     */
    @Test
    void aPutWithASecondLeaseRebindsTheKey() {
        Lease first = store.grantLease(LEASE_TTL.multipliedBy(10));
        Lease second = store.grantLease(LEASE_TTL.multipliedBy(10));
        Lease third = store.grantLease(LEASE_TTL.multipliedBy(10));
        store.create(p + "host", b("one"), first);
        store.create(p + "cas", b("one"), first);
        first.abandon(); // the previous process: still alive in the store, no longer renewed
        long v = store.commit(Txn.of(Op.put(p + "host", b("two")).withLease(second)))
                .version(0);
        KeyValue now = store.get(p + "host").orElseThrow();
        assertEquals("two", now.valueAsString());
        assertEquals(second.id(), now.leaseId());
        assertEquals(v, now.version());
        long casVersion = store.get(p + "cas").orElseThrow().version();
        store.commit(Txn.of(Op.compareAndSet(p + "cas", casVersion, b("three")).withLease(third)));
        assertEquals(third.id(), store.get(p + "cas").orElseThrow().leaseId());
        second.close();
        assertTrue(store.get(p + "host").isEmpty(), "revoking the new lease deletes the key");
        assertTrue(store.get(p + "cas").isPresent(), "the key rebound to the third lease stays");
        third.close();
        assertTrue(store.get(p + "cas").isEmpty());
    }

    @Test
    void aTransactionIsAllOrNothing() {
        long vc = store.put(p + "c", b("c0"));
        store.put(p + "d", b("d0"));
        Txn failing = Txn.of(
                Op.create(p + "a", b("a")),
                Op.put(p + "b", b("b")),
                Op.compareAndSet(p + "c", vc + 1000, b("c1")),
                Op.delete(p + "d"));
        StoreException.Conflict c = assertThrows(StoreException.Conflict.class, () -> store.commit(failing));
        assertEquals(p + "c", c.key());
        assertEquals(
                List.of(p + "c", p + "d"),
                store.list(p).entries().stream().map(KeyValue::key).toList());
        assertEquals("c0", store.get(p + "c").orElseThrow().valueAsString());

        Store.TxnResult ok = store.commit(Txn.of(
                Op.create(p + "a", b("a")),
                Op.put(p + "b", b("b")),
                Op.compareAndSet(p + "c", vc, b("c1")),
                Op.delete(p + "d"),
                Op.checkVersion(p + "zz", 0)));
        assertEquals(ok.revision(), ok.version(0));
        assertEquals(ok.revision(), ok.version(1));
        assertEquals(ok.revision(), ok.version(2));
        assertEquals(0, ok.version(3));
        assertEquals(
                List.of(p + "a", p + "b", p + "c"),
                store.list(p).entries().stream().map(KeyValue::key).toList());
        for (KeyValue kv : store.list(p).entries()) {
            assertEquals(ok.revision(), kv.version());
        }
        assertThrows(
                StoreException.Conflict.class,
                () -> store.commit(Txn.of(Op.checkVersion(p + "a", 0), Op.put(p + "e", b("e")))));
        assertTrue(store.get(p + "e").isEmpty());
    }

    @Test
    void invalidKeysAndOversizedValuesAreRefusedAndChangeNothing() {
        long rev = store.list("").revision();
        for (String bad : List.of("", "/abs", "has space", "tab\tkey", "ü", "x".repeat(Store.MAX_KEY_BYTES + 1))) {
            StoreException.InvalidArgument e = assertThrows(
                    StoreException.InvalidArgument.class, () -> store.put(bad, b("v")), "key '" + bad + "'");
            assertFalse(e.getMessage().isBlank());
        }
        assertThrows(StoreException.InvalidArgument.class, () -> store.get("/abs"));
        assertThrows(StoreException.InvalidArgument.class, () -> store.list("a b"));
        byte[] huge = new byte[Store.MAX_VALUE_BYTES + 1];
        StoreException.InvalidArgument e =
                assertThrows(StoreException.InvalidArgument.class, () -> store.put(p + "big", huge));
        assertTrue(e.getMessage().contains(Integer.toString(Store.MAX_VALUE_BYTES)), e.getMessage());
        assertThrows(
                StoreException.InvalidArgument.class,
                () -> store.commit(Txn.of(Op.put(p + "ok", b("fine")), Op.put(p + "big", huge))));
        assertThrows(
                StoreException.InvalidArgument.class,
                () -> store.commit(Txn.of(Op.put(p + "twice", b("1")), Op.delete(p + "twice"))));
        assertTrue(store.get(p + "ok").isEmpty());
        assertEquals(rev, store.list("").revision(), "nothing was written");
        store.put(p + "max", new byte[Store.MAX_VALUE_BYTES]);
        assertEquals(Store.MAX_VALUE_BYTES, store.get(p + "max").orElseThrow().value().length);
    }

    @Test
    void anUnreachableStoreIsUnavailableWithinABoundedTime() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            Store dead;
            try {
                dead = openUnreachable();
            } catch (StoreException.Unavailable e) {
                assertFalse(e.getMessage().isBlank());
                return;
            }
            try (Store s = dead) {
                StoreException.Unavailable e = assertThrows(StoreException.Unavailable.class, () -> s.get(p + "x"));
                assertFalse(e.getMessage().isBlank());
                assertThrows(StoreException.Unavailable.class, () -> s.put(p + "x", b("v")));
                assertThrows(StoreException.Unavailable.class, () -> s.grantLease(LEASE_TTL));
            }
        });
    }
}
