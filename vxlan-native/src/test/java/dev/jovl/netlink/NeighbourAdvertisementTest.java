package dev.jovl.netlink;

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
 * IPv6's side of {@link GratuitousArpTest}: a container behind a sandbox bridge holds an IPv6
 * address in its neighbour cache as REACHABLE at one MAC; an unsolicited advertisement sent on the
 * bridge moves it to the new MAC at once.
 */
class NeighbourAdvertisementTest extends NamespaceTestBase {

    @Test
    void aReachableCacheEntryTakesTheAdvertisedMac() throws Exception {
        NetNs sandbox = spaces.netns("nasb");
        NetNs container = spaces.netns("nact");
        String containerName = spaces.tag() + "-nact";
        NetlinkHandle s = spaces.handle(sandbox);
        NetlinkHandle c = spaces.handle(container);
        s.addLink(BridgeSpec.builder("br0").build());
        s.setUp("br0");
        s.addLink(VethSpec.builder("ve-na", "eth0").up().peerNetns(container).build());
        s.setMaster("ve-na", "br0");
        Shell.ok("ip", "netns", "exec", containerName, "sysctl", "-qw", "net.ipv6.conf.eth0.disable_ipv6=0");
        c.setUp("eth0");
        Shell.ok("ip", "-n", containerName, "addr", "add", "fd00:9::2/64", "dev", "eth0", "nodad");
        Shell.ok(
                "ip",
                "-n",
                containerName,
                "-6",
                "neigh",
                "replace",
                "fd00:9::7",
                "lladdr",
                "02:42:0a:09:00:07",
                "dev",
                "eth0",
                "nud",
                "reachable");
        assertTrue(neighbour(containerName).contains("02:42:0a:09:00:07"), neighbour(containerName));

        Link br0 = s.link("br0");
        sandbox.call(() -> {
            try (FrameSender sender = FrameSender.open()) {
                NeighbourAdvertisement.announce(
                        sender,
                        br0.index(),
                        br0.mac(),
                        Map.of(IpAddress.parse("fd00:9::7"), MacAddress.parse("06:00:00:00:00:07")));
            }
            return null;
        });

        long end = System.nanoTime() + 3_000_000_000L;
        while (!neighbour(containerName).contains("06:00:00:00:00:07") && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertTrue(
                neighbour(containerName).contains("06:00:00:00:00:07"),
                "cache entry moved: " + neighbour(containerName));
    }

    @Test
    void theFrameIsAnUnsolicitedOverridingAdvertisementToAllNodes() {
        byte[] f = NeighbourAdvertisement.frame(
                MacAddress.parse("0a:00:00:00:00:01"),
                IpAddress.parse("fd00:9::7"),
                MacAddress.parse("06:00:00:00:00:07"));
        String hex = HexFormat.of().formatHex(f);
        String target = "fd000009000000000000000000000007";
        assertEquals("333300000001" + "0a0000000001" + "86dd", hex.substring(0, 28), "Ethernet");
        assertEquals(
                "60000000" + "0020" + "3a" + "ff" + target + "ff020000000000000000000000000001",
                hex.substring(28, 108),
                "IPv6: 32 bytes of ICMPv6, hop limit 255, from the target to all nodes");
        assertEquals("88" + "00", hex.substring(108, 112), "type 136, code 0");
        assertEquals("20000000" + target + "02" + "01" + "060000000007", hex.substring(116), "O flag, target, TLLA");
        // the checksum makes the one's complement sum over pseudo-header and message 0xffff
        byte[] message = java.util.Arrays.copyOfRange(f, 54, f.length);
        assertEquals(
                0,
                NeighbourAdvertisement.checksum(
                        IpAddress.parse("fd00:9::7").bytes(),
                        IpAddress.parse("ff02::1").bytes(),
                        message));
        assertThrows(
                IllegalArgumentException.class,
                () -> NeighbourAdvertisement.frame(
                        MacAddress.parse("0a:00:00:00:00:01"),
                        IpAddress.parse("10.9.0.7"),
                        MacAddress.parse("06:00:00:00:00:07")));
    }

    private static String neighbour(String namespace) {
        return Shell.ok("ip", "-n", namespace, "-6", "neigh", "show", "fd00:9::7")
                .trim();
    }
}
