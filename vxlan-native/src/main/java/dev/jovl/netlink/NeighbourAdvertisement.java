package dev.jovl.netlink;

import dev.jovl.net.Family;
import dev.jovl.net.IpAddress;
import dev.jovl.net.MacAddress;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Unsolicited neighbour advertisement (RFC 4861 7.2.6): IPv6's gratuitous ARP. Sent to all nodes
 * ({@code ff02::1}) with the Override flag, it makes a host whose neighbour cache holds the target
 * take the new link-layer address at once (net/ipv6/ndisc.c, {@code ndisc_recv_na}: the entry goes
 * STALE at the new MAC); a host without an entry ignores it. Sent like {@link GratuitousArp},
 * through a {@link FrameSender} of the link's namespace, the source address being
 * the target itself (the sandbox's bridge has no IPv6 address of its own).
 */
public final class NeighbourAdvertisement {
    private static final int ETH_P_IPV6 = 0x86DD;
    private static final int ICMPV6 = 58;
    private static final int NEIGHBOUR_ADVERTISEMENT = 136;
    private static final int OVERRIDE_FLAG = 0x20000000;
    private static final int TARGET_LINK_LAYER_ADDRESS = 2;
    private static final int ICMP_BYTES = 32; // header 4 + flags 4 + target 16 + option 8
    private static final int FRAME_BYTES = 14 + 40 + ICMP_BYTES;
    private static final byte[] ALL_NODES = IpAddress.parse("ff02::1").bytes();
    private static final byte[] ALL_NODES_MAC = {0x33, 0x33, 0, 0, 0, 1};

    private NeighbourAdvertisement() {}

    /**
     * Sends one unsolicited neighbour advertisement per entry on interface {@code ifindex}, through {@code sender}, opened
     * in the interface's namespace (callable from any thread).
     *
     * @param ethernetSource the frames' source MAC: the sending device's own
     * @param addresses      IPv6 address -> the MAC it now lives at
     */
    public static void announce(
            FrameSender sender, int ifindex, MacAddress ethernetSource, Map<IpAddress, MacAddress> addresses) {
        sender.announce(
                ifindex,
                ETH_P_IPV6,
                ALL_NODES_MAC,
                ethernetSource,
                addresses,
                NeighbourAdvertisement::frame,
                "unsolicited neighbour advertisement");
    }

    /** The frame: to all nodes, hop limit 255, Override set, the MAC in a target link-layer option. */
    static byte[] frame(MacAddress ethernetSource, IpAddress ip, MacAddress mac) {
        if (ip.family() != Family.V6) {
            throw new IllegalArgumentException("neighbour advertisements are for IPv6 addresses, not " + ip);
        }
        byte[] target = ip.bytes();
        ByteBuffer icmp = ByteBuffer.allocate(ICMP_BYTES);
        icmp.put((byte) NEIGHBOUR_ADVERTISEMENT)
                .put((byte) 0) // code
                .putShort((short) 0) // checksum, filled in below
                .putInt(OVERRIDE_FLAG) // not a router, not solicited
                .put(target)
                .put((byte) TARGET_LINK_LAYER_ADDRESS)
                .put((byte) 1) // option length in units of 8 bytes
                .put(mac.bytes());
        byte[] message = icmp.array();
        int sum = checksum(target, ALL_NODES, message);
        message[2] = (byte) (sum >>> 8);
        message[3] = (byte) sum;

        ByteBuffer b = ByteBuffer.allocate(FRAME_BYTES); // big-endian, as the wire is
        b.put(ALL_NODES_MAC).put(ethernetSource.bytes()).putShort((short) ETH_P_IPV6);
        b.putInt(0x60000000) // version 6, no traffic class, no flow label
                .putShort((short) ICMP_BYTES)
                .put((byte) ICMPV6)
                .put((byte) 255) // hop limit: receivers drop neighbour discovery with any other
                .put(target)
                .put(ALL_NODES)
                .put(message);
        return b.array();
    }

    /** ICMPv6's checksum: one's complement sum over the pseudo-header and the message. */
    static int checksum(byte[] source, byte[] destination, byte[] message) {
        long sum = 0;
        sum += sum16(source) + sum16(destination);
        sum += message.length; // upper-layer packet length (32 bits; fits the low word here)
        sum += ICMPV6; // three zero bytes and the next header
        sum += sum16(message);
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    private static long sum16(byte[] bytes) {
        long sum = 0;
        for (int i = 0; i < bytes.length; i += 2) {
            int hi = bytes[i] & 0xff;
            int lo = i + 1 < bytes.length ? bytes[i + 1] & 0xff : 0;
            sum += (hi << 8) | lo;
        }
        return sum;
    }
}
