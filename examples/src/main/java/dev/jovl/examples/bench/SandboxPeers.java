package dev.jovl.examples.bench;

import dev.jovl.netlink.FdbEntry;
import dev.jovl.netlink.Link;
import dev.jovl.netlink.Neighbour;
import dev.jovl.netlink.NetNs;
import dev.jovl.netlink.NetlinkHandle;
import dev.jovl.netlink.NetnsDirectory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Counts the peer entries jovl programmed into the sandboxes under a run directory, straight from
 * the kernel (a netlink dump per sandbox): permanent neighbour entries with a MAC and permanent
 * FDB entries with a destination on {@code vxlan0}, as jovl writes them.
 */
final class SandboxPeers implements AutoCloseable {
    /** Entries in every sandbox together. */
    record Count(int neighbours, int fdb) {
        boolean atLeast(int n) {
            return neighbours >= n && fdb >= n;
        }

        boolean atMost(int n) {
            return neighbours <= n && fdb <= n;
        }
    }

    private final NetnsDirectory dir;
    private final Map<String, NetlinkHandle> handles = new HashMap<>();
    private final Map<String, NetNs> namespaces = new HashMap<>();

    SandboxPeers(Path netnsDir) {
        this.dir = new NetnsDirectory(netnsDir);
    }

    Path pathOf(String sandbox) {
        return dir.pathOf(sandbox);
    }

    java.util.List<String> sandboxes() {
        return dir.list();
    }

    Count count() {
        int neighbours = 0;
        int fdb = 0;
        for (String name : dir.list()) {
            NetlinkHandle h = handles.computeIfAbsent(name, n -> {
                NetNs ns = dir.open(n);
                namespaces.put(n, ns);
                return NetlinkHandle.open(ns);
            });
            Optional<Link> vx = h.findLink("vxlan0");
            if (vx.isEmpty()) {
                continue;
            }
            for (Neighbour n : h.neighbours(vx.get().index())) {
                if (n.isPermanent() && n.mac() != null) {
                    neighbours++;
                }
            }
            for (FdbEntry f : h.fdb(vx.get().index())) {
                if (f.isSelf() && f.isPermanent() && f.dst() != null) {
                    fdb++;
                }
            }
        }
        return new Count(neighbours, fdb);
    }

    @Override
    public void close() {
        handles.values().forEach(NetlinkHandle::close);
        namespaces.values().forEach(NetNs::close);
    }
}
