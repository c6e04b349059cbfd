package dev.jovl.overlay;

/**
 * This host as the overlay sees it.
 *
 * @param hostId      the name under which this host's records are kept in the store
 * @param vtep        the underlay address remote hosts send VXLAN packets to
 * @param underlayMtu the MTU of the underlay interface that carries {@code vtep}
 * @param vxlanPort   the UDP port of the VXLAN devices
 */
public record LocalHost(String hostId, String vtep, int underlayMtu, int vxlanPort) {
    /** IPv4 outer header overhead: 14 inner Ethernet + 8 VXLAN + 8 UDP + 20 IP. */
    public static final int VXLAN_OVERHEAD = 50;
    /** With an IPv6 underlay the outer IP header is 40 bytes. */
    public static final int VXLAN_OVERHEAD_IPV6 = 70;

    public int overhead() {
        return vtep.indexOf(':') >= 0 ? VXLAN_OVERHEAD_IPV6 : VXLAN_OVERHEAD;
    }

    public int defaultOverlayMtu() {
        return underlayMtu - overhead();
    }
}
