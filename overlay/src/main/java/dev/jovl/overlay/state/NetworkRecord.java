package dev.jovl.overlay.state;

import java.util.List;
import java.util.Map;

/**
 * A jovl network as stored under {@code jovl/v1/networks/<id>}: what every host needs to build
 * its part of the overlay, whichever host created it.
 *
 * @param options        the user's {@code -o} driver options, as Docker passed them
 * @param swarmAllocated the VNI was allocated by AllocateNetwork on a swarm manager; then each
 *                       worker's DeleteNetwork only tears down its own part, and FreeNetwork
 *                       removes the record
 */
public record NetworkRecord(
        String networkId,
        int vni,
        int mtu,
        boolean internal,
        List<AddressPool> ipv4Data,
        List<AddressPool> ipv6Data,
        Map<String, String> options,
        String createdBy,
        long createdAtMillis,
        boolean swarmAllocated) {

    public NetworkRecord {
        ipv4Data = ipv4Data == null ? List.of() : List.copyOf(ipv4Data);
        ipv6Data = ipv6Data == null ? List.of() : List.copyOf(ipv6Data);
        options = options == null ? Map.of() : Map.copyOf(options);
    }
}
