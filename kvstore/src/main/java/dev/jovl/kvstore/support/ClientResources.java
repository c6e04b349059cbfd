package dev.jovl.kvstore.support;

import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.Watch;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one store client owns: its open watches and leases. Closing the client closes the
 * watches and stops renewing the leases without revoking them, as a dying process would.
 */
public final class ClientResources {
    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
    private final Set<Lease> leases = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public void add(Watch watch) {
        watches.add(watch);
    }

    public void remove(Watch watch) {
        watches.remove(watch);
    }

    public void add(Lease lease) {
        leases.add(lease);
    }

    public void remove(Lease lease) {
        leases.remove(lease);
    }

    /** @throws StoreException.Unavailable once the client is closed */
    public void ensureOpen(String description) {
        if (closed) {
            throw new StoreException.Unavailable(description + ": this client is closed", null);
        }
    }

    /** Closes the watches and abandons the leases; false if this ran before. */
    public synchronized boolean close() {
        if (closed) {
            return false;
        }
        closed = true;
        watches.forEach(Watch::close);
        leases.forEach(Lease::abandon);
        return true;
    }
}
