package dev.jovl.netlink;

import dev.jovl.net.Family;
import dev.jovl.net.IpAddress;
import dev.jovl.net.MacAddress;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * Gratuitous ARP: tells every neighbour on a link that an IPv4 address now lives at a MAC. A
 * host whose ARP cache holds the address (even {@code REACHABLE}) takes the new MAC at once: the
 * kernel overrides an entry on a gratuitous request whatever its lock time (net/ipv4/arp.c,
 * {@code is_garp}); one without an entry ignores it unless {@code arp_accept} is set.
 *
 * <p>Sent through an {@code AF_PACKET} socket of the calling thread's namespace (run it through
 * {@link NetNs#call}). Sent on a bridge device the frame is flooded to every port, and a bridge
 * does not learn from frames it sends itself, so the Ethernet source (the bridge's own MAC) moves
 * nothing in its forwarding table.
 */
public final class GratuitousArp {
    private static final int AF_PACKET = 17;
    private static final int ETH_P_ARP = 0x0806;
    private static final int FRAME_BYTES = 42; // Ethernet 14 + ARP over IPv4 28
    private static final int SOCKADDR_LL_BYTES = 20;

    private GratuitousArp() {}

    /**
     * Sends one gratuitous ARP request per entry on interface {@code ifindex}, through a socket of
     * the calling thread's namespace opened for this call only.
     *
     * @param ethernetSource the frame's source MAC: the sending device's own
     * @param addresses      IPv4 address -> the MAC it now lives at
     */
    public static void announce(int ifindex, MacAddress ethernetSource, Map<IpAddress, MacAddress> addresses) {
        if (addresses.isEmpty()) {
            return;
        }
        try (Sender s = Sender.open()) {
            s.announce(ifindex, ethernetSource, addresses);
        }
    }

    /**
     * An {@code AF_PACKET} socket that stays bound to the namespace it was opened in, so that a
     * namespace's announcements can be sent from any thread without entering it each time (entering
     * costs a throwaway thread: ~10 ms here, which on a busy host was most of the time a peer
     * change took). Thread-safe.
     */
    public static final class Sender implements AutoCloseable {
        private int fd; // guarded by this; -1 once closed

        private Sender(int fd) {
            this.fd = fd;
        }

        /** Opens the socket in the calling thread's namespace (run it through {@link NetNs#call}). */
        public static Sender open() {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment cs = Libc.newCaptureState(arena);
                return new Sender(Libc.check(
                        (int) Libc.SOCKET.invokeExact(cs, AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0),
                        cs,
                        "socket(AF_PACKET)"));
            } catch (ErrnoException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("socket(AF_PACKET)", t);
            }
        }

        /** Sends one gratuitous ARP request per entry on interface {@code ifindex} of the socket's namespace. */
        public synchronized void announce(
                int ifindex, MacAddress ethernetSource, Map<IpAddress, MacAddress> addresses) {
            if (fd < 0) {
                throw new IllegalStateException("gratuitous ARP sender closed");
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment cs = Libc.newCaptureState(arena);
                MemorySegment to = arena.allocate(SOCKADDR_LL_BYTES, 4);
                to.set(ValueLayout.JAVA_SHORT, 0, (short) AF_PACKET);
                to.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) ETH_P_ARP);
                to.set(ValueLayout.JAVA_INT, 4, ifindex);
                to.set(ValueLayout.JAVA_BYTE, 11, (byte) 6); // sll_halen
                for (int i = 0; i < 6; i++) {
                    to.set(ValueLayout.JAVA_BYTE, 12 + i, (byte) 0xff); // broadcast
                }
                MemorySegment frame = arena.allocate(FRAME_BYTES);
                for (Map.Entry<IpAddress, MacAddress> e : addresses.entrySet()) {
                    MemorySegment.copy(
                            frame(ethernetSource, e.getKey(), e.getValue()),
                            0,
                            frame,
                            ValueLayout.JAVA_BYTE,
                            0,
                            FRAME_BYTES);
                    long n =
                            (long) Libc.SENDTO.invokeExact(cs, fd, frame, (long) FRAME_BYTES, 0, to, SOCKADDR_LL_BYTES);
                    if (n < 0) {
                        throw new ErrnoException(
                                "gratuitous ARP for " + e.getKey() + " on ifindex " + ifindex, Libc.errno(cs));
                    }
                }
            } catch (ErrnoException | IllegalArgumentException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("gratuitous ARP", t);
            }
        }

        @Override
        public synchronized void close() {
            if (fd >= 0) {
                Libc.close(fd);
                fd = -1;
            }
        }
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
