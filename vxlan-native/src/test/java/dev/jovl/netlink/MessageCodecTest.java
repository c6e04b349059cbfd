package dev.jovl.netlink;

import static dev.jovl.netlink.Rtnl.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jovl.net.MacAddress;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Byte-level checks of the message encoder and attribute parser, without a kernel. */
class MessageCodecTest {

    private static ByteBuffer encode(LinkSpec spec) {
        MessageWriter w = new MessageWriter();
        int m = w.begin(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 7);
        LinkCodec.writeCreate(w, spec);
        w.end(m);
        return ByteBuffer.wrap(Arrays.copyOf(w.array(), w.size())).order(ByteOrder.nativeOrder());
    }

    @Test
    void vxlanRequestLayout() {
        ByteBuffer b = encode(VxlanSpec.builder("vxlan0")
                .vni(0x123456)
                .local(InetAddress.ofLiteral("10.1.2.3"))
                .port(4789)
                .proxy(true)
                .ttl(9)
                .mtu(1450)
                .up()
                .build());
        assertEquals(b.limit(), b.getInt(0), "nlmsg_len covers the whole message");
        assertEquals(0, b.limit() % 4, "padded to 4 bytes");
        assertEquals(RTM_NEWLINK, b.getShort(4));
        assertEquals(7, b.getInt(8));
        assertEquals(IFF_UP, b.getInt(NLMSG_HDRLEN + 8), "ifi_flags");
        assertEquals(IFF_UP, b.getInt(NLMSG_HDRLEN + 12), "ifi_change");

        Attributes a = Attributes.parse(b, NLMSG_HDRLEN + IFINFOMSG_LEN, b.limit());
        assertEquals("vxlan0", a.string(IFLA_IFNAME));
        assertEquals(7, a.length(IFLA_IFNAME), "NUL-terminated");
        assertEquals(1450, a.u32(IFLA_MTU, 0));
        Attributes info = a.nested(IFLA_LINKINFO);
        assertEquals(5, info.length(IFLA_INFO_KIND), "kind without NUL, as iproute2 sends it");
        assertEquals("vxlan", info.string(IFLA_INFO_KIND));
        Attributes d = info.nested(IFLA_INFO_DATA);
        assertEquals(0x123456, d.u32(IFLA_VXLAN_ID, -1));
        assertArrayEquals(new byte[] {0x12, (byte) 0xb5}, d.bytes(IFLA_VXLAN_PORT), "4789 in network byte order");
        assertEquals(4789, d.u16be(IFLA_VXLAN_PORT, -1));
        assertArrayEquals(new byte[] {10, 1, 2, 3}, d.bytes(IFLA_VXLAN_LOCAL));
        assertEquals(0, d.u8(IFLA_VXLAN_LEARNING, -1), "learning off is sent explicitly");
        assertEquals(1, d.u8(IFLA_VXLAN_PROXY, -1));
        assertEquals(9, d.u8(IFLA_VXLAN_TTL, -1));
        assertFalse(d.has(IFLA_VXLAN_UDP_CSUM), "left to the kernel unless set");
        assertFalse(d.has(IFLA_VXLAN_GROUP6));
    }

    @Test
    void ipv6VxlanGetsLocal6AndAnyGroup6() {
        ByteBuffer b = encode(VxlanSpec.builder("vx6")
                .vni(1)
                .local(InetAddress.ofLiteral("fd00::1"))
                .build());
        Attributes d = Attributes.parse(b, NLMSG_HDRLEN + IFINFOMSG_LEN, b.limit())
                .nested(IFLA_LINKINFO)
                .nested(IFLA_INFO_DATA);
        assertEquals(InetAddress.ofLiteral("fd00::1"), d.address(IFLA_VXLAN_LOCAL6));
        assertArrayEquals(new byte[16], d.bytes(IFLA_VXLAN_GROUP6));
        assertFalse(d.has(IFLA_VXLAN_LOCAL));
    }

    @Test
    void vethPeerIsAnIfinfomsgFollowedByItsOwnAttributes() {
        MacAddress mac = MacAddress.parse("02:42:0a:00:00:05");
        ByteBuffer b = encode(VethSpec.builder("veth0", "peer0")
                .mtu(1400)
                .master(12)
                .up()
                .peerMac(mac)
                .build());
        Attributes a = Attributes.parse(b, NLMSG_HDRLEN + IFINFOMSG_LEN, b.limit());
        assertEquals(12, a.u32(IFLA_MASTER, 0));
        assertEquals("veth0", a.string(IFLA_IFNAME));
        Attributes data = a.nested(IFLA_LINKINFO).nested(IFLA_INFO_DATA);
        byte[] peer = data.bytes(VETH_INFO_PEER);
        ByteBuffer p = ByteBuffer.wrap(peer).order(ByteOrder.nativeOrder());
        assertEquals(0, p.getInt(8), "the peer is born down (veth cannot bring it up at creation)");
        Attributes pa = Attributes.parse(p, IFINFOMSG_LEN, peer.length);
        assertEquals("peer0", pa.string(IFLA_IFNAME));
        assertEquals(1400, pa.u32(IFLA_MTU, 0), "peer MTU defaults to the first end's");
        assertEquals(mac, pa.mac(IFLA_ADDRESS));
        assertFalse(pa.has(IFLA_NET_NS_FD));
    }

    @Test
    void fdbAndNeighbourMessages() {
        MessageWriter w = new MessageWriter();
        int m = w.begin(RTM_NEWNEIGH, NLM_F_REQUEST, 1);
        NeighbourCodec.writeFdb(
                w, 5, MacAddress.parse("02:00:00:00:00:01"), InetAddress.ofLiteral("192.0.2.7"), true, NTF_SELF);
        w.end(m);
        ByteBuffer b = ByteBuffer.wrap(Arrays.copyOf(w.array(), w.size())).order(ByteOrder.nativeOrder());
        FdbEntry e = NeighbourCodec.decodeFdb(b, 0, b.limit());
        assertEquals(
                new FdbEntry(
                        5,
                        MacAddress.parse("02:00:00:00:00:01"),
                        InetAddress.ofLiteral("192.0.2.7"),
                        NUD_PERMANENT,
                        NTF_SELF,
                        0,
                        -1),
                e);

        w.reset();
        m = w.begin(RTM_NEWNEIGH, NLM_F_REQUEST, 2);
        NeighbourCodec.writeNeighbour(w, 5, InetAddress.ofLiteral("fd00::9"), MacAddress.parse("02:00:00:00:00:09"));
        w.end(m);
        b = ByteBuffer.wrap(Arrays.copyOf(w.array(), w.size())).order(ByteOrder.nativeOrder());
        assertEquals(AF_INET6, b.get(NLMSG_HDRLEN));
        assertEquals(
                new Neighbour(
                        5, InetAddress.ofLiteral("fd00::9"), MacAddress.parse("02:00:00:00:00:09"), NUD_PERMANENT),
                NeighbourCodec.decodeNeighbour(b, 0, b.limit()));
    }

    @Test
    void parserStopsAtMalformedAttributes() {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
        b.putShort(0, (short) 8).putShort(2, (short) 1).putInt(4, 42); // good u32 attribute
        b.putShort(8, (short) 40).putShort(10, (short) 2); // claims 40 bytes, has 4
        Attributes a = Attributes.parse(b, 0, 12);
        assertEquals(42, a.u32(1, -1));
        assertFalse(a.has(2));
    }

    @Test
    void macAddressForms() {
        assertEquals(
                "02:42:0a:00:00:02",
                MacAddress.fromIPv4((java.net.Inet4Address) InetAddress.ofLiteral("10.0.0.2"))
                        .toString());
        assertEquals(MacAddress.parse("AA:bb:CC:dd:EE:ff"), MacAddress.parse("aa:bb:cc:dd:ee:ff"));
        MacAddress r = MacAddress.randomLocal();
        assertEquals(0x02, r.bytes()[0] & 0x03, "unicast and locally administered");
        assertThrows(IllegalArgumentException.class, () -> MacAddress.of(new byte[5]));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02-42-0a-00-00-02"));
    }
}
