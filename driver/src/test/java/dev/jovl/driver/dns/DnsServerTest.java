package dev.jovl.driver.dns;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The responder over real UDP and TCP sockets on loopback, with dnsmasq as its upstream. */
class DnsServerTest {

    private static Dnsmasq upstream;
    private static Dnsmasq refusing;

    @BeforeAll
    static void startUpstream() throws Exception {
        assumeTrue(Dnsmasq.installed(), "dnsmasq (package dnsmasq-base) is not installed: skipping");
        upstream = Dnsmasq.start(List.of("example.test,192.0.2.7", "both.test,192.0.2.8,2001:db8::8"));
        refusing = Dnsmasq.start(List.of(), "elsewhere");
    }

    @AfterAll
    static void stopUpstream() throws Exception {
        if (upstream != null) {
            upstream.close();
        }
        if (refusing != null) {
            refusing.close();
        }
    }

    private static NameTable table(NameRecord... records) {
        NameTable table = new NameTable();
        table.replaceAll(List.of(records));
        return table;
    }

    private static DnsServer start(NameTable table, List<InetSocketAddress> upstreams, Duration timeout)
            throws Exception {
        return DnsServer.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                table,
                new UpstreamForwarder(upstreams, timeout));
    }

    @Test
    void answersKnownNamesOverUdpAndTcp() throws Exception {
        NameTable names = table(NameTableTest.record("myStack1", "e1", "web", List.of("www"), "10.10.0.2", null));
        try (DnsServer server = start(names, List.of(upstream.address()), Duration.ofSeconds(2))) {
            for (String name : List.of("web", "WEB.mystack1", "www")) {
                DnsTestClient.Reply udp =
                        DnsTestClient.udp(server.address(), DnsTestClient.query(11, name, DnsWire.TYPE_A, false));
                assertEquals(11, udp.id());
                assertEquals(DnsWire.RCODE_NOERROR, udp.rcode());
                assertTrue(udp.authoritative());
                assertEquals(1, udp.answers().size(), name);
                assertArrayEquals(
                        new byte[] {10, 10, 0, 2}, udp.answers().getFirst().data());
                DnsTestClient.Reply tcp =
                        DnsTestClient.tcp(server.address(), DnsTestClient.query(12, name, DnsWire.TYPE_A, true));
                assertEquals(12, tcp.id());
                assertArrayEquals(
                        new byte[] {10, 10, 0, 2}, tcp.answers().getFirst().data());
            }
            assertEquals(6, server.stats().answeredLocally());
            assertEquals(0, server.stats().forwarded());
        }
    }

    @Test
    void knownNameWithoutThatTypeIsNodataNotForwarded() throws Exception {
        NameTable names = table(NameTableTest.record("n", "e1", "web", List.of(), "10.10.0.2", null));
        try (DnsServer server = start(names, List.of(upstream.address()), Duration.ofSeconds(2))) {
            DnsTestClient.Reply aaaa =
                    DnsTestClient.udp(server.address(), DnsTestClient.query(3, "web", DnsWire.TYPE_AAAA, false));
            assertEquals(DnsWire.RCODE_NOERROR, aaaa.rcode());
            assertTrue(aaaa.answers().isEmpty());
            DnsTestClient.Reply mx = DnsTestClient.udp(server.address(), DnsTestClient.query(4, "web", 15, false));
            assertEquals(DnsWire.RCODE_NOERROR, mx.rcode());
            assertEquals(0, server.stats().forwarded());
        }
    }

    @Test
    void forwardsUnknownNamesAndPassesNxdomainThrough() throws Exception {
        try (DnsServer server = start(new NameTable(), List.of(upstream.address()), Duration.ofSeconds(2))) {
            DnsTestClient.Reply found = DnsTestClient.udp(
                    server.address(), DnsTestClient.query(0x4242, "Example.test", DnsWire.TYPE_A, false));
            assertEquals(0x4242, found.id(), "the asker's id comes back, not the one used upstream");
            assertEquals(DnsWire.RCODE_NOERROR, found.rcode());
            assertArrayEquals(
                    new byte[] {(byte) 192, 0, 2, 7}, found.answers().getFirst().data());
            DnsTestClient.Reply v6 =
                    DnsTestClient.tcp(server.address(), DnsTestClient.query(5, "both.test", DnsWire.TYPE_AAAA, false));
            assertEquals(16, v6.answers().getFirst().data().length);
            DnsTestClient.Reply missing =
                    DnsTestClient.udp(server.address(), DnsTestClient.query(6, "missing.test", DnsWire.TYPE_A, false));
            assertEquals(DnsWire.RCODE_NXDOMAIN, missing.rcode());
            assertEquals(6, missing.id());
            DnsTestClient.Reply missingTcp =
                    DnsTestClient.tcp(server.address(), DnsTestClient.query(7, "missing.test", DnsWire.TYPE_A, false));
            assertEquals(DnsWire.RCODE_NXDOMAIN, missingTcp.rcode());
            assertEquals(4, server.stats().forwarded());
        }
    }

    @Test
    void silentUpstreamIsSkippedAndAllSilentGivesServfail() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            InetSocketAddress silentAddress = (InetSocketAddress) silent.getLocalSocketAddress();
            try (DnsServer server =
                    start(new NameTable(), List.of(silentAddress, upstream.address()), Duration.ofMillis(300))) {
                DnsTestClient.Reply found = DnsTestClient.udp(
                        server.address(), DnsTestClient.query(8, "example.test", DnsWire.TYPE_A, false));
                assertEquals(1, found.answers().size());
                DatagramPacket seen = new DatagramPacket(new byte[512], 512);
                silent.setSoTimeout(1000);
                silent.receive(seen);
                assertNotEquals(8, DnsWire.u16(seen.getData(), 0), "upstream query carries its own id");
            }
            try (DnsServer server = start(new NameTable(), List.of(silentAddress), Duration.ofMillis(300))) {
                long started = System.nanoTime();
                DnsTestClient.Reply failed = DnsTestClient.udp(
                        server.address(), DnsTestClient.query(9, "example.test", DnsWire.TYPE_A, false));
                assertEquals(DnsWire.RCODE_SERVFAIL, failed.rcode());
                assertEquals(9, failed.id());
                assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos());
            }
        }
        try (DnsServer server = start(new NameTable(), List.of(), Duration.ofMillis(300))) {
            DnsTestClient.Reply none =
                    DnsTestClient.tcp(server.address(), DnsTestClient.query(10, "example.test", DnsWire.TYPE_A, false));
            assertEquals(DnsWire.RCODE_SERVFAIL, none.rcode(), "no upstream at all: SERVFAIL");
        }
    }

    @Test
    void refusedFromOneUpstreamTriesTheNext() throws Exception {
        try (DnsServer server =
                start(new NameTable(), List.of(refusing.address(), upstream.address()), Duration.ofSeconds(2))) {
            DnsTestClient.Reply found =
                    DnsTestClient.udp(server.address(), DnsTestClient.query(13, "example.test", DnsWire.TYPE_A, false));
            assertEquals(DnsWire.RCODE_NOERROR, found.rcode());
            assertEquals(1, found.answers().size());
        }
        try (DnsServer server = start(new NameTable(), List.of(refusing.address()), Duration.ofSeconds(2))) {
            DnsTestClient.Reply refused =
                    DnsTestClient.udp(server.address(), DnsTestClient.query(14, "example.test", DnsWire.TYPE_A, false));
            assertEquals(DnsWire.RCODE_REFUSED, refused.rcode(), "the only answer there is is passed on");
        }
    }

    @Test
    void malformedQueriesGetFormerrAndResponsesAreIgnored() throws Exception {
        try (DnsServer server = start(new NameTable(), List.of(upstream.address()), Duration.ofSeconds(2))) {
            byte[] query = DnsTestClient.query(15, "web", DnsWire.TYPE_A, false);
            byte[] cut = java.util.Arrays.copyOf(query, query.length - 3);
            DnsTestClient.Reply formerr = DnsTestClient.udp(server.address(), cut);
            assertEquals(DnsWire.RCODE_FORMERR, formerr.rcode());
            assertEquals(15, formerr.id());
            byte[] notAQuery = query.clone();
            notAQuery[2] |= (byte) 0x80;
            assertThrows(
                    java.net.SocketTimeoutException.class,
                    () -> DnsTestClient.udp(server.address(), notAQuery, 300),
                    "a response is never answered");
            DnsTestClient.Reply still =
                    DnsTestClient.udp(server.address(), DnsTestClient.query(16, "example.test", DnsWire.TYPE_A, false));
            assertEquals(1, still.answers().size(), "the server keeps serving");
            assertEquals(2, server.stats().malformed());
        }
    }

    @Test
    void manyAddressesTruncateOverUdpAndComeWholeOverTcp() throws Exception {
        List<NameRecord> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            records.add(
                    new NameRecord("n", "e" + i, "c" + i, "c" + i, List.of("pool"), null, "fd00::" + (i + 1), "h1"));
        }
        NameTable names = new NameTable();
        names.replaceAll(records);
        try (DnsServer server = start(names, List.of(upstream.address()), Duration.ofSeconds(2))) {
            DnsTestClient.Reply udp =
                    DnsTestClient.udp(server.address(), DnsTestClient.query(17, "pool", DnsWire.TYPE_AAAA, false));
            assertTrue(udp.truncated());
            assertTrue(udp.answers().isEmpty());
            DnsTestClient.Reply tcp =
                    DnsTestClient.tcp(server.address(), DnsTestClient.query(18, "pool", DnsWire.TYPE_AAAA, false));
            assertFalse(tcp.truncated());
            assertEquals(40, tcp.answers().size());
        }
    }

    @Test
    void tableUpdatesAreSeenByTheNextQuery() throws Exception {
        NameTable names = new NameTable();
        try (DnsServer server = start(names, List.of(upstream.address()), Duration.ofSeconds(2))) {
            assertEquals(
                    DnsWire.RCODE_REFUSED,
                    DnsTestClient.udp(server.address(), DnsTestClient.query(19, "web", DnsWire.TYPE_A, false))
                            .rcode(),
                    "unknown to jovl: dnsmasq refuses names outside .test");
            names.replaceAll(List.of(NameTableTest.record("n", "e1", "web", List.of(), "10.0.0.9", null)));
            assertEquals(
                    1,
                    DnsTestClient.udp(server.address(), DnsTestClient.query(20, "web", DnsWire.TYPE_A, false))
                            .answers()
                            .size());
            names.replaceAll(List.of());
            assertEquals(
                    DnsWire.RCODE_REFUSED,
                    DnsTestClient.udp(server.address(), DnsTestClient.query(21, "web", DnsWire.TYPE_A, false))
                            .rcode());
        }
    }

    @Test
    void bindingAnAddressNotOnThisHostFailsClearly() {
        Exception e = assertThrows(
                java.io.IOException.class,
                () -> DnsServer.start(
                        new InetSocketAddress(InetAddress.getByName("192.0.2.200"), 0),
                        new NameTable(),
                        new UpstreamForwarder(List.of(), Duration.ofSeconds(1))));
        assertTrue(e.getMessage().contains("192.0.2.200"), e.getMessage());
    }
}
