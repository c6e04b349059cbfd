package dev.jovl.driver;

import dev.jovl.ipam.Allocation;
import dev.jovl.ipam.IpamDriver;
import dev.jovl.ipam.IpamException;
import dev.jovl.ipam.protocol.IpamProtocol.ReleaseAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestAddressRequest;
import dev.jovl.overlay.peers.AddressReclaim;
import dev.jovl.overlay.peers.AddressRelease;
import dev.jovl.overlay.state.AddressPool;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.NetworkRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The addresses of the core's endpoints in jovl's IPAM, for what the core does without Docker:
 * taking an address back for a republished endpoint ({@link AddressReclaim}) and freeing the
 * address of an endpoint whose container vanished ({@link AddressRelease}). The pools of a network
 * are those of its IPAM data; a pool jovl's IPAM does not know belongs to another IPAM driver and is
 * left alone.
 */
public final class IpamEndpointAddresses implements AddressReclaim, AddressRelease {
    private final IpamDriver ipam;
    private final String hostId;
    private final LiveAddressHolders holders;

    public IpamEndpointAddresses(IpamDriver ipam, String hostId, LiveAddressHolders holders) {
        this.ipam = ipam;
        this.hostId = hostId;
        this.holders = holders;
    }

    /** The IPAM's PoolID of a network's pool ({@code <space>/<subnet>}). */
    public static String poolId(AddressPool pool) {
        return pool.addressSpace() + "/" + pool.pool();
    }

    @Override
    public boolean reclaim(NetworkRecord network, EndpointRecord endpoint) {
        String ip = endpoint.ipv4Address();
        if (ip == null) {
            return true;
        }
        for (AddressPool pool : network.ipv4Data()) {
            String poolId = poolId(pool);
            Optional<List<Allocation>> allocations = allocationsOf(poolId);
            if (allocations.isEmpty()) {
                continue;
            }
            for (Allocation a : allocations.get()) {
                if (a.address().equals(ip)) {
                    return hostId.equals(a.host()); // still ours, or somebody else's now
                }
            }
            try {
                ipam.requestAddress(new RequestAddressRequest(poolId, ip, Map.of()));
                return true;
            } catch (IpamException e) {
                if (e.kind() != IpamException.Kind.ADDRESS_OUTSIDE_POOL) {
                    return false;
                }
            }
        }
        return true; // no jovl pool holds the address: its IPAM is not ours to ask
    }

    /**
     * Frees each of the endpoint's addresses that this host holds in one of the network's jovl
     * pools, unless the allocation was made for another MAC or another live endpoint holds it now
     * (a container re-created at that fixed address): those are somebody else's.
     */
    @Override
    public boolean release(NetworkRecord network, EndpointRecord endpoint) {
        releaseOne(network.ipv4Data(), endpoint.ipv4Address(), endpoint);
        releaseOne(network.ipv6Data(), endpoint.ipv6Address(), endpoint);
        return true;
    }

    private void releaseOne(List<AddressPool> pools, String ip, EndpointRecord endpoint) {
        if (ip == null) {
            return;
        }
        for (AddressPool pool : pools) {
            String poolId = poolId(pool);
            Optional<List<Allocation>> allocations = allocationsOf(poolId);
            Optional<Allocation> held = allocations.orElse(List.of()).stream()
                    .filter(a -> a.address().equals(ip))
                    .findFirst();
            if (held.isEmpty()) {
                continue;
            }
            Allocation a = held.get();
            boolean ours = !a.gateway()
                    && hostId.equals(a.host())
                    && (a.mac() == null || endpoint.mac() == null || a.mac().equalsIgnoreCase(endpoint.mac()));
            if (ours && holders.holder(poolId, ip, endpoint.endpointId()).isEmpty()) {
                ipam.releaseAddress(new ReleaseAddressRequest(poolId, ip));
            }
            return;
        }
    }

    /** The pool's allocations, or empty if jovl's IPAM has no such pool; store failures propagate. */
    private Optional<List<Allocation>> allocationsOf(String poolId) {
        try {
            return Optional.of(ipam.allocations(poolId));
        } catch (IpamException e) {
            if (e.kind() == IpamException.Kind.STORE_UNAVAILABLE) {
                throw e;
            }
            return Optional.empty(); // not one of jovl's pools (another IPAM driver), or not this pool
        }
    }
}
