package dev.jovl.driver;

import dev.jovl.overlay.state.AddressPool;
import dev.jovl.overlay.state.ClusterState;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.NetworkRecord;
import dev.jovl.overlay.state.Versioned;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Which live endpoint holds an address of a jovl pool: a ready endpoint record of a network whose
 * IPAM data names that pool. Looked up in the peer view (the watch's copy of every endpoint record,
 * no store round trip in the common case where nobody holds it), and confirmed by reading the
 * candidate's own key, since the view may still show an endpoint deleted a moment ago.
 */
public final class LiveAddressHolders {
    private final ClusterState state;
    private final Supplier<List<Versioned<EndpointRecord>>> view;

    public LiveAddressHolders(ClusterState state, Supplier<List<Versioned<EndpointRecord>>> view) {
        this.state = state;
        this.view = view;
    }

    /** The ready endpoint (other than {@code exceptEndpointId}, may be null) that holds {@code ip} of the pool. */
    public Optional<EndpointRecord> holder(String poolId, String ip, String exceptEndpointId) {
        for (Versioned<EndpointRecord> candidate : view.get()) {
            EndpointRecord seen = candidate.value();
            if (seen.endpointId().equals(exceptEndpointId) || !holds(seen, ip)) {
                continue;
            }
            Optional<EndpointRecord> now = state.endpoint(seen.networkId(), seen.endpointId())
                    .map(Versioned::value)
                    .filter(e -> !e.stillPending() && holds(e, ip));
            if (now.isPresent() && usesPool(seen.networkId(), poolId)) {
                return now;
            }
        }
        return Optional.empty();
    }

    private static boolean holds(EndpointRecord e, String ip) {
        return ip.equals(e.ipv4Address()) || ip.equals(e.ipv6Address());
    }

    private boolean usesPool(String networkId, String poolId) {
        Optional<NetworkRecord> network = state.network(networkId).map(Versioned::value);
        if (network.isEmpty()) {
            return false;
        }
        for (List<AddressPool> pools :
                List.of(network.get().ipv4Data(), network.get().ipv6Data())) {
            for (AddressPool pool : pools) {
                if (poolId.equals(IpamEndpointAddresses.poolId(pool))) {
                    return true;
                }
            }
        }
        return false;
    }
}
