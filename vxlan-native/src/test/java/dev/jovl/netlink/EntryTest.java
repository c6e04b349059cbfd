package dev.jovl.netlink;

import static org.junit.jupiter.api.Assertions.*;

import dev.jovl.net.MacAddress;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Addresses, IP neighbours and FDB entries, read back with our dumps and with ip/bridge. */
class EntryTest extends NamespaceTestBase {
    private NetNs ns;
    private NetlinkHandle h;
    private int vx;

    @BeforeEach
    void setUp() throws Exception {
        ns = spaces.netns("entry");
        h = spaces.handle(ns);
        h.addLink(BridgeSpec.builder("br0").up().build());
        h.addLink(VxlanSpec.builder("vx0")
                .vni(500)
                .local(InetAddress.getByName("10.7.0.1"))
                .proxy(true)
                .master(h.link("br0"))
                .up()
                .build());
        vx = h.link("vx0").index();
    }

    /** Literal addresses only: never a name lookup. */
    private static InetAddress ip(String s) {
        try {
            return InetAddress.ofLiteral(s);
        } catch (IllegalArgumentException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void addressesV4AndV6() throws Exception {
        h.addLink(VethSpec.builder("jvn-a", "jvn-b").up().build());
        h.addAddress("jvn-a", ip("10.20.0.1"), 24);
        h.addAddress("jvn-a", ip("fd00:20::1"), 64);
        h.addAddress("jvn-a", ip("10.20.0.1"), 24); // idempotent

        List<LinkAddress> mine = h.addresses("jvn-a");
        assertTrue(mine.contains(new LinkAddress(h.link("jvn-a").index(), ip("10.20.0.1"), 24)), mine.toString());
        assertTrue(mine.contains(new LinkAddress(h.link("jvn-a").index(), ip("fd00:20::1"), 64)), mine.toString());
        assertTrue(h.addresses("jvn-b").stream().noneMatch(a -> a.address().equals(ip("10.20.0.1"))));
        assertTrue(h.addresses().containsAll(mine), "the namespace-wide dump has them too");
        String ipOut = Cli.in(ns, "ip", "addr", "show", "dev", "jvn-a");
        assertTrue(ipOut.contains("inet 10.20.0.1/24") && ipOut.contains("inet6 fd00:20::1/64"), ipOut);

        assertTrue(h.deleteAddress("jvn-a", ip("10.20.0.1"), 24));
        assertTrue(h.deleteAddress("jvn-a", ip("fd00:20::1"), 64));
        assertFalse(h.deleteAddress("jvn-a", ip("10.20.0.1"), 24), "already gone");
        assertTrue(h.addresses("jvn-a").stream()
                .noneMatch(
                        a -> a.address().equals(ip("10.20.0.1")) || a.address().equals(ip("fd00:20::1"))));
        ipOut = Cli.in(ns, "ip", "addr", "show", "dev", "jvn-a");
        assertFalse(ipOut.contains("10.20.0.1") || ipOut.contains("fd00:20::1"), ipOut);
        assertThrows(IllegalArgumentException.class, () -> h.addAddress("jvn-a", ip("10.20.0.1"), 33));
    }

    @Test
    void permanentNeighboursAreSetReplacedListedAndDeleted() throws Exception {
        MacAddress m1 = MacAddress.parse("02:42:0a:00:00:02");
        MacAddress m2 = MacAddress.parse("02:42:0a:00:00:99");
        h.setNeighbour(vx, ip("10.0.0.2"), m1);
        h.setNeighbour(vx, ip("fd00::2"), m1);
        h.setNeighbour(vx, ip("10.0.0.2"), m2); // replace

        List<Neighbour> list = h.neighbours(vx);
        assertTrue(list.contains(new Neighbour(vx, ip("10.0.0.2"), m2, Rtnl.NUD_PERMANENT)), list.toString());
        assertTrue(list.contains(new Neighbour(vx, ip("fd00::2"), m1, Rtnl.NUD_PERMANENT)), list.toString());
        assertEquals(2, list.size(), list.toString());
        String ipOut = Cli.in(ns, "ip", "neigh", "show", "dev", "vx0");
        assertTrue(ipOut.contains("10.0.0.2 lladdr 02:42:0a:00:00:99 PERMANENT"), ipOut);
        assertTrue(ipOut.contains("fd00::2 lladdr 02:42:0a:00:00:02 PERMANENT"), ipOut);
        assertEquals(1, ipOut.lines().filter(l -> l.startsWith("10.0.0.2 ")).count(), "replaced, not duplicated");

        assertTrue(h.deleteNeighbour(vx, ip("10.0.0.2")));
        assertFalse(h.deleteNeighbour(vx, ip("10.0.0.2")), "ENOENT is success, reported as false");
        assertTrue(h.deleteNeighbour(vx, ip("fd00::2")));
        assertTrue(h.neighbours(vx).isEmpty());
        assertEquals("", Cli.in(ns, "ip", "neigh", "show", "dev", "vx0").strip());
    }

    @Test
    void neighbourOnMissingDeviceIsEnodev() throws Exception {
        NetlinkException e = assertThrows(
                NetlinkException.class,
                () -> h.setNeighbour(4711, ip("10.0.0.9"), MacAddress.parse("02:00:00:00:00:09")));
        assertTrue(e.is(Errno.ENODEV), e.getMessage());
    }

    @Test
    void fdbEntriesPointAtVtepsAndSkipTheBridgesOwnEntries() throws Exception {
        MacAddress m1 = MacAddress.parse("02:42:0a:00:00:02");
        MacAddress m2 = MacAddress.parse("02:42:0a:00:00:03");
        h.setFdb(vx, m1, ip("10.7.0.2"));
        h.setFdb(vx, m2, ip("10.7.0.3"));
        h.setFdb(vx, m1, ip("10.7.0.4")); // replace: moves to another VTEP

        List<FdbEntry> fdb = h.fdb(vx);
        assertEquals(2, fdb.size(), fdb.toString());
        FdbEntry e1 = fdb.stream().filter(e -> e.mac().equals(m1)).findFirst().orElseThrow();
        assertEquals(ip("10.7.0.4"), e1.dst());
        assertTrue(e1.isSelf() && e1.isPermanent() && !e1.isMaster());
        assertTrue(h.fdbAll(vx).stream().anyMatch(FdbEntry::isMaster), "the bridge's own entry exists but is filtered");

        String out = Cli.in(ns, "bridge", "fdb", "show", "dev", "vx0");
        assertTrue(out.contains("02:42:0a:00:00:02 dst 10.7.0.4 self permanent"), out);
        assertTrue(out.contains("02:42:0a:00:00:03 dst 10.7.0.3 self permanent"), out);
        assertFalse(out.contains("dst 10.7.0.2"), out);

        assertTrue(h.deleteFdb(vx, m1, ip("10.7.0.4")));
        assertFalse(h.deleteFdb(vx, m1, ip("10.7.0.4")));
        assertTrue(h.deleteFdb(vx, m2, null));
        assertTrue(h.fdb(vx).isEmpty());
        out = Cli.in(ns, "bridge", "fdb", "show", "dev", "vx0");
        assertFalse(out.contains("self"), out);
    }

    @Test
    void ipv6VtepOnIpv4DeviceIsEafnosupport() throws Exception {
        NetlinkException e = assertThrows(
                NetlinkException.class, () -> h.setFdb(vx, MacAddress.parse("02:00:00:00:00:01"), ip("fd00::7")));
        assertTrue(e.is(Errno.EAFNOSUPPORT), e.getMessage());
    }

    @Test
    void ipv6VxlanAcceptsIpv6Vteps() throws Exception {
        h.addLink(VxlanSpec.builder("vx6").vni(600).local(ip("fd00:7::1")).build());
        Link vx6 = h.link("vx6");
        assertEquals(ip("fd00:7::1"), vx6.vxlan().local());
        MacAddress m = MacAddress.parse("02:00:00:00:00:06");
        h.setFdb(vx6.index(), m, ip("fd00:7::2"));
        assertEquals(ip("fd00:7::2"), h.fdb(vx6.index()).getFirst().dst());
        assertTrue(Cli.in(ns, "bridge", "fdb", "show", "dev", "vx6").contains("dst fd00:7::2 self permanent"));
    }

    @Test
    void learnedBridgeEntryCanBeDeletedAsMaster() throws Exception {
        MacAddress m = MacAddress.parse("02:00:00:00:00:77");
        Cli.in(ns, "bridge", "fdb", "add", m.toString(), "dev", "vx0", "master");
        assertTrue(h.fdbAll(vx).stream().anyMatch(e -> e.mac().equals(m) && e.isMaster()));
        assertTrue(h.deleteBridgeFdb(vx, m));
        assertFalse(h.deleteBridgeFdb(vx, m));
        assertFalse(Cli.in(ns, "bridge", "fdb", "show", "dev", "vx0").contains(m.toString()));
    }

    @Test
    void batchAddsAndDeletesManyEntriesWithPerEntryResults() throws Exception {
        int n = 1000;
        EntryBatch add = h.batch();
        for (int i = 0; i < n; i++) {
            InetAddress ip = ip("10.128." + (i >> 8) + "." + (i & 255));
            MacAddress mac = MacAddress.fromIPv4((java.net.Inet4Address) ip);
            add.setNeighbour(vx, ip, mac).setFdb(vx, mac, ip("10.7.1." + (i % 200 + 1)));
        }
        // one bad entry in the middle: an IPv6 VTEP on this IPv4 device
        add.setFdb(vx, MacAddress.parse("02:00:00:00:00:01"), ip("fd00::1"));
        BatchResult r = add.execute();
        assertEquals(2 * n + 1, r.attempted());
        assertEquals(2 * n, r.succeeded());
        assertEquals(1, r.failures().size());
        assertEquals(2 * n, r.failures().getFirst().position());
        assertTrue(r.failures().getFirst().error().is(Errno.EAFNOSUPPORT));
        assertThrows(NetlinkException.class, r::throwIfFailed);

        assertEquals(n, h.neighbours(vx).size());
        assertEquals(n, h.fdb(vx).size());
        assertEquals(
                n,
                Cli.in(ns, "ip", "neigh", "show", "dev", "vx0")
                        .lines()
                        .filter(l -> l.contains("PERMANENT"))
                        .count());
        assertEquals(
                n,
                Cli.in(ns, "bridge", "fdb", "show", "dev", "vx0")
                        .lines()
                        .filter(l -> l.contains("self permanent"))
                        .count());

        EntryBatch del = h.batch();
        for (int i = 0; i < n + 5; i++) { // 5 that never existed: ENOENT counts as success
            InetAddress ip = ip("10.128." + (i >> 8) + "." + (i & 255));
            del.deleteFdb(vx, MacAddress.fromIPv4((java.net.Inet4Address) ip), null)
                    .deleteNeighbour(vx, ip);
        }
        BatchResult d = del.execute().throwIfFailed();
        assertEquals(10, d.alreadyAbsent());
        assertTrue(h.neighbours(vx).isEmpty());
        assertTrue(h.fdb(vx).isEmpty());
        assertEquals("", Cli.in(ns, "ip", "neigh", "show", "dev", "vx0").strip());
    }
}
