package dev.jovl.net;

import java.net.Inet4Address;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/** A 48-bit Ethernet address. Immutable; {@link #toString()} gives lower-case colon form. */
public final class MacAddress {
    private static final Pattern TEXT = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
    private final byte[] bytes;

    private MacAddress(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Parses "02:42:0a:00:00:02"; anything else is an {@link IllegalArgumentException}. */
    public static MacAddress parse(String text) {
        if (text == null || !TEXT.matcher(text).matches()) {
            throw new IllegalArgumentException(
                    "malformed MAC address: '" + text + "' (expected six hex pairs like 02:42:0a:00:00:02)");
        }
        return new MacAddress(HexFormat.ofDelimiter(":").parseHex(text));
    }

    public static MacAddress of(byte[] sixBytes) {
        if (sixBytes == null || sixBytes.length != 6) {
            throw new IllegalArgumentException(
                    "a MAC address has 6 bytes, got " + (sixBytes == null ? "null" : sixBytes.length));
        }
        return new MacAddress(sixBytes.clone());
    }

    /** Docker's convention for endpoint MACs: 02:42 followed by the four bytes of the IPv4 address. */
    public static MacAddress fromIPv4(Inet4Address ip) {
        byte[] a = ip.getAddress();
        return new MacAddress(new byte[] {0x02, 0x42, a[0], a[1], a[2], a[3]});
    }

    /** The same convention from a parsed IPv4 address. */
    public static MacAddress fromIPv4(IpAddress ip) {
        if (ip.family() != Family.V4) {
            throw new IllegalArgumentException("not an IPv4 address: " + ip);
        }
        byte[] a = ip.bytes();
        return new MacAddress(new byte[] {0x02, 0x42, a[0], a[1], a[2], a[3]});
    }

    /** Whether this is a group (multicast or broadcast) address, which no interface can have. */
    public boolean isMulticast() {
        return (bytes[0] & 1) != 0;
    }

    /** A random unicast, locally administered address (for VTEP devices whose MAC must be stable once chosen). */
    public static MacAddress randomLocal() {
        byte[] b = new byte[6];
        ThreadLocalRandom.current().nextBytes(b);
        b[0] = (byte) ((b[0] & 0xfe) | 0x02);
        return new MacAddress(b);
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress m && Arrays.equals(bytes, m.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(bytes);
    }
}
