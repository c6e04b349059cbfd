package dev.jovl.examples.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.jovl.examples.bench.ConvergenceProbe.Dns;
import dev.jovl.examples.bench.ConvergenceProbe.Options;
import dev.jovl.examples.bench.ConvergenceProbe.Result;
import dev.jovl.examples.bench.ConvergenceProbe.StatusLine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's convergence probe: its DNS query and reply parsing on hand-built messages (the
 * layouts RFC 1035 defines, with compression pointers), its HTTP status check, and whole runs
 * against a real HTTP server on loopback (answers 200, answers 404, nothing listening).
 */
class ConvergenceProbeTest {
    private static final HexFormat HEX = HexFormat.of();

    // ---- DNS ---------------------------------------------------------------------------------------

    @Test
    void queryIsOneQuestionForTheARecordWithRecursionDesired() {
        byte[] q = Dns.query(0xbeef, "conv-jovl-name-3");
        assertEquals(
                "beef" + "0100" + "0001" + "0000" + "0000" + "0000"
                        + "10" + HEX.formatHex("conv-jovl-name-3".getBytes(StandardCharsets.US_ASCII)) + "00"
                        + "0001" + "0001",
                HEX.formatHex(q));
        assertArrayEquals(Dns.query(1, "a.b"), Dns.query(1, "a.b."), "a trailing dot is the same name");
        assertEquals("0161" + "0162" + "00", HEX.formatHex(Arrays.copyOfRange(Dns.query(1, "a.b"), 12, 17)));
    }

    @Test
    void queryRejectsNamesDnsCannotCarry() {
        assertThrows(IllegalArgumentException.class, () -> Dns.query(1, ""));
        assertThrows(IllegalArgumentException.class, () -> Dns.query(1, "a..b"));
        assertThrows(IllegalArgumentException.class, () -> Dns.query(1, "x".repeat(64)));
        assertThrows(IllegalArgumentException.class, () -> Dns.query(1, "has space"));
        assertThrows(IllegalArgumentException.class, () -> Dns.query(1, ("a".repeat(60) + ".").repeat(5)));
    }

    @Test
    void answerWithACompressedOwnerNameGivesItsAddress() throws IOException {
        byte[] reply = reply(
                0x1234,
                0x8180,
                "web",
                1,
                "c00c" + "0001" + "0001" + "00000258" + "0004" + "0a470096"); // web A 10.71.0.150
        Optional<Dns.Reply> r = Dns.parseReply(reply, reply.length, 0x1234, "web");
        assertTrue(r.isPresent());
        assertEquals(0, r.get().rcode());
        assertEquals(InetAddress.ofLiteral("10.71.0.150"), r.get().address());
        assertTrue(Dns.parseReply(reply, reply.length, 0x1234, "WEB.").isPresent(), "names compare case-insensitively");
    }

    @Test
    void theFirstARecordCountsAndOtherRecordsAreSkipped() throws IOException {
        // answers from offset 21: web AAAA (21..48), web CNAME host.web (49..67; its rdata at 61 is the
        // label "host" then a pointer to "web" at 12), then host.web A twice, owner a pointer to 61
        String cname = "c00c" + "0005" + "0001" + "0000003c" + "0007" + "04" + hex("host") + "c00c";
        String a1 = "c03d" + "0001" + "0001" + "0000003c" + "0004" + "0a000001"; // owner: pointer into the CNAME rdata
        String a2 = "c03d" + "0001" + "0001" + "0000003c" + "0004" + "0a000002";
        String aaaa = "c00c" + "001c" + "0001" + "0000003c" + "0010" + "fd00".repeat(8);
        byte[] reply = reply(7, 0x8180, "web", 4, aaaa + cname + a1 + a2);
        assertEquals(
                InetAddress.ofLiteral("10.0.0.1"),
                Dns.parseReply(reply, reply.length, 7, "web").orElseThrow().address());
    }

    @Test
    void errorRepliesAndEmptyAnswersGiveNoAddress() {
        byte[] nx = reply(9, 0x8183, "nosuch", 0, ""); // NXDOMAIN
        assertEquals(
                new Dns.Reply(Dns.RCODE_NXDOMAIN, null),
                Dns.parseReply(nx, nx.length, 9, "nosuch").orElseThrow());
        byte[] servfail = reply(9, 0x8182, "nosuch", 0, "");
        assertEquals(
                2,
                Dns.parseReply(servfail, servfail.length, 9, "nosuch")
                        .orElseThrow()
                        .rcode());
        byte[] noData = reply(9, 0x8180, "web", 0, "");
        assertEquals(
                new Dns.Reply(0, null),
                Dns.parseReply(noData, noData.length, 9, "web").orElseThrow());
    }

    @Test
    void messagesThatAreNotTheReplyToThisQueryAreIgnored() {
        byte[] ok = reply(5, 0x8180, "web", 1, "c00c" + "0001" + "0001" + "00000258" + "0004" + "0a470096");
        assertTrue(Dns.parseReply(ok, ok.length, 6, "web").isEmpty(), "another query id (a late reply)");
        assertTrue(Dns.parseReply(ok, ok.length, 5, "other").isEmpty(), "another question");
        byte[] query = Dns.query(5, "web");
        assertTrue(Dns.parseReply(query, query.length, 5, "web").isEmpty(), "a query, not a response");
        byte[] aaaaQuestion = reply(5, 0x8180, "web", 0, "");
        aaaaQuestion[12 + 5 + 1] = 0x1c; // question type AAAA
        assertTrue(
                Dns.parseReply(aaaaQuestion, aaaaQuestion.length, 5, "web").isEmpty(), "a question for another type");
    }

    @Test
    void truncatedOrLoopingMessagesAreNotReplies() {
        byte[] ok = reply(5, 0x8180, "web", 1, "c00c" + "0001" + "0001" + "00000258" + "0004" + "0a470096");
        for (int len = 0; len < ok.length; len++) {
            assertTrue(Dns.parseReply(ok, len, 5, "web").isEmpty(), "cut at " + len);
        }
        // the answer name (offset 21) is a pointer to itself
        byte[] loop = reply(5, 0x8180, "web", 1, "c015" + "0001" + "0001" + "00000258" + "0004" + "0a470096");
        assertTrue(Dns.parseReply(loop, loop.length, 5, "web").isEmpty());
        byte[] outside = reply(5, 0x8180, "web", 1, "cfff" + "0001" + "0001" + "00000258" + "0004" + "0a470096");
        assertTrue(Dns.parseReply(outside, outside.length, 5, "web").isEmpty(), "a pointer past the end");
        byte[] reservedLabel = reply(5, 0x8180, "web", 1, "4000" + "0001" + "0001" + "00000258" + "0004" + "0a470096");
        assertTrue(Dns.parseReply(reservedLabel, reservedLabel.length, 5, "web").isEmpty());
    }

    // ---- HTTP --------------------------------------------------------------------------------------

    @Test
    void statusLineIsReadOnceWholeAndOnly200Counts() {
        ByteBuffer b = ByteBuffer.allocate(64);
        b.put("HTTP/1.0 200".getBytes(StandardCharsets.US_ASCII));
        assertNull(StatusLine.of(b), "no line end yet");
        b.put(" OK\r\nServer: x\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("HTTP/1.0 200 OK", StatusLine.of(b));
        assertTrue(StatusLine.isOk("HTTP/1.0 200 OK"));
        assertTrue(StatusLine.isOk("HTTP/1.1 200"));
        assertFalse(StatusLine.isOk("HTTP/1.1 404 Not Found"));
        assertFalse(StatusLine.isOk("HTTP/1.1 2000 OK"));
        assertFalse(StatusLine.isOk("HTTP/2 200"));
        assertFalse(StatusLine.isOk(null));
    }

    @Test
    void aServerThatAnswers200IsFoundAndTimed() throws IOException {
        HttpServer server = server(200);
        try {
            long before = System.currentTimeMillis();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Result r = ConvergenceProbe.run(
                    options("127.0.0.1", server.getAddress().getPort(), 5000), new PrintStream(out));
            assertEquals("ready\n", out.toString(StandardCharsets.US_ASCII).replace("\r", ""));
            assertTrue(r.answered(), r.counters());
            assertEquals(InetAddress.ofLiteral("127.0.0.1"), r.answeredBy());
            assertTrue(r.answeredAtEpochMs() >= before && r.answeredAtEpochMs() <= System.currentTimeMillis());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aServerAnsweringAnotherStatusIsNotAnAnswer() throws IOException {
        HttpServer server = server(404);
        try {
            Result r = ConvergenceProbe.run(
                    options("127.0.0.1", server.getAddress().getPort(), 300), nowhere());
            assertFalse(r.answered());
            assertTrue(r.httpAttempts() >= 3 && r.httpRefusedOrFailed() >= 3, r.counters());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void nothingListeningEndsInATimeoutAfterManyTries() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // free once closed
        }
        long t0 = System.nanoTime();
        Result r = ConvergenceProbe.run(options("127.0.0.1", port, 300), nowhere());
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertFalse(r.answered());
        assertTrue(tookMs >= 300 && tookMs < 5000, "bounded: " + tookMs + " ms");
        assertTrue(r.httpAttempts() >= 5, "a refused connect is retried on the next tick: " + r.counters());
    }

    @Test
    void badArgumentsAreRejectedWithAReason() {
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"ip"}));
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"host", "x"}));
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"ip", "web"}));
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"name", "a..b"}));
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"ip", "10.0.0.1", "--port"}));
        assertThrows(
                IllegalArgumentException.class, () -> Options.parse(new String[] {"ip", "10.0.0.1", "--port", "0"}));
        assertThrows(
                IllegalArgumentException.class, () -> Options.parse(new String[] {"ip", "10.0.0.1", "--bogus", "1"}));
        Options o = Options.parse(new String[] {"name", "web", "--timeout-ms", "500", "--dns-server", "127.0.0.53"});
        assertTrue(o.byName());
        assertEquals(500, o.timeoutMs());
        assertEquals(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.53"), 53), o.dnsServer());
        assertEquals(10, o.intervalMs());
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /** A reply with header flags {@code flags}, the question {@code name} A IN, and answer records in hex. */
    private static byte[] reply(int id, int flags, String name, int ancount, String answersHex) {
        byte[] q = Dns.query(id, name);
        ByteBuffer b = ByteBuffer.wrap(q);
        b.putShort(2, (short) flags).putShort(6, (short) ancount);
        return HEX.parseHex(HEX.formatHex(q) + answersHex);
    }

    private static String hex(String s) {
        return HEX.formatHex(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static Options options(String ip, int port, int timeoutMs) {
        return Options.parse(
                new String[] {"ip", ip, "--port", String.valueOf(port), "--timeout-ms", String.valueOf(timeoutMs)});
    }

    private static HttpServer server(int status) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        s.createContext("/", ex -> {
            byte[] body = "jex ok\n".getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        s.start();
        return s;
    }

    private static PrintStream nowhere() {
        return new PrintStream(new ByteArrayOutputStream());
    }
}
