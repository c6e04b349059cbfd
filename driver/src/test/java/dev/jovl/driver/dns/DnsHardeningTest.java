package dev.jovl.driver.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The responder is no open resolver and no amplifier (issue 14): sources it does not serve are
 * refused, each source is rate-limited, a UDP answer never exceeds what the query allows, TCP
 * connections are capped per source and must deliver a query within a deadline, and the UDP
 * loop survives an Error. Loopback only: 127.0.0.1 is "a container", 127.0.0.2 "the underlay".
 */
class DnsHardeningTest {
    private static final InetAddress SERVED = address("127.0.0.1");
    private static final InetAddress STRANGER = address("127.0.0.2");

    private DatagramSocket bigUpstream;
    private Thread upstreamThread;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An upstream that answers every query with 60 A records (about 1 KB), whatever it allows. */
    @BeforeEach
    void startBigUpstream() throws IOException {
        bigUpstream = new DatagramSocket(0, SERVED);
        upstreamThread = Thread.ofPlatform().daemon().start(() -> {
            byte[] buffer = new byte[2048];
            while (!bigUpstream.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buffer, buffer.length);
                    bigUpstream.receive(p);
                    DnsQuery q = DnsQuery.parse(buffer, p.getLength());
                    byte[] r = new byte[q.questionEnd() + 60 * 16];
                    System.arraycopy(buffer, 0, r, 0, q.questionEnd());
                    DnsWire.put16(r, 2, DnsWire.FLAG_QR | DnsWire.FLAG_RA);
                    DnsWire.put16(r, 6, 60);
                    DnsWire.put16(r, 8, 0);
                    DnsWire.put16(r, 10, 0);
                    for (int i = 0, pos = q.questionEnd(); i < 60; i++, pos += 16) {
                        DnsWire.put16(r, pos, 0xC00C);
                        DnsWire.put16(r, pos + 2, DnsWire.TYPE_A);
                        DnsWire.put16(r, pos + 4, DnsWire.CLASS_IN);
                        DnsWire.put16(r, pos + 8, 60);
                        DnsWire.put16(r, pos + 10, 4);
                        r[pos + 12] = (byte) 192;
                        r[pos + 15] = (byte) i;
                    }
                    bigUpstream.send(new DatagramPacket(r, r.length, p.getSocketAddress()));
                } catch (IOException | DnsFormatException | RuntimeException e) {
                    // closed, or not a query: next
                }
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        bigUpstream.close();
        upstreamThread.join(2000);
    }

    private DnsServer start(DnsClients clients, DnsServer.Limits limits) throws IOException {
        return start(clients, limits, List.of(NameTableTest.record("n", "e1", "web", List.of(), "10.10.0.2", null)));
    }

    private DnsServer start(DnsClients clients, DnsServer.Limits limits, List<NameRecord> records) throws IOException {
        NameTable names = new NameTable();
        names.replaceAll(records);
        DnsServer server = DnsServer.start(
                new InetSocketAddress(SERVED, 0),
                names,
                new UpstreamForwarder(
                        List.of((InetSocketAddress) bigUpstream.getLocalSocketAddress()), Duration.ofSeconds(1)),
                clients,
                limits);
        toClose.add(server);
        return server;
    }

    private static DnsServer.Limits limits(int perSecond, int tcpPerSource, Duration deadline) {
        return new DnsServer.Limits(perSecond, perSecond, tcpPerSource, deadline);
    }

    /** The raw reply to {@code query} sent from {@code from}, or null after {@code timeoutMillis}. */
    private static byte[] udpFrom(InetAddress from, DnsServer server, byte[] query, int timeoutMillis)
            throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, from)) {
            s.setSoTimeout(timeoutMillis);
            s.send(new DatagramPacket(query, query.length, server.address()));
            byte[] buffer = new byte[65535];
            DatagramPacket p = new DatagramPacket(buffer, buffer.length);
            try {
                s.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return Arrays.copyOf(buffer, p.getLength());
        }
    }

    private static int rcode(byte[] reply) {
        return DnsWire.u16(reply, 2) & DnsWire.RCODE_MASK;
    }

    @Test
    void sourcesItDoesNotServeAreRefusedAndNothingIsForwardedForThem() throws Exception {
        DnsServer server = start(SERVED::equals, DnsServer.Limits.DEFAULT);
        byte[] forwarded = DnsWire.query(1, "anything.example", DnsWire.TYPE_A, false);
        byte[] refused = udpFrom(STRANGER, server, forwarded, 2000);
        assertEquals(DnsWire.RCODE_REFUSED, rcode(refused));
        assertTrue(refused.length <= forwarded.length, "a refusal is no bigger than the query");
        assertEquals(
                DnsWire.RCODE_REFUSED,
                rcode(udpFrom(STRANGER, server, DnsWire.query(2, "web", DnsWire.TYPE_A, false), 2000)),
                "not even this host's names");
        assertEquals(0, server.stats().forwarded());
        try (Socket tcp = new Socket()) {
            tcp.bind(new InetSocketAddress(STRANGER, 0));
            tcp.connect(server.address(), 2000);
            tcp.setSoTimeout(2000);
            tcp.getOutputStream().write(new byte[] {0, (byte) forwarded.length});
            tcp.getOutputStream().write(forwarded);
            DataInputStream in = new DataInputStream(tcp.getInputStream());
            byte[] answer = new byte[in.readUnsignedShort()];
            in.readFully(answer);
            assertEquals(DnsWire.RCODE_REFUSED, rcode(answer), "TCP from a stranger: REFUSED too");
            assertTrue(answer.length <= forwarded.length);
            assertEquals(-1, readOrEnd(tcp.getInputStream()), "and closed");
        }
        // a malformed query of a stranger: REFUSED as well, not FORMERR (it learns nothing else)
        byte[] loop = DnsWire.query(4, "x", DnsWire.TYPE_A, false);
        loop[12] = (byte) 0xC0;
        loop[13] = 12; // a name that points at itself
        byte[] malformed = udpFrom(STRANGER, server, loop, 2000);
        assertEquals(DnsWire.RCODE_REFUSED, rcode(malformed));
        assertTrue(malformed.length <= loop.length);
        assertEquals(
                DnsWire.RCODE_NOERROR,
                rcode(udpFrom(SERVED, server, DnsWire.query(3, "web", DnsWire.TYPE_A, false), 2000)));
        assertEquals(0, server.stats().forwarded());
    }

    private static int readOrEnd(InputStream in) {
        try {
            return in.read();
        } catch (SocketTimeoutException stillOpen) {
            return -2;
        } catch (IOException reset) {
            return -1;
        }
    }

    @Test
    void eachSourceIsRateLimited() throws Exception {
        DnsServer server = start(a -> true, limits(50, 8, Duration.ofSeconds(5)));
        int answered = 0;
        long t0 = System.nanoTime();
        try (DatagramSocket s = new DatagramSocket(0, SERVED)) {
            s.setSoTimeout(300);
            byte[] q = DnsWire.query(7, "web", DnsWire.TYPE_A, false);
            for (int i = 0; i < 400; i++) {
                s.send(new DatagramPacket(q, q.length, server.address()));
            }
            byte[] buffer = new byte[512];
            try {
                while (true) {
                    s.receive(new DatagramPacket(buffer, buffer.length));
                    answered++;
                }
            } catch (SocketTimeoutException done) {
                // all there is
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(answered <= 50 + 50 * seconds + 5, answered + " answers in " + seconds + " s");
        assertTrue(answered >= 40, "the burst is served: " + answered);
        assertTrue(server.stats().rateLimited() > 0);
        assertEquals(
                DnsWire.RCODE_NOERROR,
                rcode(udpFrom(STRANGER, server, DnsWire.query(8, "web", DnsWire.TYPE_A, false), 2000)),
                "another source has its own budget");
    }

    @Test
    void aUdpAnswerNeverExceedsWhatTheQueryAllows() throws Exception {
        DnsServer server = start(a -> true, DnsServer.Limits.DEFAULT);
        byte[] plain = DnsWire.query(9, "big.example", DnsWire.TYPE_A, false);
        byte[] reply = udpFrom(SERVED, server, plain, 3000);
        assertTrue(reply.length <= 512, "no EDNS: 512 at most, got " + reply.length);
        assertTrue((DnsWire.u16(reply, 2) & DnsWire.FLAG_TC) != 0, "truncated, so the asker retries over TCP");
        assertEquals(9, DnsWire.u16(reply, 0));

        byte[] edns600 = DnsWire.query(10, "big.example", DnsWire.TYPE_A, true);
        DnsQuery q = DnsQuery.parse(edns600, edns600.length);
        DnsWire.put16(edns600, q.questionEnd() + 3, 600);
        reply = udpFrom(SERVED, server, edns600, 3000);
        assertTrue(reply.length <= 600, "EDNS 600: 600 at most, got " + reply.length);
        assertTrue((DnsWire.u16(reply, 2) & DnsWire.FLAG_TC) != 0);

        byte[] edns4096 = DnsWire.query(11, "big.example", DnsWire.TYPE_A, true);
        reply = udpFrom(SERVED, server, edns4096, 3000);
        assertFalse((DnsWire.u16(reply, 2) & DnsWire.FLAG_TC) != 0, "fits in 1232: whole");
        assertEquals(60, DnsWire.u16(reply, 6));
    }

    @Test
    void tcpConnectionsAreCappedPerSourceAndSlowQueriesCut() throws Exception {
        DnsServer server = start(a -> true, limits(200, 3, Duration.ofMillis(500)));
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket s = new Socket();
                s.connect(server.address(), 2000);
                held.add(s);
            }
            Thread.sleep(100);
            Socket fourth = new Socket();
            held.add(fourth);
            fourth.connect(server.address(), 2000);
            fourth.setSoTimeout(1000);
            assertEquals(-1, readOrEnd(fourth.getInputStream()), "over the per-source cap: closed at once");

            Socket slow = held.getFirst();
            slow.setSoTimeout(100);
            long t0 = System.nanoTime();
            boolean closed = false;
            for (int i = 0; i < 40 && !closed; i++) {
                try {
                    slow.getOutputStream().write(i == 0 ? 0 : 'x'); // the length's first byte, then a trickle
                    closed = slow.getInputStream().read() == -1;
                } catch (SocketTimeoutException stillOpen) {
                    // nothing yet: trickle on
                } catch (IOException reset) {
                    closed = true;
                }
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(
                    closed && ms < 2500,
                    "a query trickling in is cut at its deadline: " + closed + " after " + ms + " ms");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void theUdpLoopSurvivesAnError() throws Exception {
        AtomicBoolean boom = new AtomicBoolean(true);
        DnsServer server = start(
                a -> {
                    if (boom.getAndSet(false)) {
                        throw new OutOfMemoryError("test: one query fails with an Error");
                    }
                    return true;
                },
                DnsServer.Limits.DEFAULT);
        byte[] q = DnsWire.query(12, "web", DnsWire.TYPE_A, false);
        udpFrom(SERVED, server, q, 500);
        byte[] reply = udpFrom(SERVED, server, q, 2000);
        assertTrue(reply != null && rcode(reply) == DnsWire.RCODE_NOERROR, "the loop still serves");
    }

    @Test
    void anAskerThatNeverReadsItsAnswersDoesNotHoldItsConnectionForever() throws Exception {
        // one name with 2,000 addresses: a 32 KB answer, so unread answers fill the socket buffers
        List<NameRecord> many = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            many.add(NameTableTest.record(
                    "n", "e" + i, "big", List.of(), "10.20." + (i / 250) + "." + (i % 250 + 1), null));
        }
        DnsServer server = start(a -> true, new DnsServer.Limits(100_000, 100_000, 1, Duration.ofMillis(500)), many);
        byte[] q = DnsWire.query(13, "big", DnsWire.TYPE_A, false);
        byte[] framed = new byte[q.length + 2];
        DnsWire.put16(framed, 0, q.length);
        System.arraycopy(q, 0, framed, 2, q.length);
        try (java.nio.channels.SocketChannel greedy = java.nio.channels.SocketChannel.open()) {
            greedy.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4096);
            greedy.connect(server.address());
            greedy.configureBlocking(false); // the test must not block where the server did
            java.nio.ByteBuffer queries = java.nio.ByteBuffer.allocate(framed.length * 1000);
            for (int i = 0; i < 1000; i++) {
                queries.put(framed); // 32 MB of answers asked for, none read
            }
            queries.flip();
            long until = System.nanoTime() + 300_000_000L;
            try {
                while (queries.hasRemaining() && System.nanoTime() < until) {
                    greedy.write(queries);
                }
            } catch (IOException closedByTheServer) {
                // the server gave up on it already
            }
            Thread.sleep(1500); // past the 500 ms write deadline
            try (Socket next = new Socket()) {
                next.connect(server.address(), 2000);
                next.setSoTimeout(3000);
                next.getOutputStream().write(framed);
                DataInputStream in = new DataInputStream(next.getInputStream());
                byte[] answer = new byte[in.readUnsignedShort()];
                in.readFully(answer);
                assertEquals(2000, DnsWire.u16(answer, 6), "the source's one slot was given back");
            }
        }
    }
}
