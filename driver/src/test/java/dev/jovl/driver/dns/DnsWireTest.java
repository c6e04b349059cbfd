package dev.jovl.driver.dns;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DnsWireTest {

    @Test
    void readsPlainNameLowerCased() throws Exception {
        byte[] msg = concat(new byte[12], DnsWire.encodeName("Web.MyStack1"));
        DnsWire.ParsedName name = DnsWire.readName(msg, msg.length, 12);
        assertEquals("web.mystack1", name.text());
        assertEquals(msg.length, name.end());
    }

    @Test
    void followsBackwardCompressionPointer() throws Exception {
        // offset 12: "mystack1" root; offset 22: "web" + pointer to 12
        byte[] first = DnsWire.encodeName("mystack1");
        byte[] second = {3, 'w', 'e', 'b', (byte) 0xC0, 12};
        byte[] msg = concat(new byte[12], first, second);
        DnsWire.ParsedName name = DnsWire.readName(msg, msg.length, 12 + first.length);
        assertEquals("web.mystack1", name.text());
        assertEquals(msg.length, name.end(), "end is just after the pointer, not after its target");
    }

    @Test
    void queryHasOneQuestionAndAnOptRecordOnlyWithEdns() throws Exception {
        byte[] plain = DnsWire.query(0xbeef, "web.mystack1", DnsWire.TYPE_AAAA, false);
        assertEquals(0xbeef, DnsWire.u16(plain, 0));
        assertEquals(DnsWire.FLAG_RD, DnsWire.u16(plain, 2));
        assertEquals(
                List.of(1, 0, 0, 0),
                List.of(DnsWire.u16(plain, 4), DnsWire.u16(plain, 6), DnsWire.u16(plain, 8), DnsWire.u16(plain, 10)));
        DnsWire.ParsedName q = DnsWire.readName(plain, plain.length, 12);
        assertEquals("web.mystack1", q.text());
        assertEquals(DnsWire.TYPE_AAAA, DnsWire.u16(plain, q.end()));
        assertEquals(DnsWire.CLASS_IN, DnsWire.u16(plain, q.end() + 2));
        assertEquals(plain.length, q.end() + 4);
        byte[] edns = DnsWire.query(1, "web", DnsWire.TYPE_A, true);
        assertEquals(1, DnsWire.u16(edns, 10));
        DnsWire.ResourceRecord opt = DnsWire.readRecord(
                edns, edns.length, DnsWire.readName(edns, edns.length, 12).end() + 4);
        assertEquals("", opt.name());
        assertEquals(DnsWire.TYPE_OPT, opt.type());
        assertEquals(4096, opt.klass(), "OPT's class is the UDP payload size");
        assertEquals(0, opt.data().length);
        assertEquals(edns.length, opt.end());
    }

    @Test
    void readsAResourceRecordAndRefusesOneThatRunsPastTheEnd() throws Exception {
        byte[] record = {(byte) 0xC0, 12, 0, 1, 0, 1, 0, 0, 2, 0x58, 0, 4, 10, 71, 0, (byte) 150};
        byte[] msg = concat(new byte[12], DnsWire.encodeName("web"), record);
        DnsWire.ResourceRecord r = DnsWire.readRecord(msg, msg.length, 17);
        assertEquals("web", r.name());
        assertEquals(List.of(DnsWire.TYPE_A, DnsWire.CLASS_IN, 600L), List.of(r.type(), r.klass(), r.ttl()));
        assertArrayEquals(new byte[] {10, 71, 0, (byte) 150}, r.data());
        assertEquals(msg.length, r.end());
        assertEquals(msg.length, DnsWire.skipRecord(msg, msg.length, 17));
        for (int cut = 18; cut < msg.length; cut++) {
            int length = cut;
            assertThrows(DnsFormatException.class, () -> DnsWire.readRecord(msg, length, 17), "cut at " + cut);
        }
    }

    @Test
    void refusesPointerLoopsAndForwardPointers() {
        byte[] self = concat(new byte[12], new byte[] {(byte) 0xC0, 12});
        assertThrows(DnsFormatException.class, () -> DnsWire.readName(self, self.length, 12));
        byte[] forward = concat(new byte[12], new byte[] {(byte) 0xC0, 14, 0});
        assertThrows(DnsFormatException.class, () -> DnsWire.readName(forward, forward.length, 12));
    }

    @Test
    void refusesTruncatedAndOversizedLabels() {
        byte[] truncated = concat(new byte[12], new byte[] {5, 'a', 'b'});
        assertThrows(DnsFormatException.class, () -> DnsWire.readName(truncated, truncated.length, 12));
        byte[] extended = concat(new byte[12], new byte[] {0x41, 0});
        assertThrows(DnsFormatException.class, () -> DnsWire.readName(extended, extended.length, 12));
        byte[] longName = new byte[12 + 5 * 64 + 1];
        for (int i = 0; i < 5; i++) {
            longName[12 + i * 64] = 63;
            Arrays.fill(longName, 13 + i * 64, 12 + (i + 1) * 64, (byte) 'a');
        }
        assertThrows(DnsFormatException.class, () -> DnsWire.readName(longName, longName.length, 12));
    }

    @Test
    void nameWithDotInsideALabelHasNoTextForm() throws Exception {
        byte[] msg = concat(new byte[12], new byte[] {3, 'a', '.', 'b', 0});
        assertNull(DnsWire.readName(msg, msg.length, 12).text(), "a.b as one label must not match a.b");
    }

    @Test
    void encodesRootAndRefusesEmptyLabels() {
        assertArrayEquals(new byte[] {0}, DnsWire.encodeName(""));
        assertArrayEquals(new byte[] {1, 'a', 0}, DnsWire.encodeName("a."));
        assertThrows(IllegalArgumentException.class, () -> DnsWire.encodeName("a..b"));
    }

    @Test
    void parsesQueryWithEdns() throws Exception {
        byte[] q = DnsTestClient.query(0xBEEF, "Web", DnsWire.TYPE_AAAA, true);
        DnsQuery query = DnsQuery.parse(q, q.length);
        assertEquals(0xBEEF, query.id());
        assertEquals("web", query.name());
        assertEquals(DnsWire.TYPE_AAAA, query.qtype());
        assertEquals(DnsWire.CLASS_IN, query.qclass());
        assertTrue(query.recursionDesired());
        assertEquals(4096, query.ednsUdpSize());
        assertEquals(DnsWire.EDNS_UDP_LIMIT, query.udpLimit());
        assertEquals(12 + 5 + 4, query.questionEnd());
    }

    @Test
    void refusesNonQueriesAndBadQuestionCounts() {
        byte[] q = DnsTestClient.query(1, "web", DnsWire.TYPE_A, false);
        byte[] response = q.clone();
        response[2] |= (byte) 0x80;
        assertFalse(DnsQuery.looksLikeQuery(response, response.length));
        assertFalse(DnsQuery.looksLikeQuery(q, 11));
        byte[] twoQuestions = q.clone();
        twoQuestions[5] = 2;
        assertThrows(DnsFormatException.class, () -> DnsQuery.parse(twoQuestions, twoQuestions.length));
        assertThrows(DnsFormatException.class, () -> DnsQuery.parse(q, q.length - 1), "cut inside the question");
        byte[] claimsOpt = q.clone();
        claimsOpt[11] = 1; // says there is an additional record, but there is none
        assertThrows(DnsFormatException.class, () -> DnsQuery.parse(claimsOpt, claimsOpt.length));
    }

    @Test
    void answerCopiesQuestionAndPointsAtIt() throws Exception {
        byte[] q = DnsTestClient.query(7, "WeB.myStack1", DnsWire.TYPE_A, false);
        DnsQuery query = DnsQuery.parse(q, q.length);
        byte[] response =
                DnsResponses.answer(q, query, List.of(new byte[] {10, 0, 0, 2}, new byte[] {10, 0, 0, 3}), 2, 512);
        DnsTestClient.Reply reply = DnsTestClient.decode(response);
        assertEquals(7, reply.id());
        assertEquals(DnsWire.RCODE_NOERROR, reply.rcode());
        assertTrue(reply.authoritative());
        assertTrue((reply.flags() & DnsWire.FLAG_QR) != 0);
        assertTrue((reply.flags() & DnsWire.FLAG_RD) != 0, "RD is copied");
        assertEquals(2, reply.answers().size());
        assertEquals("web.mystack1", reply.answers().get(0).name());
        assertArrayEquals(new byte[] {10, 0, 0, 3}, reply.answers().get(1).data());
        assertEquals(2, reply.answers().get(0).ttl());
        // the asker's spelling is kept in the question
        assertArrayEquals(
                Arrays.copyOfRange(q, 12, query.questionEnd()), Arrays.copyOfRange(response, 12, query.questionEnd()));
    }

    @Test
    void answerTooLargeForUdpIsTruncatedWithoutRecords() throws Exception {
        byte[] q = DnsTestClient.query(9, "db", DnsWire.TYPE_AAAA, false);
        DnsQuery query = DnsQuery.parse(q, q.length);
        List<byte[]> many = java.util.stream.IntStream.range(0, 30)
                .mapToObj(i -> new byte[16])
                .toList();
        DnsTestClient.Reply reply = DnsTestClient.decode(DnsResponses.answer(q, query, many, 2, 512));
        assertTrue(reply.truncated());
        assertEquals(0, reply.answers().size());
        DnsTestClient.Reply full = DnsTestClient.decode(DnsResponses.answer(q, query, many, 2, 65535));
        assertFalse(full.truncated());
        assertEquals(30, full.answers().size());
    }

    @Test
    void ednsQueryGetsAnOptRecordBack() throws Exception {
        byte[] q = DnsTestClient.query(9, "web", DnsWire.TYPE_A, true);
        DnsQuery query = DnsQuery.parse(q, q.length);
        DnsTestClient.Reply reply = DnsTestClient.decode(DnsResponses.answer(q, query, List.of(new byte[4]), 2, 1232));
        assertEquals(1, reply.additionals());
        DnsTestClient.Reply error = DnsTestClient.decode(DnsResponses.error(q, query, DnsWire.RCODE_SERVFAIL));
        assertEquals(DnsWire.RCODE_SERVFAIL, error.rcode());
        assertEquals(1, error.additionals());
        assertFalse(error.authoritative());
    }

    @Test
    void headerOnlyErrorKeepsIdAndOpcode() throws Exception {
        byte[] q = DnsTestClient.query(0x1234, "web", DnsWire.TYPE_A, false);
        q[2] |= 0x10; // opcode 2 (status)
        DnsTestClient.Reply reply = DnsTestClient.decode(DnsResponses.headerOnlyError(q, DnsWire.RCODE_FORMERR));
        assertEquals(0x1234, reply.id());
        assertEquals(DnsWire.RCODE_FORMERR, reply.rcode());
        assertEquals(0x1000, reply.flags() & DnsWire.OPCODE_MASK);
    }

    private static byte[] concat(byte[]... parts) {
        int length = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        byte[] out = new byte[length];
        int pos = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, pos, part.length);
            pos += part.length;
        }
        return out;
    }
}
