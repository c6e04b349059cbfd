package dev.jovl.netlink;

import java.net.InetAddress;

/**
 * VXLAN settings read back from the kernel (IFLA_INFO_DATA of a "vxlan" link).
 *
 * @param vni           VXLAN network identifier
 * @param local         source address of the tunnel, or null
 * @param group         default remote / multicast group, or null
 * @param port          UDP destination port (host order)
 * @param underlayIndex IFLA_VXLAN_LINK, 0 if none
 * @param udpChecksum   true if UDP checksums are computed on transmit (IPv4)
 */
public record VxlanInfo(
        int vni,
        InetAddress local,
        InetAddress group,
        int port,
        int underlayIndex,
        boolean learning,
        boolean proxy,
        boolean l2miss,
        boolean l3miss,
        int ttl,
        boolean udpChecksum) {}
