package dev.jovl.driver.dns;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.netlink.Link;
import dev.jovl.netlink.LinkAddress;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who counts as a container of this host, on a host with Docker bridges and a bridged underlay. */
class HostContainerClientsTest {

    private static Link link(int index, String name, String kind) {
        return new Link(index, name, kind, 0, 1500, null, 0, 0, -1, "up", null);
    }

    private static LinkAddress addr(int index, String literal, int prefix) throws Exception {
        return new LinkAddress(index, InetAddress.getByName(literal), prefix);
    }

    @Test
    void containersOnDockerBridgesAndTheHostItselfOnly() throws Exception {
        InetAddress vtep = InetAddress.getByName("10.0.0.5");
        List<HostContainerClients.HostAddress> host = HostContainerClients.classify(
                List.of(
                        link(1, "lo", ""),
                        link(2, "br0", "bridge"),
                        link(3, "docker0", "bridge"),
                        link(4, "docker_gwbridge", "bridge"),
                        link(5, "eth1", "")),
                List.of(
                        addr(1, "127.0.0.1", 8),
                        addr(2, "10.0.0.5", 24),
                        addr(3, "172.17.0.1", 16),
                        addr(4, "172.18.0.1", 16),
                        addr(5, "203.0.113.9", 24)),
                vtep);
        for (String ok : List.of("172.17.0.2", "172.18.3.4", "127.0.0.1", "10.0.0.5", "203.0.113.9")) {
            assertTrue(HostContainerClients.allows(InetAddress.getByName(ok), host), ok);
        }
        for (String no : List.of("10.0.0.6", "203.0.113.10", "8.8.8.8", "172.19.0.2", "::1.2.3.4")) {
            assertFalse(HostContainerClients.allows(InetAddress.getByName(no), host), no);
        }
    }
}
