package dev.jovl.driver.dns;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * RFC 1035 wire-format constants and the two low-level helpers everything else uses: reading a
 * (possibly compressed) domain name and reading big-endian 16/32-bit fields.
 */
public final class DnsWire {

    public static final int HEADER_BYTES = 12;
    /** RFC 1035 4.2.1: a UDP message without EDNS is at most 512 bytes. */
    public static final int CLASSIC_UDP_LIMIT = 512;
    /** The EDNS payload size we advertise and honour at most (the DNS flag day 2020 value). */
    public static final int EDNS_UDP_LIMIT = 1232;

    public static final int TYPE_A = 1;
    public static final int TYPE_AAAA = 28;
    public static final int TYPE_OPT = 41;
    public static final int TYPE_ANY = 255;
    public static final int CLASS_IN = 1;
    public static final int CLASS_ANY = 255;

    public static final int RCODE_NOERROR = 0;
    public static final int RCODE_FORMERR = 1;
    public static final int RCODE_SERVFAIL = 2;
    public static final int RCODE_NXDOMAIN = 3;
    public static final int RCODE_NOTIMP = 4;
    public static final int RCODE_REFUSED = 5;

    public static final int FLAG_QR = 0x8000;
    public static final int FLAG_AA = 0x0400;
    public static final int FLAG_TC = 0x0200;
    public static final int FLAG_RD = 0x0100;
    public static final int FLAG_RA = 0x0080;
    public static final int OPCODE_MASK = 0x7800;
    public static final int RCODE_MASK = 0x000F;

    private static final int MAX_NAME_BYTES = 255;
    private static final int MAX_LABEL_BYTES = 63;
    private static final int MAX_POINTER_JUMPS = 32;

    private DnsWire() {}

    public static int u16(byte[] msg, int at) {
        return ((msg[at] & 0xFF) << 8) | (msg[at + 1] & 0xFF);
    }

    public static long u32(byte[] msg, int at) {
        return ((long) u16(msg, at) << 16) | u16(msg, at + 2);
    }

    public static void put16(byte[] msg, int at, int value) {
        msg[at] = (byte) (value >>> 8);
        msg[at + 1] = (byte) value;
    }

    /** A name read from a message: its text form and the offset just after it in the message. */
    public record ParsedName(String text, int end) {}

    /**
     * Reads the name at {@code at}, following compression pointers (which must point backwards,
     * so a loop is impossible). The text is lower-cased ASCII without the trailing dot ({@code ""}
     * for the root), or {@code null} when a label holds a byte that has no plain text form (a dot,
     * a space, a control byte): such a name can never be one of ours and is only forwarded.
     */
    public static ParsedName readName(byte[] msg, int length, int at) throws DnsFormatException {
        StringBuilder text = new StringBuilder();
        boolean plain = true;
        int pos = at;
        int end = -1;
        int nameBytes = 0;
        int jumps = 0;
        while (true) {
            if (pos >= length) {
                throw new DnsFormatException("name runs past the end of the message");
            }
            int len = msg[pos] & 0xFF;
            if ((len & 0xC0) == 0xC0) {
                if (pos + 1 >= length) {
                    throw new DnsFormatException("truncated compression pointer");
                }
                int target = ((len & 0x3F) << 8) | (msg[pos + 1] & 0xFF);
                if (target >= pos || ++jumps > MAX_POINTER_JUMPS) {
                    throw new DnsFormatException("compression pointer does not point backwards");
                }
                if (end < 0) {
                    end = pos + 2;
                }
                pos = target;
                continue;
            }
            if ((len & 0xC0) != 0) {
                throw new DnsFormatException("unsupported label type 0x" + Integer.toHexString(len));
            }
            if (len == 0) {
                if (end < 0) {
                    end = pos + 1;
                }
                break;
            }
            if (len > MAX_LABEL_BYTES) {
                throw new DnsFormatException("label longer than 63 bytes");
            }
            nameBytes += len + 1;
            if (nameBytes + 1 > MAX_NAME_BYTES) {
                throw new DnsFormatException("name longer than 255 bytes");
            }
            if (pos + 1 + len > length) {
                throw new DnsFormatException("label runs past the end of the message");
            }
            if (!text.isEmpty()) {
                text.append('.');
            }
            for (int i = pos + 1; i <= pos + len; i++) {
                int c = msg[i] & 0xFF;
                if (c <= 0x20 || c >= 0x7F || c == '.' || c == '\\') {
                    plain = false;
                }
                text.append((char) (c >= 'A' && c <= 'Z' ? c + 32 : c));
            }
            pos += 1 + len;
        }
        return new ParsedName(plain ? text.toString() : null, end);
    }

    /** Skips one resource record starting at {@code at}; returns the offset after it. */
    public static int skipRecord(byte[] msg, int length, int at) throws DnsFormatException {
        return readRecord(msg, length, at).end();
    }

    /** A resource record: its owner name's text form (see {@link #readName}), fields, data, and the offset after it. */
    public record ResourceRecord(String name, int type, int klass, long ttl, byte[] data, int end) {}

    /** Reads one resource record starting at {@code at}, all of it within {@code length}. */
    public static ResourceRecord readRecord(byte[] msg, int length, int at) throws DnsFormatException {
        ParsedName name = readName(msg, length, at);
        int pos = name.end();
        if (pos + 10 > length) {
            throw new DnsFormatException("truncated resource record");
        }
        int end = pos + 10 + u16(msg, pos + 8);
        if (end > length) {
            throw new DnsFormatException("resource record data runs past the end of the message");
        }
        return new ResourceRecord(
                name.text(),
                u16(msg, pos),
                u16(msg, pos + 2),
                u32(msg, pos + 4),
                Arrays.copyOfRange(msg, pos + 10, end),
                end);
    }

    /**
     * A standard query (recursion desired) with one question for {@code name}'s records of
     * {@code type} in class IN; with {@code edns}, an OPT record offering 4096-byte UDP replies.
     * For clients: the benchmark's convergence probe and the tests.
     */
    public static byte[] query(int id, String name, int type, boolean edns) {
        byte[] qname = encodeName(name);
        byte[] q = new byte[HEADER_BYTES + qname.length + 4 + (edns ? 11 : 0)];
        put16(q, 0, id);
        put16(q, 2, FLAG_RD);
        put16(q, 4, 1);
        put16(q, 10, edns ? 1 : 0);
        System.arraycopy(qname, 0, q, HEADER_BYTES, qname.length);
        int pos = HEADER_BYTES + qname.length;
        put16(q, pos, type);
        put16(q, pos + 2, CLASS_IN);
        if (edns) {
            // root owner (0), TYPE OPT, CLASS = UDP payload size, TTL 0, RDLENGTH 0
            put16(q, pos + 5, TYPE_OPT);
            put16(q, pos + 7, 4096);
        }
        return q;
    }

    /** Encodes a dotted name (no escapes; {@code ""} is the root) in uncompressed wire form. */
    public static byte[] encodeName(String name) {
        String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        byte[] out = new byte[trimmed.isEmpty() ? 1 : trimmed.length() + 2];
        if (trimmed.isEmpty()) {
            return out;
        }
        int pos = 0;
        for (String label : trimmed.split("\\.", -1)) {
            byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
            if (bytes.length == 0 || bytes.length > MAX_LABEL_BYTES) {
                throw new IllegalArgumentException("bad label in DNS name '" + name + "'");
            }
            out[pos++] = (byte) bytes.length;
            System.arraycopy(bytes, 0, out, pos, bytes.length);
            pos += bytes.length;
        }
        out[pos] = 0;
        if (out.length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("DNS name longer than 255 bytes: " + name);
        }
        return out;
    }
}
