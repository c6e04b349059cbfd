package dev.jovl.net;

import java.math.BigInteger;
import java.util.Objects;

/**
 * An IPv4 or IPv6 address as an unsigned integer of 32 or 128 bits.
 *
 * <p>Parsed by hand on purpose: {@code InetAddress.getByName} would resolve host names through
 * DNS and accept forms (octal, short IPv4) that Docker never sends and users do not mean.
 * Formatting follows RFC 5952 (lower case, longest zero run compressed), the form Go prints.
 */
public final class IpAddress implements Comparable<IpAddress> {

    private final Family family;
    private final BigInteger value;

    private IpAddress(Family family, BigInteger value) {
        this.family = family;
        this.value = value;
    }

    public static IpAddress of(Family family, BigInteger value) {
        Objects.requireNonNull(family);
        if (value.signum() < 0 || value.bitLength() > family.bits()) {
            throw new IllegalArgumentException(value + " is not an " + family + " address value");
        }
        return new IpAddress(family, value);
    }

    /** The address of 4 (IPv4) or 16 (IPv6) bytes in network order, as the JDK and the kernel give it. */
    public static IpAddress fromBytes(byte[] bytes) {
        Family family = switch (bytes.length) {
            case 4 -> Family.V4;
            case 16 -> Family.V6;
            default -> throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + bytes.length);
        };
        return new IpAddress(family, new BigInteger(1, bytes));
    }

    /** Parses a plain address (no prefix); throws {@link IllegalArgumentException} with a readable message. */
    public static IpAddress parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty IP address");
        }
        IpAddress parsed = text.indexOf(':') >= 0 ? parseV6(text) : parseV4(text);
        if (parsed == null) {
            throw new IllegalArgumentException("not an IP address: '" + text + "'");
        }
        return parsed;
    }

    private static IpAddress parseV4(String text) {
        Long v = parseV4Bits(text);
        return v == null ? null : new IpAddress(Family.V4, BigInteger.valueOf(v));
    }

    private static Long parseV4Bits(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        long v = 0;
        for (String p : parts) {
            // no leading zeros: "010" is octal in some parsers, so refuse the ambiguity
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
                return null;
            }
            int octet = 0;
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if (c < '0' || c > '9') {
                    return null;
                }
                octet = octet * 10 + (c - '0');
            }
            if (octet > 255) {
                return null;
            }
            v = (v << 8) | octet;
        }
        return v;
    }

    private static IpAddress parseV6(String text) {
        int[] groups = new int[8];
        int doubleColon = text.indexOf("::");
        if (doubleColon >= 0 && text.indexOf("::", doubleColon + 1) >= 0) {
            return null;
        }
        String head = doubleColon >= 0 ? text.substring(0, doubleColon) : text;
        String tail = doubleColon >= 0 ? text.substring(doubleColon + 2) : "";
        int[] headGroups = parseV6Groups(head, doubleColon < 0);
        int[] tailGroups = doubleColon >= 0 ? parseV6Groups(tail, true) : new int[0];
        if (headGroups == null || tailGroups == null) {
            return null;
        }
        int total = headGroups.length + tailGroups.length;
        if (doubleColon >= 0 ? total > 7 : total != 8) {
            return null;
        }
        System.arraycopy(headGroups, 0, groups, 0, headGroups.length);
        System.arraycopy(tailGroups, 0, groups, 8 - tailGroups.length, tailGroups.length);
        BigInteger v = BigInteger.ZERO;
        for (int g : groups) {
            v = v.shiftLeft(16).or(BigInteger.valueOf(g));
        }
        return new IpAddress(Family.V6, v);
    }

    /** Groups of one side of "::"; an embedded IPv4 is allowed as the very last part only. */
    private static int[] parseV6Groups(String part, boolean mayEndWithV4) {
        if (part.isEmpty()) {
            return new int[0];
        }
        String[] parts = part.split(":", -1);
        int n = parts.length;
        boolean v4Tail = mayEndWithV4 && parts[n - 1].indexOf('.') >= 0;
        int[] out = new int[v4Tail ? n + 1 : n];
        for (int i = 0; i < n; i++) {
            String p = parts[i];
            if (v4Tail && i == n - 1) {
                Long v4 = parseV4Bits(p);
                if (v4 == null) {
                    return null;
                }
                out[i] = (int) (v4 >>> 16);
                out[i + 1] = (int) (v4 & 0xffff);
                continue;
            }
            if (p.isEmpty() || p.length() > 4) {
                return null;
            }
            int g = 0;
            for (int k = 0; k < p.length(); k++) {
                int d = Character.digit(p.charAt(k), 16);
                if (d < 0) {
                    return null;
                }
                g = g * 16 + d;
            }
            out[i] = g;
        }
        return out;
    }

    public Family family() {
        return family;
    }

    public BigInteger value() {
        return value;
    }

    /** The address in network byte order: 4 bytes for IPv4, 16 for IPv6. */
    public byte[] bytes() {
        byte[] out = new byte[family.bits() / 8];
        byte[] raw = value.toByteArray(); // big-endian, maybe with a sign byte or fewer bytes
        int n = Math.min(raw.length, out.length);
        System.arraycopy(raw, raw.length - n, out, out.length - n, n);
        return out;
    }

    /** 0.0.0.0 or ::. */
    public boolean isUnspecified() {
        return value.signum() == 0;
    }

    /** 127.0.0.0/8 or ::1. */
    public boolean isLoopback() {
        return family == Family.V4 ? value.shiftRight(24).intValue() == 127 : value.equals(BigInteger.ONE);
    }

    /** 224.0.0.0/4 (and the 240/4 rest up to broadcast) or ff00::/8: no interface can own one. */
    public boolean isMulticastOrReserved() {
        return family == Family.V4
                ? value.shiftRight(28).intValue() >= 0xe
                : value.shiftRight(120).intValue() == 0xff;
    }

    /** This address plus {@code delta}; throws if the result leaves the family's address space. */
    public IpAddress plus(BigInteger delta) {
        return of(family, value.add(delta));
    }

    @Override
    public String toString() {
        return family == Family.V4 ? formatV4() : formatV6();
    }

    private String formatV4() {
        long v = value.longValue();
        return ((v >>> 24) & 0xff) + "." + ((v >>> 16) & 0xff) + "." + ((v >>> 8) & 0xff) + "." + (v & 0xff);
    }

    private String formatV6() {
        int[] g = new int[8];
        BigInteger v = value;
        for (int i = 7; i >= 0; i--) {
            g[i] = v.intValue() & 0xffff;
            v = v.shiftRight(16);
        }
        // RFC 5952: compress the longest run of two or more zero groups, the first one on a tie
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    @Override
    public int compareTo(IpAddress o) {
        int f = family.compareTo(o.family);
        return f != 0 ? f : value.compareTo(o.value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress a && a.family == family && a.value.equals(value);
    }

    @Override
    public int hashCode() {
        return family.hashCode() * 31 + value.hashCode();
    }
}
