package dev.jovl.ipam;

import dev.jovl.ipam.store.Holders;
import dev.jovl.ipam.store.StoredRecords.PoolState;
import java.util.ArrayList;
import java.util.List;

/**
 * A pool allocated by swarmkit belongs to the swarm, not to the manager host that happened to be
 * leader: every leader change makes the new leader's allocator request the pool and its gateway
 * again, from another host. Its holders are the swarm (one entry, {@link #SWARM}), so one
 * ReleasePool from whichever host leads when the network is removed frees it.
 */
final class SwarmHolders {

    /** The holder standing for the swarm; not a possible host id (hosts are names or UUIDs). */
    static final String SWARM = "<swarm>";

    private SwarmHolders() {}

    /**
     * The state after a swarm gateway request from {@code host}: the host's holds on the pool and on
     * the gateway become the swarm's, and a new tenure starts (addresses of earlier tenures may be
     * replayed once each).
     */
    static PoolState takeOver(PoolState state, String host) {
        List<String> holders = asSwarm(state.holders(), host);
        List<String> gatewayHolders = asSwarm(state.gatewayHolders(), host);
        return state.withHolders(holders)
                .withGateway(state.gateway(), gatewayHolders)
                .withSwarmTenure(state.swarmTenure() + 1);
    }

    private static List<String> asSwarm(List<String> holders, String host) {
        List<String> next = new ArrayList<>(holders);
        next.remove(host);
        return Holders.add(List.copyOf(next), SWARM);
    }
}
