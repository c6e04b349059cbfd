package dev.jovl.netlink;

import static dev.jovl.netlink.Rtnl.*;

import dev.jovl.net.MacAddress;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/** Encodes and decodes RTM_*NEIGH messages for IP neighbours and FDB entries, and RTM_*ADDR for addresses. */
final class NeighbourCodec {
    private NeighbourCodec() {}

    static int family(InetAddress ip) {
        return ip instanceof Inet4Address ? AF_INET : AF_INET6;
    }

    /** Body of RTM_NEWNEIGH / RTM_DELNEIGH for a permanent IP neighbour. */
    static void writeNeighbour(MessageWriter w, int ifindex, InetAddress ip, MacAddress mac) {
        w.ndmsg(family(ip), ifindex, mac == null ? 0 : NUD_PERMANENT, 0, 0);
        w.address(NDA_DST, ip);
        if (mac != null) {
            w.bytes(NDA_LLADDR, mac.bytes());
        }
    }

    /** Body of RTM_NEWNEIGH / RTM_DELNEIGH for an FDB entry in the device's own table (NTF_SELF). */
    static void writeFdb(MessageWriter w, int ifindex, MacAddress mac, InetAddress vtep, boolean add, int ntfFlags) {
        w.ndmsg(AF_BRIDGE, ifindex, add ? NUD_PERMANENT : 0, ntfFlags, 0);
        w.bytes(NDA_LLADDR, mac.bytes());
        if (vtep != null) {
            w.address(NDA_DST, vtep);
        }
    }

    static Neighbour decodeNeighbour(ByteBuffer buf, int off, int len) {
        int body = off + NLMSG_HDRLEN;
        int family = Byte.toUnsignedInt(buf.get(body));
        if (family != AF_INET && family != AF_INET6) {
            return null;
        }
        int ifindex = buf.getInt(body + 4);
        int state = Short.toUnsignedInt(buf.getShort(body + 8));
        Attributes a = Attributes.parse(buf, body + NDMSG_LEN, off + len);
        InetAddress ip = a.address(NDA_DST);
        return ip == null ? null : new Neighbour(ifindex, ip, a.mac(NDA_LLADDR), state);
    }

    static FdbEntry decodeFdb(ByteBuffer buf, int off, int len) {
        int body = off + NLMSG_HDRLEN;
        if (Byte.toUnsignedInt(buf.get(body)) != AF_BRIDGE) {
            return null;
        }
        int ifindex = buf.getInt(body + 4);
        int state = Short.toUnsignedInt(buf.getShort(body + 8));
        int flags = Byte.toUnsignedInt(buf.get(body + 10));
        Attributes a = Attributes.parse(buf, body + NDMSG_LEN, off + len);
        MacAddress mac = a.mac(NDA_LLADDR);
        return mac == null
                ? null
                : new FdbEntry(
                        ifindex, mac, a.address(NDA_DST), state, flags, a.u32(NDA_MASTER, 0), a.u32(NDA_VNI, -1));
    }

    static void writeAddress(MessageWriter w, int ifindex, InetAddress ip, int prefixLength) {
        int family = family(ip);
        int max = family == AF_INET ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range 0.." + max);
        }
        w.ifaddrmsg(family, prefixLength, 0, 0, ifindex);
        w.address(IFA_LOCAL, ip);
        w.address(IFA_ADDRESS, ip);
    }

    static LinkAddress decodeAddress(ByteBuffer buf, int off, int len) {
        int body = off + NLMSG_HDRLEN;
        int prefix = Byte.toUnsignedInt(buf.get(body + 1));
        int ifindex = buf.getInt(body + 4);
        Attributes a = Attributes.parse(buf, body + IFADDRMSG_LEN, off + len);
        // for IPv4 IFA_LOCAL is the address and IFA_ADDRESS the peer; IPv6 has only IFA_ADDRESS
        InetAddress ip = a.has(IFA_LOCAL) ? a.address(IFA_LOCAL) : a.address(IFA_ADDRESS);
        return ip == null ? null : new LinkAddress(ifindex, ip, prefix);
    }
}
