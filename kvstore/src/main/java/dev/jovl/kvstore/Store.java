package dev.jovl.kvstore;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The one state store every jovl component talks to: a versioned key-value map shared by all
 * hosts (etcd, Consul) or kept on one host (embedded).
 *
 * <p><b>Versions.</b> Every key carries a {@code version}: the store-wide revision at which the
 * key was last written (etcd {@code mod_revision}, Consul {@code ModifyIndex}, the embedded
 * store's own counter). It is strictly positive for a present key; {@code 0} means "absent", so
 * {@code compareAndSet(key, 0, v)} is a create-if-absent. Revisions only grow.
 *
 * <p><b>Keys</b> are non-empty printable ASCII without spaces, at most {@link #MAX_KEY_BYTES},
 * never starting with {@code /}; hierarchy is by {@code /}. <b>Values</b> are bytes, at most
 * {@link #MAX_VALUE_BYTES}. Anything else is refused with {@link StoreException.InvalidArgument}
 * before the backend is contacted.
 *
 * <p><b>Errors</b> are the subclasses of {@link StoreException}: not found, conflict (a lost
 * race), unavailable (the backend cannot be reached within the call's deadline; never a hang),
 * invalid argument. A failed write changes nothing.
 *
 * <p>Implementations are thread-safe.
 */
public interface Store extends AutoCloseable {

    int MAX_KEY_BYTES = 512;
    int MAX_VALUE_BYTES = 256 * 1024;

    /** The key's value and version, or empty if absent. */
    Optional<KeyValue> get(String key);

    /**
     * Every key starting with {@code prefix} (plain string prefix), sorted by key, with the store
     * revision the listing was read at: a {@link #watch} from that revision misses nothing.
     */
    Listing list(String prefix);

    /**
     * Writes {@code value} only if the key is absent.
     *
     * @return the new version
     * @throws StoreException.Conflict if the key exists
     */
    default long create(String key, byte[] value) {
        return commit(Txn.of(Op.create(key, value))).version(0);
    }

    /** Same as {@link #create(String, byte[])}, with the key bound to {@code lease}. */
    default long create(String key, byte[] value, Lease lease) {
        return commit(Txn.of(Op.create(key, value).withLease(lease))).version(0);
    }

    /** Writes unconditionally; returns the new version. */
    default long put(String key, byte[] value) {
        return commit(Txn.of(Op.put(key, value))).version(0);
    }

    /**
     * Writes {@code value} only if the key's current version is {@code expectedVersion}
     * ({@code 0}: only if absent).
     *
     * @return the new version
     * @throws StoreException.Conflict if the version differs
     */
    default long compareAndSet(String key, long expectedVersion, byte[] value) {
        return commit(Txn.of(Op.compareAndSet(key, expectedVersion, value))).version(0);
    }

    /** Deletes the key; returns whether it existed. */
    boolean delete(String key);

    /**
     * Deletes the key only if its version is {@code expectedVersion}.
     *
     * @throws StoreException.Conflict if the key is absent or has another version
     */
    default void delete(String key, long expectedVersion) {
        commit(Txn.of(Op.deleteIfVersion(key, expectedVersion)));
    }

    /**
     * Applies every operation of {@code txn} atomically, or none.
     *
     * @throws StoreException.Conflict naming the first operation whose condition failed
     */
    TxnResult commit(Txn txn);

    /**
     * Delivers every change under {@code prefix} after {@code afterRevision}, once each and in
     * revision order, on a background thread, until the returned handle is closed. Dropped
     * connections are resumed from the last delivered revision; if the backend can no longer
     * supply the missed events (etcd compaction, for example),
     * {@link WatchListener#onResyncNeeded} is called and the caller re-lists.
     *
     * <p>Consul keeps no history, so there a watch reports successive states: a key written
     * several times between two of Consul's answers is delivered once, with its latest value.
     */
    Watch watch(String prefix, long afterRevision, WatchListener listener);

    /**
     * Grants a lease owned by this process and renewed in the background. Keys written with it
     * are deleted by the store once it is neither renewed nor revoked within {@code ttl}
     * (the process died) or as soon as it is {@link Lease#close() revoked}.
     */
    Lease grantLease(Duration ttl);

    /** A short description for logs: backend and address, no secrets. */
    String describe();

    @Override
    void close();

    /** A listing and the revision it is consistent with. */
    record Listing(List<KeyValue> entries, long revision) {
        public Listing {
            entries = List.copyOf(entries);
        }
    }

    /** Result of a committed transaction: the store revision and each operation's new version. */
    record TxnResult(long revision, List<Long> versions) {
        public TxnResult {
            versions = List.copyOf(versions);
        }

        /** The version written by operation {@code i} (0 for deletes and checks). */
        public long version(int i) {
            return versions.get(i);
        }
    }
}
