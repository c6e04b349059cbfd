package dev.jovl.kvstore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A store whose every key lives under a fixed prefix (the path of the store URL,
 * {@code etcd://h:p/cluster-a}), as Docker's cluster store takes one: two jovl clusters share a
 * store without seeing each other's keys. Callers see keys without the prefix; revisions,
 * versions and leases are the backend's.
 */
final class PrefixedStore implements Store {
    private final Store backend;
    private final String prefix;

    PrefixedStore(Store backend, String prefix) {
        this.backend = backend;
        this.prefix = prefix;
    }

    private String in(String key) {
        KeyRules.checkPrefix(key);
        return prefix + key;
    }

    private String out(String key) {
        return key.startsWith(prefix) ? key.substring(prefix.length()) : key;
    }

    private KeyValue out(KeyValue kv) {
        return new KeyValue(out(kv.key()), kv.value(), kv.version(), kv.leaseId());
    }

    @Override
    public Optional<KeyValue> get(String key) {
        KeyRules.checkKey(key);
        return backend.get(in(key)).map(this::out);
    }

    @Override
    public Listing list(String prefix) {
        Listing l = backend.list(in(prefix));
        return new Listing(l.entries().stream().map(this::out).toList(), l.revision());
    }

    @Override
    public boolean delete(String key) {
        KeyRules.checkKey(key);
        return backend.delete(in(key));
    }

    @Override
    public TxnResult commit(Txn txn) {
        List<Op> ops = new ArrayList<>();
        for (Op op : txn.ops()) {
            ops.add(new Op(op.kind(), in(op.key()), op.value(), op.expectedVersion(), op.lease()));
        }
        try {
            return backend.commit(new Txn(ops));
        } catch (StoreException.Conflict e) {
            throw new StoreException.Conflict(e.key() == null ? null : out(e.key()), e.getMessage());
        }
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        KeyRules.checkWatch(prefix, afterRevision);
        return backend.watch(in(prefix), afterRevision, new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events) {
                listener.onEvents(events.stream()
                        .map(e -> new WatchEvent(e.type(), out(e.key()), e.value(), e.revision()))
                        .toList());
            }

            @Override
            public void onResyncNeeded(long lastRevision) {
                listener.onResyncNeeded(lastRevision);
            }

            @Override
            public void onConnectionState(boolean connected) {
                listener.onConnectionState(connected);
            }
        });
    }

    @Override
    public Lease grantLease(Duration ttl) {
        return backend.grantLease(ttl);
    }

    @Override
    public String describe() {
        return backend.describe() + ", keys under " + prefix;
    }

    @Override
    public void close() {
        backend.close();
    }

    @Override
    public String toString() {
        return describe();
    }
}
