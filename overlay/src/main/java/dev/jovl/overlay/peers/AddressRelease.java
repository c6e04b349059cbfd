package dev.jovl.overlay.peers;

import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.NetworkRecord;

/**
 * Frees the address of an endpoint whose container is gone without Docker saying so (see
 * {@link VanishedEndpoints}): only if this host still holds it for that endpoint, never an address
 * that another container has by now.
 */
@FunctionalInterface
public interface AddressRelease {
    /**
     * @return whether the address needs nothing more: released now, or not held for this endpoint
     *         (already released, someone else's, or not managed by jovl's IPAM)
     * @throws RuntimeException when the store cannot be reached: try again later
     */
    boolean release(NetworkRecord network, EndpointRecord endpoint);
}
