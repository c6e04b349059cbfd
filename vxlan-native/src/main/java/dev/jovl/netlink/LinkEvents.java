package dev.jovl.netlink;

import static dev.jovl.netlink.Rtnl.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's link notifications (RTNLGRP_LINK) of one network namespace: every device created,
 * changed (flags, carrier, master, name...) or deleted there, as it happens. What {@code ip monitor
 * link} shows, without polling.
 *
 * <p>Subscribe first, then read the current state with a {@link NetlinkHandle}, then wait here:
 * a change that happens in between is then never missed. Not thread-safe: one reader.
 *
 * <pre>
 * try (LinkEvents events = LinkEvents.open(sandbox)) {
 *     if (!handle.link("ve0").hasCarrier()) {
 *         for (LinkEvent e : events.poll(Duration.ofSeconds(1))) { ... }
 *     }
 * }
 * </pre>
 */
public final class LinkEvents implements AutoCloseable {
    /** How long one receive blocks at most, so that {@link #poll} can honour shorter waits. */
    private static final long RECEIVE_SLICE_MILLIS = 50;

    private static final int IFI_FAMILY_OFFSET = NLMSG_HDRLEN;

    /**
     * One notification.
     *
     * @param link    the device as the kernel describes it after the change (for a deletion: as it was)
     * @param removed true for RTM_DELLINK: the device is gone
     */
    public record LinkEvent(Link link, boolean removed) {}

    private final NetlinkSocket socket;
    private final ByteBuffer in;

    private LinkEvents(NetlinkSocket socket) {
        this.socket = socket;
        this.in = ByteBuffer.wrap(socket.receivedBytes()).order(ByteOrder.nativeOrder());
    }

    /** Subscribes to the link notifications of {@code ns} (the socket is opened inside it). */
    public static LinkEvents open(NetNs ns) {
        return new LinkEvents(ns.call(() -> NetlinkSocket.open(RECEIVE_SLICE_MILLIS, RTMGRP_LINK)));
    }

    /** Subscribes to the link notifications of the calling thread's namespace. */
    public static LinkEvents open() {
        return new LinkEvents(NetlinkSocket.open(RECEIVE_SLICE_MILLIS, RTMGRP_LINK));
    }

    /**
     * Waits up to {@code timeout} for notifications and returns those of the first datagram that
     * brings any (empty if none came in time).
     *
     * @throws ErrnoException with ENOBUFS when the kernel had to drop notifications because they
     *                        were not read fast enough: re-read the state you care about
     */
    public List<LinkEvent> poll(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            int len;
            try {
                len = socket.receive();
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EAGAIN.number()) {
                    continue; // one receive slice passed without news
                }
                throw e;
            }
            List<LinkEvent> events = decode(len);
            if (!events.isEmpty()) {
                return events;
            }
        } while (System.nanoTime() < deadline);
        return List.of();
    }

    private List<LinkEvent> decode(int len) {
        List<LinkEvent> out = new ArrayList<>();
        for (int p = 0; p + NLMSG_HDRLEN <= len; ) {
            int mlen = in.getInt(p);
            if (mlen < NLMSG_HDRLEN || p + mlen > len) {
                break;
            }
            int type = Short.toUnsignedInt(in.getShort(p + 4));
            // AF_BRIDGE messages describe bridge-port state, not the device itself: skip them
            boolean deviceMessage = mlen >= NLMSG_HDRLEN + IFINFOMSG_LEN && in.get(p + IFI_FAMILY_OFFSET) != AF_BRIDGE;
            if (deviceMessage && (type == RTM_NEWLINK || type == RTM_DELLINK)) {
                out.add(new LinkEvent(LinkCodec.decode(in, p, mlen), type == RTM_DELLINK));
            }
            p += (mlen + 3) & ~3;
        }
        return out;
    }

    @Override
    public void close() {
        socket.close();
    }
}
