package dev.jovl.driver.dns;

import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.Op;
import dev.jovl.kvstore.RecordJson;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Txn;
import dev.jovl.overlay.state.StoreLayout;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Container names in the store, one key per endpoint:
 * {@code jovl/v1/names/<overlay>/<endpoint-id>} = {@link NameRecord} as JSON.
 *
 * <p>Written only by the host that runs the container, bound to that host's lease: when the host
 * dies its names vanish with the lease, and a container that comes back elsewhere is written
 * there under its new endpoint id, so a name follows its container.
 */
public final class NameRegistry {

    private static final Logger log = LoggerFactory.getLogger(NameRegistry.class);

    private final Store store;

    public NameRegistry(Store store) {
        this.store = store;
    }

    public Store store() {
        return store;
    }

    public static String key(String overlay, String endpointId) {
        return StoreLayout.name(overlay, endpointId);
    }

    public static String key(NameRecord record) {
        return key(record.overlay(), record.endpointId());
    }

    /** Writes (or rewrites) {@code record}, bound to {@code lease}. Idempotent. */
    public void publish(NameRecord record, Lease lease) {
        store.commit(Txn.of(Op.put(key(record), encode(record)).withLease(lease)));
    }

    /** Removes the name of one endpoint; true if it was there. */
    public boolean remove(String overlay, String endpointId) {
        return store.delete(key(overlay, endpointId));
    }

    /** Every record, with the store revision the listing was read at. */
    public Snapshot list() {
        Store.Listing listing = store.list(StoreLayout.NAMES);
        List<NameRecord> records = new ArrayList<>();
        for (KeyValue kv : listing.entries()) {
            decode(kv.key(), kv.value()).ifPresent(records::add);
        }
        return new Snapshot(records, listing.revision());
    }

    /** Every record written by {@code host}. */
    public List<NameRecord> listHost(String host) {
        return list().records().stream().filter(r -> r.host().equals(host)).toList();
    }

    /** A consistent set of records and the revision to watch from. */
    public record Snapshot(List<NameRecord> records, long revision) {
        public Snapshot {
            records = List.copyOf(records);
        }
    }

    static byte[] encode(NameRecord record) {
        return RecordJson.write(record);
    }

    /**
     * The record stored under {@code key}, or empty (and a warning) if it is not one: a record
     * written by a newer or broken jovl must not take the names of everyone else down.
     */
    static Optional<NameRecord> decode(String key, byte[] value) {
        try {
            NameRecord record = RecordJson.read(value, NameRecord.class, key);
            if (!key.equals(key(record))) {
                log.warn("ignoring name record under {}: it says {}", key, key(record));
                return Optional.empty();
            }
            return Optional.of(record);
        } catch (UncheckedIOException | IllegalArgumentException e) {
            log.warn("ignoring unreadable name record under {}: {}", key, e.getMessage());
            return Optional.empty();
        }
    }
}
