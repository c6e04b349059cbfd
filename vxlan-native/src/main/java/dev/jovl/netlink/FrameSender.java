package dev.jovl.netlink;

import dev.jovl.net.IpAddress;
import dev.jovl.net.MacAddress;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An {@code AF_PACKET} socket that sends whole Ethernet frames on the interfaces of the namespace
 * it was opened in (what the neighbour announcements use). It stays bound to that namespace, so a
 * namespace's announcements can be sent from any thread without entering it each time (entering
 * costs a throwaway thread: ~10 ms on a busy host, most of the time a peer change took).
 * Thread-safe.
 */
public final class FrameSender implements AutoCloseable {
    private static final int AF_PACKET = 17;
    private static final int SOCKADDR_LL_BYTES = 20;

    private int fd; // guarded by this; -1 once closed

    private FrameSender(int fd) {
        this.fd = fd;
    }

    /** Opens the socket in the calling thread's namespace (run it through {@link NetNs#call}). */
    public static FrameSender open() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cs = Libc.newCaptureState(arena);
            return new FrameSender(Libc.check(
                    (int) Libc.SOCKET.invokeExact(cs, AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0),
                    cs,
                    "socket(AF_PACKET)"));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("socket(AF_PACKET)", t);
        }
    }

    /**
     * Sends {@code frames} on interface {@code ifindex}.
     *
     * @param ethertype   the frames' protocol, as in their Ethernet header
     * @param destination the frames' destination MAC, as in their Ethernet header
     * @param what        names the frames in an error
     */
    public synchronized void send(int ifindex, int ethertype, byte[] destination, List<byte[]> frames, String what) {
        if (fd < 0) {
            throw new IllegalStateException(what + ": sender closed");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cs = Libc.newCaptureState(arena);
            MemorySegment to = arena.allocate(SOCKADDR_LL_BYTES, 4);
            to.set(ValueLayout.JAVA_SHORT, 0, (short) AF_PACKET);
            to.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) ethertype);
            to.set(ValueLayout.JAVA_INT, 4, ifindex);
            to.set(ValueLayout.JAVA_BYTE, 11, (byte) 6); // sll_halen
            for (int i = 0; i < 6; i++) {
                to.set(ValueLayout.JAVA_BYTE, 12 + i, destination[i]);
            }
            for (byte[] f : frames) {
                MemorySegment frame = arena.allocate(f.length);
                MemorySegment.copy(f, 0, frame, ValueLayout.JAVA_BYTE, 0, f.length);
                long n = (long) Libc.SENDTO.invokeExact(cs, fd, frame, (long) f.length, 0, to, SOCKADDR_LL_BYTES);
                if (n < 0) {
                    throw new ErrnoException(what + " on ifindex " + ifindex, Libc.errno(cs));
                }
            }
        } catch (ErrnoException | IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(what, t);
        }
    }

    /** Builds the frame that announces {@code ip} at {@code mac}, sent from {@code ethernetSource}. */
    @FunctionalInterface
    interface Announcement {
        byte[] frame(MacAddress ethernetSource, IpAddress ip, MacAddress mac);
    }

    /** Sends one announcement frame per entry of {@code addresses} (nothing if it is empty). */
    void announce(
            int ifindex,
            int ethertype,
            byte[] destination,
            MacAddress ethernetSource,
            Map<IpAddress, MacAddress> addresses,
            Announcement announcement,
            String what) {
        if (addresses.isEmpty()) {
            return;
        }
        List<byte[]> frames = new ArrayList<>(addresses.size());
        addresses.forEach((ip, mac) -> frames.add(announcement.frame(ethernetSource, ip, mac)));
        send(ifindex, ethertype, destination, frames, what);
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            Libc.close(fd);
            fd = -1;
        }
    }
}
