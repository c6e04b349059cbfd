package dev.jovl.netlink;

import static org.junit.jupiter.api.Assertions.*;

import dev.jovl.net.MacAddress;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Links created, changed and deleted over netlink, read back with our dumps and with `ip -d link`. */
class LinkTest extends NamespaceTestBase {
    private NetNs ns;
    private NetlinkHandle h;

    @BeforeEach
    void setUp() {
        ns = spaces.netns("link");
        h = spaces.handle(ns);
    }

    @Test
    void bridgeIsCreatedWithMtuMacAndUp() {
        h.addLink(BridgeSpec.builder("br0")
                .mtu(1400)
                .mac("02:00:00:00:00:01")
                .up()
                .build());

        Link br = h.link("br0");
        assertEquals("bridge", br.kind());
        assertEquals(1400, br.mtu());
        assertEquals(MacAddress.parse("02:00:00:00:00:01"), br.mac());
        assertTrue(br.isUp());
        assertEquals(br, h.link(br.index()));
        assertTrue(h.links().stream().anyMatch(l -> l.name().equals("br0") && l.index() == br.index()));

        String ip = Cli.in(ns, "ip", "-d", "link", "show", "dev", "br0");
        assertTrue(ip.contains("mtu 1400"), ip);
        assertTrue(ip.contains("link/ether 02:00:00:00:00:01"), ip);
        assertTrue(ip.contains(",UP"), ip);
        assertTrue(ip.contains("\n    bridge "), ip);
    }

    @Test
    void vxlanCarriesEveryOption() throws Exception {
        h.addLink(BridgeSpec.builder("br0").build());
        int br = h.link("br0").index();
        h.addLink(VxlanSpec.builder("vx0")
                .vni(4242)
                .local(InetAddress.getByName("10.9.0.1"))
                .port(4790)
                .learning(false)
                .proxy(true)
                .l2miss(true)
                .l3miss(true)
                .ttl(17)
                .udpChecksum(true)
                .mtu(1450)
                .mac("02:00:00:00:42:42")
                .master(br)
                .up()
                .build());

        Link vx = h.link("vx0");
        assertEquals("vxlan", vx.kind());
        assertEquals(1450, vx.mtu());
        assertEquals(br, vx.masterIndex());
        assertTrue(vx.isUp());
        assertEquals(MacAddress.parse("02:00:00:00:42:42"), vx.mac());
        VxlanInfo info = vx.vxlan();
        assertEquals(
                new VxlanInfo(
                        4242, InetAddress.getByName("10.9.0.1"), null, 4790, 0, false, true, true, true, 17, true),
                info);

        String ip = Cli.in(ns, "ip", "-d", "link", "show", "dev", "vx0");
        assertTrue(ip.contains("vxlan id 4242 local 10.9.0.1 "), ip);
        assertTrue(ip.contains("dstport 4790 nolearning proxy l2miss l3miss ttl 17 "), ip);
        assertTrue(ip.contains(" udpcsum "), ip);
        assertTrue(ip.contains("master br0"), ip);
        assertTrue(ip.contains("mtu 1450"), ip);
    }

    @Test
    void vxlanDefaultsAreLearningOffNoProxyNoMiss() {
        h.addLink(VxlanSpec.builder("vx1").vni(7).build());
        VxlanInfo info = h.link("vx1").vxlan();
        assertEquals(7, info.vni());
        assertEquals(VxlanSpec.DEFAULT_PORT, info.port());
        assertFalse(info.learning());
        assertFalse(info.proxy());
        assertFalse(info.l2miss() || info.l3miss());
        String ip = Cli.in(ns, "ip", "-d", "link", "show", "dev", "vx1");
        assertTrue(ip.contains("vxlan id 7 ") && ip.contains("dstport 4789 nolearning"), ip);
        assertFalse(ip.contains("proxy") || ip.contains("l2miss"), ip);
    }

    @Test
    void vethPairHasBothNamesAndMtu() {
        h.addLink(VethSpec.builder("jvn-va", "jvn-vb").mtu(1380).up().build());
        h.setUp("jvn-vb");
        Link a = h.link("jvn-va");
        Link b = h.link("jvn-vb");
        assertEquals("veth", a.kind());
        assertEquals(1380, a.mtu());
        assertEquals(1380, b.mtu());
        assertEquals(b.index(), a.linkIndex(), "IFLA_LINK of one end is the other");
        assertTrue(a.isUp() && b.isUp());
        String ip = Cli.in(ns, "ip", "-d", "link", "show", "dev", "jvn-va");
        assertTrue(ip.contains("jvn-va@jvn-vb") && ip.contains("mtu 1380") && ip.contains("\n    veth"), ip);

        assertTrue(h.deleteLink("jvn-va"));
        assertTrue(h.findLink("jvn-vb").isEmpty(), "deleting one end removes the pair");
        assertFalse(h.deleteLink("jvn-va"), "second delete reports absence");
    }

    @Test
    void settersChangeStateAsSeenByIp() {
        h.addLink(BridgeSpec.builder("br0").build());
        h.addLink(VethSpec.builder("jvn-a", "jvn-b").build());

        h.setUp("jvn-a");
        assertTrue(h.link("jvn-a").isUp());
        assertTrue(Cli.in(ns, "ip", "link", "show", "dev", "jvn-a").contains(",UP"));
        h.setDown("jvn-a");
        assertFalse(h.link("jvn-a").isUp());
        assertFalse(Cli.in(ns, "ip", "link", "show", "dev", "jvn-a").contains(",UP"));

        h.setMtu("jvn-a", 1234);
        assertEquals(1234, h.link("jvn-a").mtu());
        assertTrue(Cli.in(ns, "ip", "link", "show", "dev", "jvn-a").contains("mtu 1234"));

        MacAddress mac = MacAddress.parse("02:11:22:33:44:55");
        h.setMac("jvn-a", mac);
        assertEquals(mac, h.link("jvn-a").mac());
        assertTrue(Cli.in(ns, "ip", "link", "show", "dev", "jvn-a").contains("link/ether 02:11:22:33:44:55"));

        h.setMaster("jvn-a", "br0");
        assertEquals(h.link("br0").index(), h.link("jvn-a").masterIndex());
        assertTrue(Cli.in(ns, "ip", "link", "show", "dev", "jvn-a").contains("master br0"));
        h.setNoMaster("jvn-a");
        assertFalse(h.link("jvn-a").hasMaster());
        assertFalse(Cli.in(ns, "ip", "link", "show", "dev", "jvn-a").contains("master br0"));

        h.rename("jvn-a", "jvn-c");
        assertTrue(h.findLink("jvn-a").isEmpty());
        assertEquals("jvn-c", h.link("jvn-c").name());
        assertTrue(Cli.in(ns, "ip", "link", "show").contains("jvn-c@jvn-b"));
    }

    @Test
    void listContainsLoopbackAndCreatedLinks() {
        h.addLink(BridgeSpec.builder("br7").build());
        List<Link> links = h.links();
        assertTrue(links.stream().anyMatch(l -> l.name().equals("lo") && l.kind() == null));
        assertTrue(links.stream().anyMatch(l -> l.name().equals("br7")));
        assertEquals(2, links.size(), "a fresh namespace has lo, plus our bridge: " + links);
    }

    @Test
    void moveToNamespaceMovesAndRenames() {
        NetNs other = spaces.netns("move");
        NetlinkHandle o = spaces.handle(other);
        h.addLink(VethSpec.builder("jvn-m1", "jvn-m2").build());
        h.moveToNamespace("jvn-m2", other, "eth0");
        assertTrue(h.findLink("jvn-m2").isEmpty());
        assertEquals("veth", o.link("eth0").kind());
        assertTrue(Cli.in(other, "ip", "link", "show", "dev", "eth0").contains("eth0@"));
        h.moveToNamespace("jvn-m1", other);
        assertTrue(o.findLink("jvn-m1").isPresent());
        assertTrue(h.findLink("jvn-m1").isEmpty());
    }

    @Test
    void badInputIsRejectedBeforeAnythingIsSent() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> BridgeSpec.builder("a-name-of-16-chr").build());
        assertTrue(e.getMessage().contains("16 bytes") && e.getMessage().contains("15"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VethSpec.builder("ok", "bad/name"));
        assertThrows(IllegalArgumentException.class, () -> h.setUp("this-is-too-long0"));
        e = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02:00:00:00:00"));
        assertTrue(e.getMessage().contains("malformed MAC"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("zz:00:00:00:00:00"));
        assertThrows(
                IllegalArgumentException.class, () -> VxlanSpec.builder("vx").build(), "no VNI");
        assertThrows(
                IllegalArgumentException.class,
                () -> VxlanSpec.builder("vx").vni(1 << 24).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> BridgeSpec.builder("br").mtu(20).build());
        assertEquals(1, h.links().size(), "nothing but lo was created");
    }

    @Test
    void missingDeviceGivesEnodevNamingTheDevice() {
        NetlinkException e = assertThrows(NetlinkException.class, () -> h.link("nosuchdev"));
        assertEquals(Errno.ENODEV.number(), e.errno());
        assertEquals("ENODEV", e.errnoName());
        assertTrue(e.getMessage().contains("nosuchdev") && e.getMessage().contains("ENODEV"), e.getMessage());
        assertTrue(h.findLink("nosuchdev").isEmpty());
        assertThrows(NetlinkException.class, () -> h.setUp("nosuchdev"));
        assertThrows(NetlinkException.class, () -> h.link(987654));
    }

    @Test
    void duplicateCreateIsEexist() {
        h.addLink(BridgeSpec.builder("br0").build());
        NetlinkException e = assertThrows(
                NetlinkException.class,
                () -> h.addLink(BridgeSpec.builder("br0").build()));
        assertTrue(e.is(Errno.EEXIST), e.getMessage());
    }

    @Test
    void sameVniAndPortTwiceInOneUnderlayIsEexist() {
        h.addLink(VxlanSpec.builder("vxa").vni(99).build());
        NetlinkException e = assertThrows(
                NetlinkException.class,
                () -> h.addLink(VxlanSpec.builder("vxb").vni(99).build()));
        assertTrue(e.is(Errno.EEXIST), e.getMessage());
        assertFalse(e.kernelMessage().isEmpty(), "the kernel's extended ACK text is kept: " + e.getMessage());
        h.addLink(VxlanSpec.builder("vxc").vni(99).port(4800).build()); // another port is fine
    }

    @Test
    void failedVethCreateLeavesNoOrphanEnd() {
        NetNs peerNs = spaces.netns("peer");
        NetlinkHandle p = spaces.handle(peerNs);
        p.addLink(BridgeSpec.builder("jvn-taken").build());

        // the peer name is taken in the peer's namespace: the whole pair must fail
        NetlinkException e = assertThrows(
                NetlinkException.class,
                () -> h.addLink(VethSpec.builder("jvn-x1", "jvn-taken")
                        .peerNetns(peerNs)
                        .build()));
        assertTrue(e.is(Errno.EEXIST), e.getMessage());
        assertTrue(h.findLink("jvn-x1").isEmpty(), "no orphan first end");
        assertEquals(2, p.links().size(), "no extra device in the peer namespace: " + p.links());

        // a master that does not exist: the kernel unwinds the already-registered pair
        e = assertThrows(
                NetlinkException.class,
                () -> h.addLink(VethSpec.builder("jvn-y1", "jvn-y2")
                        .master(424242)
                        .up()
                        .peerNetns(peerNs)
                        .build()));
        assertTrue(h.findLink("jvn-y1").isEmpty(), "no orphan after " + e.getMessage());
        assertTrue(p.findLink("jvn-y2").isEmpty(), "no orphan peer after " + e.getMessage());
        assertFalse(Cli.in(ns, "ip", "link", "show").contains("jvn-y1"));
        assertFalse(Cli.in(peerNs, "ip", "link", "show").contains("jvn-y2"));
    }

    /** Driver shape (a): VXLAN created from the underlay ("host") handle straight into the sandbox. */
    @Test
    void vxlanCreatedFromHostIntoSandboxKeepsItsSocketInTheHost() throws Exception {
        NetNs sandbox = spaces.netns("sb");
        NetlinkHandle sb = spaces.handle(sandbox);
        sb.addLink(BridgeSpec.builder("br0").mtu(1450).up().build());
        int br0 = sb.link("br0").index();

        h.addLink(VxlanSpec.builder("vxlan0")
                .vni(256)
                .port(4789)
                .proxy(true)
                .mtu(1450)
                .mac("02:00:00:00:01:00")
                .netns(sandbox)
                .master(br0)
                .up()
                .build());

        assertTrue(h.findLink("vxlan0").isEmpty(), "not in the host namespace");
        Link vx = sb.link("vxlan0");
        assertEquals(256, vx.vxlan().vni());
        assertEquals(br0, vx.masterIndex());
        assertTrue(vx.isUp());
        assertTrue(vx.linkNetnsId() >= 0, "the kernel reports the underlay namespace as link-netns");
        String ip = Cli.in(sandbox, "ip", "-d", "link", "show", "dev", "vxlan0");
        assertTrue(ip.contains("link-netns") || ip.contains("link-netnsid"), ip);
        assertTrue(ip.contains("master br0") && ip.contains("vxlan id 256"), ip);
        // the UDP socket listens in the host namespace, not in the sandbox
        assertTrue(Cli.in(ns, "ss", "-uln").contains(":4789"), "host has the VXLAN socket");
        assertFalse(Cli.in(sandbox, "ss", "-uln").contains(":4789"), "sandbox has none");
    }

    /**
     * Driver shape (b): a veth created from the sandbox handle, one end enslaved to br0 and up in
     * the sandbox, the peer born in the host namespace under the name Docker will look for.
     */
    @Test
    void vethFromSandboxWithPeerBornInHost() {
        NetNs sandbox = spaces.netns("sb");
        NetlinkHandle sb = spaces.handle(sandbox);
        sb.addLink(BridgeSpec.builder("br0").up().build());
        Link br0 = sb.link("br0");
        MacAddress epMac = MacAddress.parse("02:42:0a:00:00:05");

        sb.addLink(VethSpec.builder("veth0", "jvn-ep1")
                .mtu(1450)
                .master(br0)
                .up()
                .peerNetns(ns)
                .peerMac(epMac)
                .build());

        Link inSandbox = sb.link("veth0");
        assertEquals(br0.index(), inSandbox.masterIndex());
        assertTrue(inSandbox.isUp());
        assertEquals(1450, inSandbox.mtu());
        Link inHost = h.link("jvn-ep1");
        assertEquals(epMac, inHost.mac());
        assertEquals(1450, inHost.mtu());
        assertTrue(sb.findLink("jvn-ep1").isEmpty());
        assertTrue(Cli.in(sandbox, "ip", "link", "show", "dev", "veth0").contains("master br0"));
        assertTrue(Cli.in(ns, "ip", "link", "show", "dev", "jvn-ep1").contains("link/ether 02:42:0a:00:00:05"));
    }
}
