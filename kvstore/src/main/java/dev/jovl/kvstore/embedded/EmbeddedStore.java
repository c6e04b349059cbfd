package dev.jovl.kvstore.embedded;

import dev.jovl.kvstore.KeyRules;
import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.Op;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.Txn;
import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.WatchListener;
import dev.jovl.kvstore.support.StoreBase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The embedded backend ({@code file:/dir}): one client of the {@link EmbeddedEngine} of a
 * directory. Several clients in one process share the engine, as several processes share an
 * etcd. Closing a client closes its watches and stops renewing its leases without revoking them:
 * their keys expire after the TTL, exactly as when a process dies.
 */
public final class EmbeddedStore extends StoreBase {
    private final EmbeddedEngine engine;

    private EmbeddedStore(EmbeddedEngine engine) {
        this.engine = engine;
    }

    /** Opens (creating if needed) the store kept in {@code dir}. */
    public static EmbeddedStore open(Path dir) {
        return open(dir, EmbeddedEngine.HISTORY_REVISIONS);
    }

    /** Opens the store keeping {@code historyRevisions} revisions for watches (tests use a few). */
    static EmbeddedStore open(Path dir, int historyRevisions) {
        return new EmbeddedStore(EmbeddedEngine.acquire(dir, historyRevisions));
    }

    @Override
    public Optional<KeyValue> get(String key) {
        KeyRules.checkKey(key);
        ensureOpen();
        return Optional.ofNullable(engine.get(key));
    }

    @Override
    public Listing list(String prefix) {
        KeyRules.checkPrefix(prefix);
        ensureOpen();
        return engine.list(prefix);
    }

    @Override
    public boolean delete(String key) {
        KeyRules.checkKey(key);
        ensureOpen();
        return engine.delete(key);
    }

    @Override
    public TxnResult commit(Txn txn) {
        ensureOpen();
        List<String> leaseIds = new ArrayList<>(txn.ops().size());
        for (Op op : txn.ops()) {
            leaseIds.add(leaseIdOf(op.lease()));
        }
        return engine.commit(txn.ops(), leaseIds);
    }

    private String leaseIdOf(Lease lease) {
        if (lease == null) {
            return "";
        }
        if (lease instanceof EmbeddedLease own && own.engine() == engine) {
            return own.id();
        }
        throw new StoreException.InvalidArgument("lease " + lease.id() + " belongs to another store");
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        KeyRules.checkWatch(prefix, afterRevision);
        ensureOpen();
        return started(new EmbeddedWatch(engine, prefix, afterRevision, listener, resources()::remove));
    }

    @Override
    public Lease grantLease(Duration ttl) {
        KeyRules.checkLeaseTtl(ttl);
        ensureOpen();
        return started(new EmbeddedLease(engine, engine.grantLease(ttl), ttl, resources()::remove));
    }

    @Override
    public String describe() {
        return "embedded store in " + engine.dir();
    }

    @Override
    protected void release() {
        engine.release();
    }
}
