package dev.jovl.netlink;

import dev.jovl.net.Family;
import dev.jovl.net.IpAddress;
import dev.jovl.net.MacAddress;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Gratuitous ARP: tells every neighbour on a link that an IPv4 address now lives at a MAC. A
 * host whose ARP cache holds the address (even {@code REACHABLE}) takes the new MAC at once: the
 * kernel overrides an entry on a gratuitous request whatever its lock time (net/ipv4/arp.c,
 * {@code is_garp}); one without an entry ignores it unless {@code arp_accept} is set.
 *
 * <p>Sent through a {@link FrameSender} of the link's namespace; IPv6 addresses are announced by
 * {@link NeighbourAdvertisement}. Sent on a bridge device the frame is flooded to every port, and a
 * bridge does not learn from frames it sends itself, so the Ethernet source (the bridge's own MAC)
 * moves nothing in its forwarding table.
 */
public final class GratuitousArp {
    private static final int ETH_P_ARP = 0x0806;
    private static final int FRAME_BYTES = 42; // Ethernet 14 + ARP over IPv4 28
    private static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};

    private GratuitousArp() {}

    /**
     * Sends one gratuitous ARP request per entry on interface {@code ifindex}, through {@code sender}, opened
     * in the interface's namespace (callable from any thread).
     *
     * @param ethernetSource the frames' source MAC: the sending device's own
     * @param addresses      IPv4 address -> the MAC it now lives at
     */
    public static void announce(
            FrameSender sender, int ifindex, MacAddress ethernetSource, Map<IpAddress, MacAddress> addresses) {
        sender.announce(
                ifindex, ETH_P_ARP, BROADCAST, ethernetSource, addresses, GratuitousArp::frame, "gratuitous ARP");
    }

    /** The frame: broadcast, ARP request whose sender and target address are both {@code ip}. */
    static byte[] frame(MacAddress ethernetSource, IpAddress ip, MacAddress mac) {
        if (ip.family() != Family.V4) {
            throw new IllegalArgumentException("ARP is for IPv4 addresses, not " + ip);
        }
        ByteBuffer b = ByteBuffer.allocate(FRAME_BYTES); // big-endian, as the wire is
        b.put(new byte[] {-1, -1, -1, -1, -1, -1}).put(ethernetSource.bytes()).putShort((short) ETH_P_ARP);
        b.putShort((short) 1) // hardware type: Ethernet
                .putShort((short) 0x0800) // protocol type: IPv4
                .put((byte) 6)
                .put((byte) 4)
                .putShort((short) 1) // request: what RFC 5227 calls an ARP announcement
                .put(mac.bytes())
                .put(ip.bytes())
                .put(new byte[6])
                .put(ip.bytes());
        return b.array();
    }
}
