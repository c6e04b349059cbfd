package dev.jovl.driver.dns;

import static dev.jovl.driver.dns.DnsWire.*;

import java.io.ByteArrayOutputStream;
import java.util.List;

/** Builds the responses jovl itself gives: answers for known names and error responses. */
public final class DnsResponses {

    private DnsResponses() {}

    /**
     * An authoritative answer with one A or AAAA record per address (4 or 16 bytes each). An empty
     * list is a NODATA answer: the name exists, but not with that type. If the answer does not fit
     * in {@code limit} bytes, it is sent with TC set and no records, so the asker retries over TCP.
     */
    public static byte[] answer(byte[] query, DnsQuery q, List<byte[]> addresses, int ttlSeconds, int limit) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + addresses.size() * 28);
        writeHeader(out, q, RCODE_NOERROR, FLAG_AA, addresses.size());
        out.write(query, HEADER_BYTES, q.questionEnd() - HEADER_BYTES);
        for (byte[] address : addresses) {
            int type = address.length == 4 ? TYPE_A : TYPE_AAAA;
            // 0xC00C: a compression pointer to the question's name at offset 12
            write16(out, 0xC00C);
            write16(out, type);
            write16(out, CLASS_IN);
            write16(out, ttlSeconds >>> 16);
            write16(out, ttlSeconds & 0xFFFF);
            write16(out, address.length);
            out.write(address, 0, address.length);
        }
        writeOptIfAsked(out, q);
        byte[] response = out.toByteArray();
        if (response.length <= limit) {
            return response;
        }
        return truncated(query, q, RCODE_NOERROR, FLAG_AA);
    }

    /**
     * {@code response} if it fits in {@code limit} bytes, else the same rcode with TC set, the
     * question and no records: what a UDP asker may receive is never more than it allows, however
     * big the upstream's answer (no amplification through jovl).
     */
    public static byte[] fitted(byte[] response, byte[] query, DnsQuery q, int limit) {
        if (response.length <= limit) {
            return response;
        }
        int rcode = response.length >= HEADER_BYTES ? u16(response, 2) & RCODE_MASK : RCODE_SERVFAIL;
        return truncated(query, q, rcode, 0);
    }

    /** The header with TC, the question and (if asked) OPT: the asker retries over TCP. */
    private static byte[] truncated(byte[] query, DnsQuery q, int rcode, int extraFlags) {
        ByteArrayOutputStream truncated = new ByteArrayOutputStream(q.questionEnd() + 11);
        writeHeader(truncated, q, rcode, extraFlags | FLAG_TC, 0);
        truncated.write(query, HEADER_BYTES, q.questionEnd() - HEADER_BYTES);
        writeOptIfAsked(truncated, q);
        return truncated.toByteArray();
    }

    /** An error response for a parsed query, repeating its question. */
    public static byte[] error(byte[] query, DnsQuery q, int rcode) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(q.questionEnd() + 11);
        writeHeader(out, q, rcode, 0, 0);
        out.write(query, HEADER_BYTES, q.questionEnd() - HEADER_BYTES);
        writeOptIfAsked(out, q);
        return out.toByteArray();
    }

    /**
     * An error response for a query that could not be parsed: the header alone, with the asker's
     * id, opcode and RD bit (RFC 1035 4.1.1 allows the question to be left out here).
     */
    public static byte[] headerOnlyError(byte[] query, int rcode) {
        byte[] out = new byte[HEADER_BYTES];
        int flags = u16(query, 2);
        put16(out, 0, u16(query, 0));
        put16(out, 2, FLAG_QR | (flags & OPCODE_MASK) | (flags & FLAG_RD) | FLAG_RA | rcode);
        return out;
    }

    private static void writeHeader(ByteArrayOutputStream out, DnsQuery q, int rcode, int extraFlags, int answers) {
        write16(out, q.id());
        write16(out, FLAG_QR | (q.flags() & OPCODE_MASK) | (q.flags() & FLAG_RD) | FLAG_RA | extraFlags | rcode);
        write16(out, 1);
        write16(out, answers);
        write16(out, 0);
        write16(out, q.hasEdns() ? 1 : 0);
    }

    /** RFC 6891 7: a responder that understands EDNS answers an EDNS query with an OPT record. */
    private static void writeOptIfAsked(ByteArrayOutputStream out, DnsQuery q) {
        if (!q.hasEdns()) {
            return;
        }
        out.write(0); // root name
        write16(out, TYPE_OPT);
        write16(out, EDNS_UDP_LIMIT); // our payload size
        write16(out, 0); // extended rcode 0, version 0
        write16(out, 0); // no flags (DO clear)
        write16(out, 0); // no options
    }

    private static void write16(ByteArrayOutputStream out, int value) {
        out.write(value >>> 8);
        out.write(value);
    }
}
