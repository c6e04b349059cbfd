package dev.jovl.netlink;

import static dev.jovl.netlink.Rtnl.*;

import dev.jovl.net.MacAddress;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/** Encodes link create requests from {@link LinkSpec}s and decodes RTM_NEWLINK messages into {@link Link}s. */
final class LinkCodec {
    private LinkCodec() {}

    private static final byte[] IPV6_ANY = new byte[16];

    /** Writes the body (after nlmsghdr) of an RTM_NEWLINK create request for {@code spec}. */
    static void writeCreate(MessageWriter w, LinkSpec spec) {
        LinkOptions o = spec.options();
        int upFlag = o.up() ? IFF_UP : 0;
        w.ifinfomsg(AF_UNSPEC, 0, upFlag, upFlag);
        writeCommon(w, o.name(), o.mtu(), o.mac(), o.netns());
        if (o.masterIndex() != 0) {
            w.u32(IFLA_MASTER, o.masterIndex());
        }
        int linkInfo = w.nest(IFLA_LINKINFO);
        w.rawString(IFLA_INFO_KIND, spec.kind());
        switch (spec) {
            case BridgeSpec b -> {
                /* no bridge options needed by jovl */
            }
            case VxlanSpec v -> writeVxlanData(w, v);
            case VethSpec v -> writeVethPeer(w, v);
        }
        w.endNest(linkInfo);
    }

    private static void writeCommon(MessageWriter w, String name, int mtu, MacAddress mac, NetNs netns) {
        w.string(IFLA_IFNAME, name);
        if (mtu != 0) {
            w.u32(IFLA_MTU, mtu);
        }
        if (mac != null) {
            w.bytes(IFLA_ADDRESS, mac.bytes());
        }
        if (netns != null) {
            w.u32(IFLA_NET_NS_FD, netns.fd());
        }
    }

    private static void writeVxlanData(MessageWriter w, VxlanSpec v) {
        int data = w.nest(IFLA_INFO_DATA);
        w.u32(IFLA_VXLAN_ID, v.vni());
        if (v.local() != null) {
            w.address(v.ipv6() ? IFLA_VXLAN_LOCAL6 : IFLA_VXLAN_LOCAL, v.local());
        }
        if (v.ipv6()) {
            // an all-zero IPv6 group makes the device IPv6 so FDB entries may name IPv6 VTEPs
            w.bytes(IFLA_VXLAN_GROUP6, IPV6_ANY);
        }
        if (v.underlayIndex() != 0) {
            w.u32(IFLA_VXLAN_LINK, v.underlayIndex());
        }
        w.u16be(IFLA_VXLAN_PORT, v.port()); // the one VXLAN attribute in network byte order
        w.u8(IFLA_VXLAN_LEARNING, v.learning() ? 1 : 0);
        w.u8(IFLA_VXLAN_PROXY, v.proxy() ? 1 : 0);
        w.u8(IFLA_VXLAN_L2MISS, v.l2miss() ? 1 : 0);
        w.u8(IFLA_VXLAN_L3MISS, v.l3miss() ? 1 : 0);
        if (v.ttl() >= 0) {
            w.u8(IFLA_VXLAN_TTL, v.ttl());
        }
        if (v.udpChecksum() != null) {
            w.u8(IFLA_VXLAN_UDP_CSUM, v.udpChecksum() ? 1 : 0);
        }
        w.endNest(data);
    }

    private static void writeVethPeer(MessageWriter w, VethSpec v) {
        int data = w.nest(IFLA_INFO_DATA);
        int peer = w.nest(VETH_INFO_PEER);
        // the peer's payload is a whole ifinfomsg followed by the peer's own IFLA_* attributes
        w.ifinfomsg(AF_UNSPEC, 0, 0, 0);
        writeCommon(w, v.peerName(), v.peerMtu(), v.peerMac(), v.peerNetns());
        w.endNest(peer);
        w.endNest(data);
    }

    /** Decodes an RTM_NEWLINK message whose nlmsghdr starts at {@code off} and has length {@code len}. */
    static Link decode(ByteBuffer buf, int off, int len) {
        int body = off + NLMSG_HDRLEN;
        int index = buf.getInt(body + 4);
        int flags = buf.getInt(body + 8);
        Attributes a = Attributes.parse(buf, body + IFINFOMSG_LEN, off + len);
        String kind = null;
        VxlanInfo vxlan = null;
        Attributes info = a.nested(IFLA_LINKINFO);
        if (info != null) {
            kind = info.string(IFLA_INFO_KIND);
            Attributes data = info.nested(IFLA_INFO_DATA);
            if ("vxlan".equals(kind) && data != null) {
                vxlan = decodeVxlan(data);
            }
        }
        return new Link(
                index,
                a.string(IFLA_IFNAME),
                kind,
                flags,
                a.u32(IFLA_MTU, 0),
                a.mac(IFLA_ADDRESS),
                a.u32(IFLA_MASTER, 0),
                a.u32(IFLA_LINK, 0),
                a.u32(IFLA_LINK_NETNSID, -1),
                Link.operStateName(a.u8(IFLA_OPERSTATE, 0)),
                vxlan);
    }

    private static VxlanInfo decodeVxlan(Attributes d) {
        InetAddress local = d.has(IFLA_VXLAN_LOCAL6) ? d.address(IFLA_VXLAN_LOCAL6) : d.address(IFLA_VXLAN_LOCAL);
        InetAddress group = d.has(IFLA_VXLAN_GROUP6) ? d.address(IFLA_VXLAN_GROUP6) : d.address(IFLA_VXLAN_GROUP);
        return new VxlanInfo(
                d.u32(IFLA_VXLAN_ID, 0),
                local,
                group,
                d.u16be(IFLA_VXLAN_PORT, 0),
                d.u32(IFLA_VXLAN_LINK, 0),
                d.u8(IFLA_VXLAN_LEARNING, 0) != 0,
                d.u8(IFLA_VXLAN_PROXY, 0) != 0,
                d.u8(IFLA_VXLAN_L2MISS, 0) != 0,
                d.u8(IFLA_VXLAN_L3MISS, 0) != 0,
                d.u8(IFLA_VXLAN_TTL, 0),
                d.u8(IFLA_VXLAN_UDP_CSUM, 0) != 0);
    }
}
