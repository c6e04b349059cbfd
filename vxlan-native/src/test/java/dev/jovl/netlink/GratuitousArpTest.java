package dev.jovl.netlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.net.IpAddress;
import dev.jovl.net.MacAddress;
import dev.jovl.netlink.testing.Shell;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A container behind a sandbox bridge holds an address in its ARP cache as REACHABLE at one MAC;
 * a gratuitous ARP sent on the bridge moves it to the new MAC at once (what a client sees when
 * the address moves to a container with another MAC).
 */
class GratuitousArpTest extends NamespaceTestBase {

    @Test
    void aReachableCacheEntryTakesTheAnnouncedMac() throws Exception {
        cacheEntryMovesWhen((sandbox, br0) -> sandbox.call(() -> {
            try (FrameSender sender = FrameSender.open()) {
                GratuitousArp.announce(sender, br0.index(), br0.mac(), MOVED);
            }
            return null;
        }));
    }

    /** The sender is opened inside the sandbox once, then used from a thread that never entered it. */
    @Test
    void aSenderOpenedInTheSandboxAnnouncesFromAnyThread() throws Exception {
        cacheEntryMovesWhen((sandbox, br0) -> {
            try (FrameSender sender = sandbox.call(FrameSender::open)) {
                GratuitousArp.announce(sender, br0.index(), br0.mac(), MOVED);
                sender.close();
                assertThrows(
                        IllegalStateException.class,
                        () -> GratuitousArp.announce(sender, br0.index(), br0.mac(), MOVED));
            }
        });
    }

    private static final Map<IpAddress, MacAddress> MOVED =
            Map.of(IpAddress.parse("10.9.0.7"), MacAddress.parse("06:00:00:00:00:07"));

    @FunctionalInterface
    private interface Announcement {
        void send(NetNs sandbox, Link br0) throws Exception;
    }

    private void cacheEntryMovesWhen(Announcement announcement) throws Exception {
        NetNs sandbox = spaces.netns("gasb");
        NetNs container = spaces.netns("gact");
        String containerName = spaces.tag() + "-gact";
        NetlinkHandle s = spaces.handle(sandbox);
        NetlinkHandle c = spaces.handle(container);
        s.addLink(BridgeSpec.builder("br0").build());
        s.setUp("br0");
        s.addLink(VethSpec.builder("ve-ga", "eth0").up().peerNetns(container).build());
        s.setMaster("ve-ga", "br0");
        c.setUp("eth0");
        Shell.ok("ip", "-n", containerName, "addr", "add", "10.9.0.2/24", "dev", "eth0");
        Shell.ok(
                "ip",
                "-n",
                containerName,
                "neigh",
                "replace",
                "10.9.0.7",
                "lladdr",
                "02:42:0a:09:00:07",
                "dev",
                "eth0",
                "nud",
                "reachable");
        assertTrue(neighbour(containerName).contains("02:42:0a:09:00:07"), neighbour(containerName));

        announcement.send(sandbox, s.link("br0"));

        long end = System.nanoTime() + 3_000_000_000L;
        while (!neighbour(containerName).contains("06:00:00:00:00:07") && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertTrue(
                neighbour(containerName).contains("06:00:00:00:00:07"),
                "cache entry moved: " + neighbour(containerName));
        String sandboxName = spaces.tag() + "-gasb";
        String learned = Shell.ok("bridge", "-n", sandboxName, "fdb", "show", "br", "br0");
        assertTrue(!learned.contains("06:00:00:00:00:07"), "the bridge learned nothing from its own frame: " + learned);
    }

    @Test
    void theFrameIsABroadcastArpRequestWithSenderAndTargetTheAddress() {
        byte[] f = GratuitousArp.frame(
                MacAddress.parse("0a:00:00:00:00:01"),
                IpAddress.parse("10.9.0.7"),
                MacAddress.parse("06:00:00:00:00:07"));
        assertEquals(
                "ffffffffffff" + "0a0000000001" + "0806" + "0001" + "0800" + "06" + "04" + "0001" + "060000000007"
                        + "0a090007" + "000000000000" + "0a090007",
                HexFormat.of().formatHex(f));
        assertThrows(
                IllegalArgumentException.class,
                () -> GratuitousArp.frame(
                        MacAddress.parse("0a:00:00:00:00:01"),
                        IpAddress.parse("fd00::7"),
                        MacAddress.parse("06:00:00:00:00:07")));
        assertArrayEquals(new byte[] {10, 9, 0, 7}, IpAddress.parse("10.9.0.7").bytes());
    }

    private static String neighbour(String namespace) {
        return Shell.ok("ip", "-n", namespace, "neigh", "show", "10.9.0.7").trim();
    }
}
