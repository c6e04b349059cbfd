package dev.jovl.overlay.peers;

import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.NetworkRecord;

/**
 * Before a reaped endpoint record is written back, its address must still be its own: taken back
 * from the pool if it was released, refused if another container has it by now.
 */
@FunctionalInterface
public interface AddressReclaim {
    /** True if the endpoint may keep its address (reclaimed, still held, or not jovl-managed). */
    boolean reclaim(NetworkRecord network, EndpointRecord endpoint);
}
