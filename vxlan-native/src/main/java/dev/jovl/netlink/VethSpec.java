package dev.jovl.netlink;

import dev.jovl.net.MacAddress;

/**
 * A veth pair, created in one request: both ends exist afterwards or neither does.
 * {@link #options()} describe the first end (born in the handle's namespace unless
 * {@code netns} is set); the peer has its own name, MTU (defaults to the first end's), MAC and
 * namespace. The peer is always created down: the kernel cannot bring it up inside the create
 * request (veth answers ENOTCONN before the pair is linked); call {@code setUp} on its handle
 * if needed. Docker moves the host end into the container and brings it up itself.
 *
 * <p>The driver's Join, from the sandbox's handle: the sandbox end enslaved to br0 and up, the
 * peer born in the host namespace, where Docker picks it up by name:
 * <pre>
 * sandbox.addLink(VethSpec.builder("veth1a2b3c", "vethc3b2a1").mtu(1450).master(br0).up()
 *                         .peerNetns(hostNs).peerMac(endpointMac).build());
 * </pre>
 */
public record VethSpec(LinkOptions options, String peerName, int peerMtu, MacAddress peerMac, NetNs peerNetns)
        implements LinkSpec {
    public VethSpec {
        InterfaceName.require(peerName);
        if (peerMtu != 0 && (peerMtu < 68 || peerMtu > 65535)) {
            throw new IllegalArgumentException("MTU " + peerMtu + " out of range 68..65535 for " + peerName);
        }
        if (peerName.equals(options.name()) && peerNetns == null && options.netns() == null) {
            throw new IllegalArgumentException("both veth ends are named '" + peerName + "' in one namespace");
        }
    }

    public static Builder builder(String name, String peerName) {
        return new Builder(name, peerName);
    }

    @Override
    public String kind() {
        return "veth";
    }

    public static final class Builder extends LinkOptions.Builder<Builder> {
        private final String peerName;
        private Integer peerMtu;
        private MacAddress peerMac;
        private NetNs peerNetns;

        Builder(String name, String peerName) {
            super(name);
            this.peerName = InterfaceName.require(peerName);
        }

        /** The peer's MTU; by default the same as the first end's. */
        public Builder peerMtu(int mtu) {
            this.peerMtu = mtu;
            return this;
        }

        public Builder peerMac(MacAddress mac) {
            this.peerMac = mac;
            return this;
        }

        public Builder peerMac(String mac) {
            return peerMac(MacAddress.parse(mac));
        }

        /** Create the peer end directly in {@code ns} (its own IFLA_NET_NS_FD). */
        public Builder peerNetns(NetNs ns) {
            this.peerNetns = ns;
            return this;
        }

        public VethSpec build() {
            return new VethSpec(options(), peerName, peerMtu == null ? mtu : peerMtu, peerMac, peerNetns);
        }
    }
}
