package dev.jovl.kvstore.support;

import dev.jovl.kvstore.Store;

/** What every backend's client shares: the watches and leases it owns, and closing them. */
public abstract class StoreBase implements Store {
    private final ClientResources resources = new ClientResources();

    /** Registers and starts a watch made by this client. */
    protected final <W extends BackgroundWatch> W started(W watch) {
        resources.add(watch);
        watch.start();
        return watch;
    }

    /** Registers a lease granted to this client and starts renewing it. */
    protected final <L extends RenewedLease> L started(L lease) {
        resources.add(lease);
        lease.startRenewing();
        return lease;
    }

    /** For watches and leases to call when they end. */
    protected final ClientResources resources() {
        return resources;
    }

    protected final void ensureOpen() {
        resources.ensureOpen(describe());
    }

    /** Frees what the backend holds (connections, files); runs once, after watches and leases stopped. */
    protected abstract void release();

    /** Closes the watches, stops renewing the leases (they expire as if the process died), then releases. */
    @Override
    public final void close() {
        if (resources.close()) {
            release();
        }
    }

    @Override
    public String toString() {
        return describe();
    }
}
