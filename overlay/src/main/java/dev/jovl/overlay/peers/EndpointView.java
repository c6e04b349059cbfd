package dev.jovl.overlay.peers;

import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.RecordJson;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.WatchEvent;
import dev.jovl.overlay.state.ClusterState;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.StoreLayout;
import dev.jovl.overlay.state.Versioned;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This host's copy of every endpoint record in the store, fed by a full listing and then by the
 * watch. Events at or below the revision of the last listing, or older than what a key already
 * shows, are ignored, so a replayed or overlapping event never moves the view backwards.
 * Thread-safe.
 */
final class EndpointView {
    private static final Logger log = LoggerFactory.getLogger(EndpointView.class);

    /** network -> endpoint -> record */
    private final Map<String, Map<String, Versioned<EndpointRecord>>> byNetwork = new HashMap<>();
    /** key -> revision of its deletion, for keys deleted since the last listing */
    private final Map<String, Long> tombstones = new HashMap<>();

    private long listingRevision;
    /** records that could not be read, so programmed nothing (a bad write, a newer incompatible version) */
    private final java.util.concurrent.atomic.AtomicLong skipped = new java.util.concurrent.atomic.AtomicLong();

    /** Replaces everything with a listing; returns the networks whose endpoints changed. */
    synchronized Set<String> replaceWith(Store.Listing listing) {
        Map<String, Map<String, Versioned<EndpointRecord>>> fresh = new HashMap<>();
        for (KeyValue kv : listing.entries()) {
            Key k = Key.parse(kv.key());
            if (k == null) {
                continue;
            }
            try {
                fresh.computeIfAbsent(k.network, n -> new HashMap<>())
                        .put(k.endpoint, ClusterState.versioned(kv, EndpointRecord.class));
            } catch (RuntimeException e) {
                skipped.incrementAndGet();
                log.warn("ignoring unreadable endpoint record {}: {}", kv.key(), e.getMessage());
            }
        }
        Set<String> changed = new HashSet<>();
        Set<String> networks = new HashSet<>(byNetwork.keySet());
        networks.addAll(fresh.keySet());
        for (String n : networks) {
            if (!recordsOf(byNetwork.get(n)).equals(recordsOf(fresh.get(n)))) {
                changed.add(n);
            }
        }
        byNetwork.clear();
        byNetwork.putAll(fresh);
        tombstones.clear();
        listingRevision = listing.revision();
        return changed;
    }

    /** Applies watch events; returns the networks whose endpoints changed. */
    synchronized Set<String> apply(List<WatchEvent> events) {
        return applyTracking(events).keySet();
    }

    /** Applies watch events; returns, per network whose endpoints changed, which endpoints did. */
    synchronized Map<String, Set<String>> applyTracking(List<WatchEvent> events) {
        Map<String, Set<String>> changed = new HashMap<>();
        for (WatchEvent e : events) {
            Key k = Key.parse(e.key());
            if (k == null || e.revision() <= listingRevision) {
                continue;
            }
            Map<String, Versioned<EndpointRecord>> eps = byNetwork.computeIfAbsent(k.network, n -> new HashMap<>());
            Versioned<EndpointRecord> current = eps.get(k.endpoint);
            Long deletedAt = tombstones.get(e.key());
            if ((current != null && current.version() >= e.revision())
                    || (deletedAt != null && deletedAt >= e.revision())) {
                continue;
            }
            if (e.type() == WatchEvent.Type.PUT) {
                try {
                    EndpointRecord r = RecordJson.read(e.value(), EndpointRecord.class, e.key());
                    eps.put(k.endpoint, new Versioned<>(r, e.revision()));
                    tombstones.remove(e.key());
                    changed.computeIfAbsent(k.network, n -> new HashSet<>()).add(k.endpoint);
                } catch (RuntimeException ex) {
                    skipped.incrementAndGet();
                    log.warn("ignoring unreadable endpoint record {}: {}", e.key(), ex.getMessage());
                }
            } else {
                if (eps.remove(k.endpoint) != null) {
                    changed.computeIfAbsent(k.network, n -> new HashSet<>()).add(k.endpoint);
                }
                tombstones.put(e.key(), e.revision());
                if (eps.isEmpty()) {
                    byNetwork.remove(k.network);
                }
            }
        }
        return changed;
    }

    long skipped() {
        return skipped.get();
    }

    synchronized List<Versioned<EndpointRecord>> endpointsOf(String networkId) {
        Map<String, Versioned<EndpointRecord>> eps = byNetwork.get(networkId);
        return eps == null ? List.of() : new ArrayList<>(eps.values());
    }

    /** One endpoint's record, or {@code null}. */
    synchronized Versioned<EndpointRecord> endpoint(String networkId, String endpointId) {
        Map<String, Versioned<EndpointRecord>> eps = byNetwork.get(networkId);
        return eps == null ? null : eps.get(endpointId);
    }

    /** A network's records by endpoint id (as their keys name them). */
    synchronized Map<String, Versioned<EndpointRecord>> endpointsByIdOf(String networkId) {
        Map<String, Versioned<EndpointRecord>> eps = byNetwork.get(networkId);
        return eps == null ? Map.of() : new HashMap<>(eps);
    }

    /** How many records the view holds. */
    synchronized int size() {
        int n = 0;
        for (Map<String, Versioned<EndpointRecord>> eps : byNetwork.values()) {
            n += eps.size();
        }
        return n;
    }

    synchronized List<Versioned<EndpointRecord>> all() {
        List<Versioned<EndpointRecord>> out = new ArrayList<>();
        byNetwork.values().forEach(m -> out.addAll(m.values()));
        return out;
    }

    private static Map<String, EndpointRecord> recordsOf(Map<String, Versioned<EndpointRecord>> m) {
        Map<String, EndpointRecord> out = new HashMap<>();
        if (m != null) {
            m.forEach((k, v) -> out.put(k, v.value()));
        }
        return out;
    }

    private record Key(String network, String endpoint) {
        static Key parse(String key) {
            if (!key.startsWith(StoreLayout.ENDPOINTS)) {
                return null;
            }
            String rest = key.substring(StoreLayout.ENDPOINTS.length());
            int slash = rest.indexOf('/');
            if (slash <= 0 || slash == rest.length() - 1 || rest.indexOf('/', slash + 1) >= 0) {
                return null;
            }
            return new Key(rest.substring(0, slash), rest.substring(slash + 1));
        }
    }
}
