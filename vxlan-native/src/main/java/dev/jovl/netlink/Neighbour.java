package dev.jovl.netlink;

import dev.jovl.net.MacAddress;
import java.net.InetAddress;

/**
 * An IP neighbour (ARP for IPv4, NDP for IPv6) entry: {@code ip} is at {@code mac} on device {@code ifindex}.
 *
 * @param state NUD_* bits (0x80 = permanent)
 */
public record Neighbour(int ifindex, InetAddress ip, MacAddress mac, int state) {
    public boolean isPermanent() {
        return (state & Rtnl.NUD_PERMANENT) != 0;
    }
}
