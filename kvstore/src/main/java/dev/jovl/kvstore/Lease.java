package dev.jovl.kvstore;

import java.time.Duration;

/**
 * A lease (etcd lease, Consul session) owned by this process and renewed in the background.
 * Keys bound to it vanish when it expires or is revoked. A write of a key with another lease
 * rebinds the key to that one, even while this lease lives.
 *
 * <p>{@link #ttl()} is what the backend granted, which may exceed what was asked: etcd rounds up
 * to whole seconds; Consul invalidates a session only after twice its TTL and refuses session
 * TTLs under 10 s, so, as docker/libkv does, its session TTL is half the lease's and the shortest
 * lease is 20 s. Either way the keys go about {@code ttl()} after the last renewal.
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
