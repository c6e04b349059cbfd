package dev.jovl.driver.dns;

import static dev.jovl.driver.dns.DnsWire.*;

/**
 * The parts of a received query the responder needs. Only standard single-question queries are
 * parsed (every resolver in use sends exactly one question; RFC 9619 makes that official).
 *
 * @param name        lower-cased, without trailing dot; {@code null} if it has no plain text form
 * @param questionEnd offset just after the question section, so a response can copy it verbatim
 *                    (which keeps the asker's letter case, as 0x20-randomising resolvers expect)
 * @param ednsUdpSize the EDNS(0) payload size the asker accepts, or 0 if it sent no OPT record
 */
public record DnsQuery(int id, int flags, String name, int qtype, int qclass, int questionEnd, int ednsUdpSize) {

    public int opcode() {
        return (flags & OPCODE_MASK) >>> 11;
    }

    public boolean recursionDesired() {
        return (flags & FLAG_RD) != 0;
    }

    public boolean hasEdns() {
        return ednsUdpSize > 0;
    }

    /** The largest UDP response this asker accepts (RFC 6891 6.2.5: below 512 counts as 512). */
    public int udpLimit() {
        return hasEdns() ? Math.min(Math.max(ednsUdpSize, CLASSIC_UDP_LIMIT), EDNS_UDP_LIMIT) : CLASSIC_UDP_LIMIT;
    }

    /** True when the message is at least a header and has the QR bit clear (a query, not a reply). */
    public static boolean looksLikeQuery(byte[] msg, int length) {
        return length >= HEADER_BYTES && (u16(msg, 2) & FLAG_QR) == 0;
    }

    /**
     * Parses a query. The caller has checked {@link #looksLikeQuery}; anything else wrong with the
     * message is a {@link DnsFormatException}, answered with FORMERR.
     */
    public static DnsQuery parse(byte[] msg, int length) throws DnsFormatException {
        if (!looksLikeQuery(msg, length)) {
            throw new DnsFormatException("not a query");
        }
        int id = u16(msg, 0);
        int flags = u16(msg, 2);
        int questions = u16(msg, 4);
        int answers = u16(msg, 6);
        int authorities = u16(msg, 8);
        int additionals = u16(msg, 10);
        if (questions != 1) {
            throw new DnsFormatException("expected one question, got " + questions);
        }
        ParsedName name = readName(msg, length, HEADER_BYTES);
        int pos = name.end();
        if (pos + 4 > length) {
            throw new DnsFormatException("truncated question");
        }
        int qtype = u16(msg, pos);
        int qclass = u16(msg, pos + 2);
        int questionEnd = pos + 4;
        pos = questionEnd;
        for (int i = 0; i < answers + authorities; i++) {
            pos = skipRecord(msg, length, pos);
        }
        int ednsUdpSize = 0;
        for (int i = 0; i < additionals; i++) {
            int recordStart = pos;
            pos = skipRecord(msg, length, pos);
            // an OPT record has the root name (one zero byte), so its type sits right after it
            if (msg[recordStart] == 0 && u16(msg, recordStart + 1) == TYPE_OPT) {
                if (ednsUdpSize != 0) {
                    throw new DnsFormatException("more than one OPT record");
                }
                ednsUdpSize = Math.max(1, u16(msg, recordStart + 3));
            }
        }
        return new DnsQuery(id, flags, name.text(), qtype, qclass, questionEnd, ednsUdpSize);
    }
}
