package dev.jovl.overlay.state;

/**
 * One container interface as stored under {@code jovl/v1/endpoints/<network>/<endpoint>}: what a
 * remote host needs to reach it (IP, MAC, VTEP) and who owns it.
 *
 * @param ipv4 CIDR as Docker gave it ({@code 10.10.0.2/24}), or {@code null}
 * @param ipv6 CIDR, or {@code null}
 * @param name the container name when known (standalone mode fills it in), else {@code null}
 * @param pending {@code TRUE} from CreateEndpoint until the container's interface is up; other
 *                hosts program no entries for a pending endpoint. {@code null} means ready, so a
 *                ready record is stored exactly as before this field existed (older jovl versions
 *                read it unchanged, and their records read as ready).
 */
public record EndpointRecord(
        String networkId,
        String endpointId,
        String ipv4,
        String ipv6,
        String mac,
        String vtep,
        String host,
        String name,
        long createdAtMillis,
        Boolean pending) {

    /**
     * Whether other hosts must still wait: until the container end of the veth is up, a packet
     * sent to this endpoint would be dropped on its host's bridge. A peer that learns it only
     * then gets no ARP answer before that moment, so its first packets wait in its ARP queue
     * instead of being lost (and waiting for a TCP retransmit, 1 s by default).
     */
    // not isPending(): Jackson would take an is-getter for a second "pending" property
    public boolean stillPending() {
        return Boolean.TRUE.equals(pending);
    }

    /** This record with the container's interface up. */
    public EndpointRecord asReady() {
        return new EndpointRecord(networkId, endpointId, ipv4, ipv6, mac, vtep, host, name, createdAtMillis, null);
    }

    /** This record with the container name and creation time of {@code earlier}, which a rewrite keeps. */
    public EndpointRecord keepingNameAndAgeOf(EndpointRecord earlier) {
        return new EndpointRecord(
                networkId, endpointId, ipv4, ipv6, mac, vtep, host, earlier.name, earlier.createdAtMillis, pending);
    }

    /** The IPv4 address without its prefix length, or {@code null}. */
    public String ipv4Address() {
        return ipv4 == null ? null : stripPrefix(ipv4);
    }

    public String ipv6Address() {
        return ipv6 == null ? null : stripPrefix(ipv6);
    }

    /** Same addresses, MAC and location: a resend or a no-op rewrite. */
    public boolean sameWiring(EndpointRecord o) {
        return java.util.Objects.equals(ipv4, o.ipv4)
                && java.util.Objects.equals(ipv6, o.ipv6)
                && java.util.Objects.equals(mac, o.mac)
                && java.util.Objects.equals(vtep, o.vtep)
                && java.util.Objects.equals(host, o.host);
    }

    private static String stripPrefix(String cidr) {
        int slash = cidr.indexOf('/');
        return slash < 0 ? cidr : cidr.substring(0, slash);
    }
}
