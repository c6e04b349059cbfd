package dev.jovl.driver.dns;

import static org.junit.jupiter.api.Assertions.*;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpstreamServersTest {

    @Test
    void readsNameserversFromResolvConf(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("resolv.conf");
        Files.writeString(
                file,
                "# comment\nsearch example.org\nnameserver 10.255.255.53\nnameserver  2001:db8::1\noptions ndots:0\n");
        List<InetSocketAddress> servers = UpstreamServers.fromResolvConf(file);
        assertEquals(
                List.of(
                        new InetSocketAddress(InetAddress.getByName("10.255.255.53"), 53),
                        new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 53)),
                servers);
        assertEquals(List.of(), UpstreamServers.fromResolvConf(dir.resolve("absent")));
    }

    @Test
    void parsesListsWithPorts() throws Exception {
        assertEquals(
                List.of(
                        new InetSocketAddress(InetAddress.getByName("10.0.0.1"), 53),
                        new InetSocketAddress(InetAddress.getByName("10.0.0.2"), 5353),
                        new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 53),
                        new InetSocketAddress(InetAddress.getByName("2001:db8::2"), 5300)),
                UpstreamServers.parseList("10.0.0.1, 10.0.0.2:5353,2001:db8::1,[2001:db8::2]:5300"));
        assertThrows(IllegalArgumentException.class, () -> UpstreamServers.parseList("dns.example.com"));
        assertThrows(IllegalArgumentException.class, () -> UpstreamServers.parseList("10.0.0.1:0"));
        assertThrows(IllegalArgumentException.class, () -> UpstreamServers.parseList("[2001:db8::1"));
    }

    @Test
    void leavesItselfOut() throws Exception {
        InetSocketAddress self = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 53);
        InetSocketAddress other = new InetSocketAddress(InetAddress.getByName("10.255.255.53"), 53);
        assertEquals(List.of(other), UpstreamServers.excludingSelf(List.of(self, other), self));
        InetSocketAddress wildcard = new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 53);
        assertEquals(List.of(other), UpstreamServers.excludingSelf(List.of(self, other), wildcard));
        InetSocketAddress otherPort = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 5353);
        assertEquals(List.of(self, other), UpstreamServers.excludingSelf(List.of(self, other), otherPort));
    }
}
