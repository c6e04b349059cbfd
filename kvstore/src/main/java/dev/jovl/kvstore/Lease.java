package dev.jovl.kvstore;

import java.time.Duration;

/**
 * A lease (etcd lease, Consul session) owned by this process and renewed in the background.
 * Keys bound to it vanish when it expires or is revoked.
 */
public interface Lease extends AutoCloseable {

    /** The backend's id: an etcd lease id in hex, a Consul session id, the embedded store's own. */
    String id();

    Duration ttl();

    /** False once the backend has said the lease is gone (expired while unreachable, or revoked). */
    boolean isAlive();

    /** Stops renewing without revoking: the keys vanish after the TTL, as when the process dies. */
    void abandon();

    /** Revokes the lease now: its keys are deleted. */
    @Override
    void close();
}
