package dev.jovl.netlink;

import dev.jovl.net.MacAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Index of the attributes (rtattr/nlattr) in one region of a received message: type -> (offset,
 * length) of the payload. Last occurrence wins, which is fine for the attributes read here.
 */
final class Attributes {
    private final ByteBuffer buf;
    private int[] offset = new int[64];
    private int[] length = new int[64];

    private Attributes(ByteBuffer buf) {
        this.buf = buf;
        Arrays.fill(offset, -1);
    }

    static Attributes parse(ByteBuffer buf, int from, int to) {
        Attributes a = new Attributes(buf);
        int p = from;
        while (p + 4 <= to) {
            int len = Short.toUnsignedInt(buf.getShort(p));
            int type = Short.toUnsignedInt(buf.getShort(p + 2)) & Rtnl.NLA_TYPE_MASK;
            if (len < 4 || p + len > to) {
                break; // malformed tail: ignore rather than read past the message
            }
            a.put(type, p + 4, len - 4);
            p += (len + 3) & ~3;
        }
        return a;
    }

    private void put(int type, int off, int len) {
        if (type >= offset.length) {
            int n = Math.max(type + 1, offset.length * 2);
            int old = offset.length;
            offset = Arrays.copyOf(offset, n);
            length = Arrays.copyOf(length, n);
            Arrays.fill(offset, old, n, -1);
        }
        offset[type] = off;
        length[type] = len;
    }

    boolean has(int type) {
        return type < offset.length && offset[type] >= 0;
    }

    int length(int type) {
        return has(type) ? length[type] : -1;
    }

    int u8(int type, int absent) {
        return has(type) && length[type] >= 1 ? Byte.toUnsignedInt(buf.get(offset[type])) : absent;
    }

    int u16(int type, int absent) {
        return has(type) && length[type] >= 2 ? Short.toUnsignedInt(buf.getShort(offset[type])) : absent;
    }

    int u16be(int type, int absent) {
        if (!has(type) || length[type] < 2) {
            return absent;
        }
        int o = offset[type];
        return (Byte.toUnsignedInt(buf.get(o)) << 8) | Byte.toUnsignedInt(buf.get(o + 1));
    }

    int u32(int type, int absent) {
        return has(type) && length[type] >= 4 ? buf.getInt(offset[type]) : absent;
    }

    byte[] bytes(int type) {
        if (!has(type)) {
            return null;
        }
        byte[] b = new byte[length[type]];
        buf.get(offset[type], b);
        return b;
    }

    /** A string attribute, with or without its NUL terminator. */
    String string(int type) {
        if (!has(type)) {
            return null;
        }
        int o = offset[type];
        int n = length[type];
        while (n > 0 && buf.get(o + n - 1) == 0) {
            n--;
        }
        byte[] b = new byte[n];
        buf.get(o, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A 4- or 16-byte address attribute, or null. */
    InetAddress address(int type) {
        byte[] b = bytes(type);
        if (b == null || (b.length != 4 && b.length != 16)) {
            return null;
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen for 4/16 bytes
        }
    }

    MacAddress mac(int type) {
        byte[] b = bytes(type);
        return b != null && b.length == 6 ? MacAddress.of(b) : null;
    }

    Attributes nested(int type) {
        if (!has(type)) {
            return null;
        }
        return parse(buf, offset[type], offset[type] + length[type]);
    }
}
