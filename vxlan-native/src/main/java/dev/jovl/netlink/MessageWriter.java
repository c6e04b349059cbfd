package dev.jovl.netlink;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds netlink messages (nlmsghdr + family header + attributes) into one growable buffer in host
 * byte order. Several messages may be written back to back: that is how requests are pipelined.
 *
 * <pre>
 *   int m = w.begin(RTM_NEWLINK, flags, seq);
 *   w.ifinfomsg(AF_UNSPEC, 0, 0, 0);
 *   w.string(IFLA_IFNAME, "br0");
 *   int li = w.nest(IFLA_LINKINFO); w.rawString(IFLA_INFO_KIND, "bridge"); w.endNest(li);
 *   w.end(m);
 * </pre>
 * Every attribute is padded to 4 bytes; {@link #end} and {@link #endNest} write the lengths.
 */
final class MessageWriter {
    private byte[] data = new byte[4096];
    private ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
    private int pos;

    void reset() {
        pos = 0;
    }

    int size() {
        return pos;
    }

    byte[] array() {
        return data;
    }

    private void ensure(int more) {
        if (pos + more > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length * 2, pos + more + 1024));
            buf = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
        }
    }

    private void pad() {
        int aligned = (pos + 3) & ~3;
        ensure(aligned - pos);
        while (pos < aligned) {
            data[pos++] = 0;
        }
    }

    /** Starts a message; returns its offset for {@link #end}. */
    int begin(int type, int flags, int seq) {
        pad();
        int start = pos;
        ensure(Rtnl.NLMSG_HDRLEN);
        buf.putInt(pos, 0);
        buf.putShort(pos + 4, (short) type);
        buf.putShort(pos + 6, (short) flags);
        buf.putInt(pos + 8, seq);
        buf.putInt(pos + 12, 0); // port id 0: addressed to the kernel
        pos += Rtnl.NLMSG_HDRLEN;
        return start;
    }

    /** Closes the message started at {@code start}: writes its total length. */
    void end(int start) {
        buf.putInt(start, pos - start);
        pad();
    }

    void ifinfomsg(int family, int index, int flags, int change) {
        ensure(Rtnl.IFINFOMSG_LEN);
        buf.put(pos, (byte) family);
        buf.put(pos + 1, (byte) 0);
        buf.putShort(pos + 2, (short) 0);
        buf.putInt(pos + 4, index);
        buf.putInt(pos + 8, flags);
        buf.putInt(pos + 12, change);
        pos += Rtnl.IFINFOMSG_LEN;
    }

    void ifaddrmsg(int family, int prefixLength, int flags, int scope, int index) {
        ensure(Rtnl.IFADDRMSG_LEN);
        buf.put(pos, (byte) family);
        buf.put(pos + 1, (byte) prefixLength);
        buf.put(pos + 2, (byte) flags);
        buf.put(pos + 3, (byte) scope);
        buf.putInt(pos + 4, index);
        pos += Rtnl.IFADDRMSG_LEN;
    }

    /** struct rtgenmsg: one family byte, padded to 4 bytes as the kernel expects. */
    void rtgenmsg(int family) {
        ensure(Rtnl.RTGENMSG_LEN);
        buf.putInt(pos, 0);
        buf.put(pos, (byte) family);
        pos += Rtnl.RTGENMSG_LEN;
    }

    void ndmsg(int family, int index, int state, int flags, int type) {
        ensure(Rtnl.NDMSG_LEN);
        buf.put(pos, (byte) family);
        buf.put(pos + 1, (byte) 0);
        buf.putShort(pos + 2, (short) 0);
        buf.putInt(pos + 4, index);
        buf.putShort(pos + 8, (short) state);
        buf.put(pos + 10, (byte) flags);
        buf.put(pos + 11, (byte) type);
        pos += Rtnl.NDMSG_LEN;
    }

    private void header(int type, int payload) {
        pad();
        ensure(4 + payload + 3);
        buf.putShort(pos, (short) (4 + payload));
        buf.putShort(pos + 2, (short) type);
        pos += 4;
    }

    void bytes(int type, byte[] value) {
        header(type, value.length);
        System.arraycopy(value, 0, data, pos, value.length);
        pos += value.length;
        pad();
    }

    void u8(int type, int value) {
        header(type, 1);
        data[pos++] = (byte) value;
        pad();
    }

    void u16(int type, int value) {
        header(type, 2);
        buf.putShort(pos, (short) value);
        pos += 2;
        pad();
    }

    /** A 16-bit value in network byte order (ports). */
    void u16be(int type, int value) {
        header(type, 2);
        data[pos] = (byte) (value >>> 8);
        data[pos + 1] = (byte) value;
        pos += 2;
        pad();
    }

    void u32(int type, int value) {
        header(type, 4);
        buf.putInt(pos, value);
        pos += 4;
        pad();
    }

    /** A NUL-terminated string (IFLA_IFNAME). */
    void string(int type, String value) {
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        header(type, b.length + 1);
        System.arraycopy(b, 0, data, pos, b.length);
        data[pos + b.length] = 0;
        pos += b.length + 1;
        pad();
    }

    /** A string without terminator (IFLA_INFO_KIND, as iproute2 sends it). */
    void rawString(int type, String value) {
        bytes(type, value.getBytes(StandardCharsets.UTF_8));
    }

    void address(int type, InetAddress address) {
        bytes(type, address.getAddress());
    }

    /** Starts a nested attribute; close it with {@link #endNest}. */
    int nest(int type) {
        header(type, 0);
        return pos - 4;
    }

    /** Closes a nested attribute: writes its 16-bit length. */
    void endNest(int start) {
        buf.putShort(start, (short) (pos - start));
        pad();
    }
}
