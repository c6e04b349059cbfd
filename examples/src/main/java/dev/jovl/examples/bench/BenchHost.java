package dev.jovl.examples.bench;

import dev.jovl.netlink.NetNs;
import dev.jovl.netlink.NetlinkHandle;
import dev.jovl.netlink.NetnsDirectory;
import dev.jovl.netlink.VethSpec;
import java.net.InetAddress;
import java.nio.file.Path;

/**
 * The benchmark's simulated host: a namespace of its own whose {@code eth0} (a veth whose peer
 * stays beside it) carries the VTEP address; closing it removes the sandboxes a daemon made under
 * {@code runDir} and then the namespace, with its devices.
 */
final class BenchHost implements AutoCloseable {
    private static final String NAME = "jovl-bench-host";

    private final NetnsDirectory dir;
    private final NetNs ns;
    private final Path runDir;

    BenchHost(Path work, Path runDir) {
        this.dir = new NetnsDirectory(work.resolve("hostns"));
        this.runDir = runDir;
        this.ns = dir.create(NAME);
        try (NetlinkHandle h = NetlinkHandle.open(ns)) {
            h.addLink(VethSpec.builder("eth0", "eth0peer").mtu(1500).up().build());
            h.setUp("eth0peer");
            h.addAddress("eth0", InetAddress.ofLiteral("198.51.100.1"), 24);
            h.setUp("lo");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** For the daemon's {@code --host-netns}. */
    Path namespacePath() {
        return dir.pathOf(NAME);
    }

    @Override
    public void close() {
        NetnsDirectory sandboxes = new NetnsDirectory(runDir.resolve("netns"));
        for (String s : sandboxes.list()) {
            sandboxes.delete(s);
        }
        ns.close();
        dir.delete(NAME);
    }
}
