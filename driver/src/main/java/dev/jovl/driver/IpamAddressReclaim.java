package dev.jovl.driver;

import dev.jovl.ipam.Allocation;
import dev.jovl.ipam.IpamDriver;
import dev.jovl.ipam.IpamException;
import dev.jovl.ipam.protocol.IpamProtocol.RequestAddressRequest;
import dev.jovl.overlay.peers.AddressReclaim;
import dev.jovl.overlay.state.AddressPool;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.NetworkRecord;
import java.util.List;
import java.util.Map;

/** {@link AddressReclaim} through jovl's IPAM: the pools of the network are those of its IPv4Data. */
public final class IpamAddressReclaim implements AddressReclaim {
    private final IpamDriver ipam;
    private final String hostId;

    public IpamAddressReclaim(IpamDriver ipam, String hostId) {
        this.ipam = ipam;
        this.hostId = hostId;
    }

    @Override
    public boolean reclaim(NetworkRecord network, EndpointRecord endpoint) {
        String ip = endpoint.ipv4Address();
        if (ip == null) {
            return true;
        }
        for (AddressPool pool : network.ipv4Data()) {
            String poolId = pool.addressSpace() + "/" + pool.pool();
            List<Allocation> allocations;
            try {
                allocations = ipam.allocations(poolId);
            } catch (IpamException e) {
                continue; // not one of jovl's pools (another IPAM driver), or not this pool
            }
            for (Allocation a : allocations) {
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
}
