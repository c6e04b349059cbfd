package dev.jovl.netlink;

import dev.jovl.net.MacAddress;

/**
 * Settings every created device can carry in its create request.
 *
 * @param name        interface name (validated: at most 15 bytes)
 * @param mtu         MTU, 0 for the kernel default
 * @param mac         hardware address, null for a random one
 * @param up          bring it up at creation
 * @param masterIndex ifindex of a bridge to enslave it to, 0 for none. It is looked up in the
 *                    namespace where the device is born ({@code netns} if set)
 * @param netns       create the device directly in this namespace (IFLA_NET_NS_FD), null for the
 *                    handle's own namespace. The request is still processed in the handle's
 *                    namespace: for VXLAN that is where the UDP socket lives (the underlay).
 */
public record LinkOptions(String name, int mtu, MacAddress mac, boolean up, int masterIndex, NetNs netns) {
    public LinkOptions {
        InterfaceName.require(name);
        if (mtu != 0 && (mtu < 68 || mtu > 65535)) {
            throw new IllegalArgumentException("MTU " + mtu + " out of range 68..65535 for " + name);
        }
        if (masterIndex < 0) {
            throw new IllegalArgumentException("master ifindex must be positive, got " + masterIndex);
        }
    }

    /** Builder base shared by the link specs (self-typed so chained calls keep the concrete type). */
    public abstract static class Builder<B extends Builder<B>> {
        final String name;
        int mtu;
        MacAddress mac;
        boolean up;
        int masterIndex;
        NetNs netns;

        Builder(String name) {
            this.name = InterfaceName.require(name);
        }

        @SuppressWarnings("unchecked")
        B self() {
            return (B) this;
        }

        public B mtu(int mtu) {
            this.mtu = mtu;
            return self();
        }

        public B mac(MacAddress mac) {
            this.mac = mac;
            return self();
        }

        public B mac(String mac) {
            return mac(MacAddress.parse(mac));
        }

        public B up() {
            this.up = true;
            return self();
        }

        public B up(boolean up) {
            this.up = up;
            return self();
        }

        /** Enslave to the bridge with this ifindex (in the namespace where the device is born). */
        public B master(int bridgeIndex) {
            this.masterIndex = bridgeIndex;
            return self();
        }

        public B master(Link bridge) {
            return master(bridge.index());
        }

        /** Create the device directly inside {@code ns} (IFLA_NET_NS_FD) instead of the handle's namespace. */
        public B netns(NetNs ns) {
            this.netns = ns;
            return self();
        }

        LinkOptions options() {
            return new LinkOptions(name, mtu, mac, up, masterIndex, netns);
        }
    }
}
