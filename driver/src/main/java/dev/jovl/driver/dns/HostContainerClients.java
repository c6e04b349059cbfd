package dev.jovl.driver.dns;

import dev.jovl.netlink.Link;
import dev.jovl.netlink.LinkAddress;
import dev.jovl.netlink.NetNs;
import dev.jovl.netlink.NetlinkHandle;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DNS clients of standalone mode: the containers of this host. Docker's embedded DNS forwards
 * from inside the container's namespace (README-standalone), so a query reaches jovl from the
 * container's address on a Docker bridge of this host ({@code docker_gwbridge} for containers on
 * jovl networks, {@code docker0} or a {@code br-*} for the others): allowed are sources
 *
 * <ul>
 *   <li>on loopback or equal to an address of this host (the host itself asking), and</li>
 *   <li>inside the subnet of an address of a Linux bridge of the host namespace, except the bridge
 *       that carries the VTEP (underlay) address, for hosts whose underlay is itself a bridge.</li>
 * </ul>
 *
 * Everything else, the underlay and the internet included, is refused. The host's links and
 * addresses are read by netlink in the host namespace, at most every 5 s, and again (at most
 * once a second) when a source is not allowed, so a bridge Docker just created counts at once.
 * Limitation: a packet forged with a bridge subnet's source address and sent over the underlay
 * is allowed unless reverse-path filtering (rp_filter, on by default on most distributions)
 * drops it first.
 */
public final class HostContainerClients implements DnsClients {
    private static final Logger log = LoggerFactory.getLogger(HostContainerClients.class);
    private static final long REFRESH_NANOS = 5_000_000_000L;
    private static final long MISS_REFRESH_NANOS = 1_000_000_000L;

    /** One address of the host: on a bridge that may have clients, or just the host's own. */
    record HostAddress(InetAddress address, int prefixLength, boolean clientBridge) {}

    private final NetNs hostNs;
    private final InetAddress vtep;
    private volatile List<HostAddress> addresses = List.of();
    private volatile long readAt;

    public HostContainerClients(NetNs hostNs, InetAddress vtep) {
        this.hostNs = hostNs;
        this.vtep = vtep;
        refresh(System.nanoTime());
    }

    @Override
    public boolean allows(InetAddress source) {
        long now = System.nanoTime();
        if (now - readAt > REFRESH_NANOS) {
            refresh(now);
        }
        if (allows(source, addresses)) {
            return true;
        }
        if (now - readAt > MISS_REFRESH_NANOS) {
            refresh(now);
            return allows(source, addresses);
        }
        return false;
    }

    /** The decision, on a snapshot of the host's addresses. */
    static boolean allows(InetAddress source, List<HostAddress> host) {
        if (source.isLoopbackAddress()) {
            return true;
        }
        for (HostAddress a : host) {
            if (a.address().equals(source) || (a.clientBridge() && sameSubnet(a.address(), source, a.prefixLength()))) {
                return true;
            }
        }
        return false;
    }

    static boolean sameSubnet(InetAddress a, InetAddress b, int prefixLength) {
        byte[] x = a.getAddress();
        byte[] y = b.getAddress();
        if (x.length != y.length) {
            return false;
        }
        int bits = Math.min(prefixLength, x.length * 8);
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >>> (i % 8);
            if ((x[i / 8] & mask) != (y[i / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** The host's addresses, each marked whether its link is a bridge other than the underlay's. */
    static List<HostAddress> classify(List<Link> links, List<LinkAddress> all, InetAddress vtep) {
        Set<Integer> bridges = new HashSet<>();
        for (Link l : links) {
            if ("bridge".equals(l.kind())) {
                bridges.add(l.index());
            }
        }
        for (LinkAddress a : all) {
            if (a.address().equals(vtep)) {
                bridges.remove(a.ifindex());
            }
        }
        return all.stream()
                .map(a -> new HostAddress(a.address(), a.prefixLength(), bridges.contains(a.ifindex())))
                .toList();
    }

    private synchronized void refresh(long now) {
        if (now - readAt < MISS_REFRESH_NANOS && !addresses.isEmpty()) {
            return;
        }
        try (NetlinkHandle h = NetlinkHandle.open(hostNs)) {
            addresses = classify(h.links(), h.addresses(), vtep);
        } catch (RuntimeException e) {
            log.warn("cannot read this host's addresses for the DNS client check: {}", e.toString());
        }
        readAt = now;
    }
}
