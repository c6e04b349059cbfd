package dev.jovl.netlink;

import dev.jovl.net.MacAddress;

/**
 * A network device as the kernel reports it (one RTM_NEWLINK message of a dump or a get).
 *
 * @param index       ifindex in the handle's namespace
 * @param name        interface name
 * @param kind        IFLA_INFO_KIND ("bridge", "vxlan", "veth"...), or null for devices without one (lo, physical)
 * @param flags       raw IFF_* flags
 * @param mtu         MTU in bytes
 * @param mac         hardware address, or null (e.g. for devices without one)
 * @param masterIndex ifindex of the master (bridge), 0 if none
 * @param linkIndex   IFLA_LINK: for a veth the peer's ifindex (in the peer's namespace), else 0
 * @param linkNetnsId IFLA_LINK_NETNSID: namespace id of the peer/underlay when it is elsewhere, -1 if none
 * @param operState   IFLA_OPERSTATE as text: UP, DOWN, LOWERLAYERDOWN, UNKNOWN...
 * @param vxlan       the VXLAN settings for kind "vxlan", else null
 */
public record Link(
        int index,
        String name,
        String kind,
        int flags,
        int mtu,
        MacAddress mac,
        int masterIndex,
        int linkIndex,
        int linkNetnsId,
        String operState,
        VxlanInfo vxlan) {

    /** Administratively up (IFF_UP), whatever the carrier. */
    public boolean isUp() {
        return (flags & Rtnl.IFF_UP) != 0;
    }

    /**
     * Carrier present (IFF_LOWER_UP). For a veth end this means both ends are up: the moment its
     * peer can actually receive what is sent to it.
     */
    public boolean hasCarrier() {
        return (flags & Rtnl.IFF_LOWER_UP) != 0;
    }

    public boolean hasMaster() {
        return masterIndex != 0;
    }

    static String operStateName(int state) {
        return switch (state) {
            case 0 -> "UNKNOWN";
            case 1 -> "NOTPRESENT";
            case 2 -> "DOWN";
            case 3 -> "LOWERLAYERDOWN";
            case 4 -> "TESTING";
            case 5 -> "DORMANT";
            case 6 -> "UP";
            default -> "STATE" + state;
        };
    }
}
