package dev.jovl.netlink;

import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * A VXLAN device. Defaults follow jovl's design: learning off, no ARP proxy, no miss
 * notifications, port 4789, TTL and UDP checksum left to the kernel.
 *
 * <pre>
 * VxlanSpec.builder("vxlan0").vni(4242).local(vtepIp).port(4789).proxy(true)
 *          .mtu(1450).mac(vtepMac).netns(sandbox).build()
 * </pre>
 * With {@link #local()} an IPv6 address the device is made IPv6 (LOCAL6 and GROUP6 ::), so that
 * FDB entries with IPv6 VTEPs are accepted (an IPv4 device answers them with EAFNOSUPPORT).
 *
 * @param ttl         0..255, or -1 to leave the kernel default
 * @param udpChecksum null to leave the kernel default
 */
public record VxlanSpec(
        LinkOptions options,
        int vni,
        InetAddress local,
        int port,
        int underlayIndex,
        boolean learning,
        boolean proxy,
        boolean l2miss,
        boolean l3miss,
        int ttl,
        Boolean udpChecksum)
        implements LinkSpec {
    public static final int DEFAULT_PORT = 4789;

    public VxlanSpec {
        if (vni < 0 || vni > 0xFFFFFF) {
            throw new IllegalArgumentException("VNI " + vni + " out of range 0..16777215");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("UDP port " + port + " out of range 1..65535");
        }
        if (ttl < -1 || ttl > 255) {
            throw new IllegalArgumentException("TTL " + ttl + " out of range 0..255");
        }
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    @Override
    public String kind() {
        return "vxlan";
    }

    boolean ipv6() {
        return local instanceof Inet6Address;
    }

    public static final class Builder extends LinkOptions.Builder<Builder> {
        private Integer vni;
        private InetAddress local;
        private int port = DEFAULT_PORT;
        private int underlayIndex;
        private boolean learning;
        private boolean proxy;
        private boolean l2miss;
        private boolean l3miss;
        private int ttl = -1;
        private Boolean udpChecksum;

        Builder(String name) {
            super(name);
        }

        public Builder vni(int vni) {
            this.vni = vni;
            return this;
        }

        /** Source address of encapsulated packets (the VTEP address). */
        public Builder local(InetAddress local) {
            this.local = local;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** IFLA_VXLAN_LINK: the underlay device (optional; the kernel then derives the MTU from it). */
        public Builder underlay(int ifindex) {
            this.underlayIndex = ifindex;
            return this;
        }

        public Builder learning(boolean on) {
            this.learning = on;
            return this;
        }

        /** ARP/ND proxy: the device answers ARP from its neighbour table (no ARP crosses the overlay). */
        public Builder proxy(boolean on) {
            this.proxy = on;
            return this;
        }

        public Builder l2miss(boolean on) {
            this.l2miss = on;
            return this;
        }

        public Builder l3miss(boolean on) {
            this.l3miss = on;
            return this;
        }

        public Builder ttl(int ttl) {
            this.ttl = ttl;
            return this;
        }

        public Builder udpChecksum(boolean on) {
            this.udpChecksum = on;
            return this;
        }

        public VxlanSpec build() {
            if (vni == null) {
                throw new IllegalArgumentException("VXLAN device " + name + " needs a VNI");
            }
            return new VxlanSpec(
                    options(), vni, local, port, underlayIndex, learning, proxy, l2miss, l3miss, ttl, udpChecksum);
        }
    }
}
