package dev.jovl.netlink;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Sends whole Ethernet frames on one interface through an {@code AF_PACKET} socket of the calling
 * thread's namespace (run it through {@link NetNs#call}): what the neighbour announcements use.
 */
final class LinkFrames {
    private static final int AF_PACKET = 17;
    private static final int SOCKADDR_LL_BYTES = 20;

    private LinkFrames() {}

    /**
     * @param ethertype   the frames' protocol, as in their Ethernet header
     * @param destination the frames' destination MAC, as in their Ethernet header
     * @param what        names the frames in an error
     */
    static void send(int ifindex, int ethertype, byte[] destination, List<byte[]> frames, String what) {
        if (frames.isEmpty()) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cs = Libc.newCaptureState(arena);
            int fd = Libc.check(
                    (int) Libc.SOCKET.invokeExact(cs, AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0),
                    cs,
                    "socket(AF_PACKET)");
            try {
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
            } finally {
                Libc.close(fd);
            }
        } catch (ErrnoException | IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(what, t);
        }
    }
}
