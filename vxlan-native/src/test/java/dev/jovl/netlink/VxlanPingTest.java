package dev.jovl.netlink;

import static org.junit.jupiter.api.Assertions.*;

import dev.jovl.net.MacAddress;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * Two simulated hosts joined by a veth "underlay", each built the way the driver will build it:
 * a sandbox namespace with br0 and vxlan0 (created from the host's handle straight into the
 * sandbox), a "container" namespace on a veth created from the sandbox, and static ARP + FDB
 * entries for the other side. A ping crosses VXLAN only once the entries are programmed.
 */
class VxlanPingTest extends NamespaceTestBase {
    private static final int VNI = 4242;

    record Side(
            NetNs host,
            NetlinkHandle hostHandle,
            NetNs sandbox,
            NetlinkHandle sandboxHandle,
            NetNs container,
            InetAddress vtep,
            InetAddress ip,
            MacAddress mac) {}

    private static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }

    private Side buildSide(int n, NetNs host, NetlinkHandle hh) {
        InetAddress vtep = ip("192.168.77." + n);
        hh.setUp("lo");
        hh.addAddress("eth0", vtep, 24);
        hh.setUp("eth0");

        NetNs sandbox = spaces.netns("sb" + n);
        NetlinkHandle sb = spaces.handle(sandbox);
        sb.addLink(BridgeSpec.builder("br0").mtu(1450).up().build());
        Link br0 = sb.link("br0");
        hh.addLink(VxlanSpec.builder("vxlan0")
                .vni(VNI)
                .local(vtep)
                .proxy(true)
                .learning(false)
                .mtu(1450)
                .netns(sandbox)
                .master(br0)
                .up()
                .build());

        NetNs container = spaces.netns("c" + n);
        NetlinkHandle c = spaces.handle(container);
        MacAddress mac = MacAddress.parse("02:42:0a:0a:00:0" + n);
        InetAddress epIp = ip("10.10.0." + n);
        sb.addLink(VethSpec.builder("veth0", "eth0")
                .mtu(1450)
                .master(br0)
                .up()
                .peerNetns(container)
                .peerMac(mac)
                .build());
        c.setUp("lo");
        c.setUp("eth0");
        c.addAddress("eth0", epIp, 24);
        return new Side(host, hh, sandbox, sb, container, vtep, epIp, mac);
    }

    private static void programPeer(Side local, Side remote) {
        NetlinkHandle sb = local.sandboxHandle();
        int vx = sb.link("vxlan0").index();
        sb.batch()
                .setNeighbour(vx, remote.ip(), remote.mac())
                .setFdb(vx, remote.mac(), remote.vtep())
                .execute()
                .throwIfFailed();
    }

    /** busybox ping (busybox-static is a project dependency; iputils may be missing). Exit 0 = reply, 1 = none. */
    private static Cli.Result ping(Side from, Side to, int waitSeconds) {
        Cli.Result r = Cli.tryIn(
                from.container(),
                "busybox",
                "ping",
                "-c",
                "1",
                "-W",
                Integer.toString(waitSeconds),
                to.ip().getHostAddress());
        assertTrue(r.exit() == 0 || r.exit() == 1, "ping itself must run: " + r);
        return r;
    }

    @Test
    void pingCrossesVxlanBetweenTwoHosts() {
        NetNs h1 = spaces.netns("h1");
        NetNs h2 = spaces.netns("h2");
        NetlinkHandle hh1 = spaces.handle(h1);
        NetlinkHandle hh2 = spaces.handle(h2);
        // the underlay: one veth pair, one end in each host, both named eth0
        hh1.addLink(VethSpec.builder("eth0", "eth0").peerNetns(h2).build());

        Side a = buildSide(1, h1, hh1);
        Side b = buildSide(2, h2, hh2);

        // learning off and nothing programmed: the overlay cannot reach the other side yet
        assertEquals(1, ping(a, b, 1).exit(), "no FDB/ARP entries, no reachability");

        programPeer(a, b);
        programPeer(b, a);
        Cli.Result r = ping(a, b, 2);
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("1 packets received"), r.out());
        Cli.Result back = ping(b, a, 2);
        assertEquals(0, back.exit(), back.out());

        // the entries are what the kernel and iproute2 report
        String fdb = Cli.in(a.sandbox(), "bridge", "fdb", "show", "dev", "vxlan0");
        assertTrue(
                fdb.lines()
                        .anyMatch(l ->
                                l.startsWith("02:42:0a:0a:00:02 dst 192.168.77.2 ") && l.endsWith("self permanent")),
                fdb);
        String neigh = Cli.in(a.sandbox(), "ip", "neigh", "show", "dev", "vxlan0");
        assertTrue(neigh.contains("10.10.0.2 lladdr 02:42:0a:0a:00:02 PERMANENT"), neigh);
        String link = Cli.in(a.sandbox(), "ip", "-d", "link", "show", "dev", "vxlan0");
        assertTrue(link.contains("vxlan id 4242 local 192.168.77.1") && link.contains("nolearning proxy"), link);

        // removing the FDB entry on one side breaks the path again
        int vx = a.sandboxHandle().link("vxlan0").index();
        assertTrue(a.sandboxHandle().deleteFdb(vx, b.mac(), b.vtep()));
        assertEquals(1, ping(a, b, 1).exit(), "FDB entry removed: no path");
    }
}
