package dev.jovl.netlink;

import java.net.InetAddress;

/** An IP address assigned to a device: {@code address/prefixLength} on {@code ifindex}. */
public record LinkAddress(int ifindex, InetAddress address, int prefixLength) {
    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength + " on " + ifindex;
    }
}
