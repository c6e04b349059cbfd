package dev.jovl.kvstore.consul;

import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.WatchEvent;
import dev.jovl.kvstore.WatchListener;
import dev.jovl.kvstore.retry.Backoff;
import dev.jovl.kvstore.support.BackgroundWatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A watch on Consul: blocking queries on the prefix ({@code ?recurse&index=N&wait=...}), each
 * answer diffed against the previous one. Consul keeps no history of changes, so this sees
 * states, not every write: a key written twice between two answers shows up once (with its
 * latest value), and a key created and deleted between two answers not at all. Keys that changed
 * carry their {@code ModifyIndex} as revision; deletions carry the answer's index. A broken
 * connection loses nothing, because the next answer is diffed against the last state seen.
 *
 * <p>The blocking-query rules of Consul's docs ("Blocking Queries", implementation details) are
 * kept: the index is reset when it goes backwards (with a resync), an index below 1 is taken as
 * 1, a query that returns at once without a change is followed by a growing pause (so a
 * misbehaving agent is not hammered), and an answer filtered by ACLs
 * ({@code X-Consul-Results-Filtered-By-ACLs}) is an error, not a state with keys missing.
 *
 * <p>Starting from an older revision needs the state at that revision: known exactly when it is
 * the revision of a recent {@code list} of the same prefix by the same client; otherwise the
 * watch reports the keys written since and, if deletions may have been missed, asks for a resync.
 */
final class ConsulWatch extends BackgroundWatch {
    private static final Logger LOG = LoggerFactory.getLogger(ConsulWatch.class);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Backoff BACKOFF = Backoff.doubling(Duration.ofMillis(100), Duration.ofSeconds(2));
    /** A blocking query answered sooner than this without a change "returned at once". */
    private static final long AT_ONCE_MILLIS = 50;
    /** The pause after such answers, growing while they go on (Consul's blocking-query rules). */
    private static final Backoff QUIET = Backoff.doubling(Duration.ofMillis(100), Duration.ofSeconds(5));

    private final ConsulHttp http;
    private final Map<String, Long> startState;
    /** The last state seen: key -> ModifyIndex. */
    private Map<String, Long> known;

    private long index;

    ConsulWatch(
            ConsulHttp http,
            String prefix,
            long afterRevision,
            Map<String, Long> stateAtAfterRevision,
            WatchListener listener,
            Consumer<? super BackgroundWatch> onClose) {
        super("consul", prefix, afterRevision, listener, onClose);
        this.http = http;
        this.startState = stateAtAfterRevision;
    }

    @Override
    protected void run() {
        Backoff.Waits waits = BACKOFF.waits();
        Backoff.Waits quiet = QUIET.waits();
        boolean connected = true;
        while (!isClosed()) {
            try {
                String query = ConsulHttp.kvPath(prefix) + "?recurse=true"
                        + (known == null ? "" : "&index=" + index + "&wait=" + WAIT.toSeconds() + "s");
                long asked = System.nanoTime();
                long before = index;
                ConsulStore.Snapshot snapshot =
                        ConsulStore.snapshot(known == null ? http.get(query) : http.getBlocking(query, WAIT), prefix);
                boolean blocking = known != null;
                if (snapshot.index() < 1) {
                    // "Sanity check index is greater than zero": 0 would make the next query return at once
                    snapshot = new ConsulStore.Snapshot(snapshot.entries(), 1);
                }
                if (!connected) {
                    connected = true;
                    delivery.connectionState(true);
                }
                waits.reset();
                if (known == null) {
                    begin(snapshot);
                } else {
                    advance(snapshot);
                }
                if (blocking && index == before && (System.nanoTime() - asked) / 1_000_000 < AT_ONCE_MILLIS) {
                    // returned at once without a change: rate-limit the loop
                    if (!quiet.pause()) {
                        return;
                    }
                } else {
                    quiet.reset();
                }
            } catch (StoreException e) {
                if (isClosed()) {
                    return;
                }
                LOG.debug("consul watch on '{}': {}", prefix, e.getMessage());
                if (connected) {
                    connected = false;
                    delivery.connectionState(false);
                }
                if (!waits.pause()) {
                    return;
                }
            }
        }
    }

    /** The first answer: what changed since the start revision, as far as Consul can tell. */
    private void begin(ConsulStore.Snapshot snapshot) {
        long after = delivery.lastRevision();
        Map<String, Long> now = versions(snapshot);
        if (startState != null) {
            known = startState;
            index = after;
            advance(snapshot);
            return;
        }
        List<WatchEvent> events = new ArrayList<>();
        long newest = 0;
        for (KeyValue kv : snapshot.entries()) {
            newest = Math.max(newest, kv.version());
            if (kv.version() > after) {
                events.add(put(kv));
            }
        }
        events.sort(Comparator.comparingLong(WatchEvent::revision));
        delivery.deliver(events);
        known = now;
        index = snapshot.index();
        if (snapshot.index() > Math.max(after, newest)) {
            // the prefix's index moved past every key: something under it was deleted since
            delivery.resync(snapshot.index());
        } else {
            delivery.advanceTo(snapshot.index());
        }
    }

    private void advance(ConsulStore.Snapshot snapshot) {
        if (snapshot.index() < index) {
            // Consul's index went backwards (a restored snapshot, a new cluster): start over
            LOG.warn("consul watch on '{}': index went back from {} to {}; resync", prefix, index, snapshot.index());
            known = versions(snapshot);
            index = snapshot.index();
            delivery.resync(delivery.lastRevision());
            return;
        }
        if (snapshot.index() == index) {
            return; // the wait ran out without a change
        }
        List<WatchEvent> events = new ArrayList<>();
        Map<String, Long> now = versions(snapshot);
        for (KeyValue kv : snapshot.entries()) {
            Long before = known.get(kv.key());
            if (before == null || before != kv.version()) {
                events.add(put(kv));
            }
        }
        for (String key : known.keySet()) {
            if (!now.containsKey(key)) {
                events.add(new WatchEvent(WatchEvent.Type.DELETE, key, new byte[0], snapshot.index()));
            }
        }
        events.sort(Comparator.comparingLong(WatchEvent::revision));
        delivery.deliver(events);
        delivery.advanceTo(snapshot.index());
        known = now;
        index = snapshot.index();
    }

    private static WatchEvent put(KeyValue kv) {
        return new WatchEvent(WatchEvent.Type.PUT, kv.key(), kv.value(), kv.version());
    }

    private static Map<String, Long> versions(ConsulStore.Snapshot snapshot) {
        Map<String, Long> versions = new HashMap<>();
        snapshot.entries().forEach(kv -> versions.put(kv.key(), kv.version()));
        return versions;
    }
}
