package dev.jovl.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.net.InetAddress;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressTest {

    @Test
    void parsesAndFormatsIpv4() {
        IpAddress a = IpAddress.parse("10.10.0.2");
        assertEquals(Family.V4, a.family());
        assertEquals(BigInteger.valueOf(0x0a0a0002L), a.value());
        assertEquals("10.10.0.2", a.toString());
        assertEquals("255.255.255.255", IpAddress.parse("255.255.255.255").toString());
    }

    @Test
    void formatsIpv6AsRfc5952() {
        assertEquals("fd00::1", IpAddress.parse("fd00:0:0:0:0:0:0:1").toString());
        assertEquals("::", IpAddress.parse("0:0:0:0:0:0:0:0").toString());
        assertEquals("::1", IpAddress.parse("::1").toString());
        assertEquals("1::", IpAddress.parse("1:0:0:0:0:0:0:0").toString());
        // a single zero group is not compressed; the first of two equal runs is
        assertEquals("1:0:2:3:4:5:6:7", IpAddress.parse("1:0:2:3:4:5:6:7").toString());
        assertEquals("1:0:0:4::7", IpAddress.parse("1:0:0:4:0:0:0:7").toString());
        assertEquals("1::4:0:0:7", IpAddress.parse("1:0:0:0:4:0:0:7").toString());
        assertEquals("::ffff:a00:1", IpAddress.parse("::ffff:10.0.0.1").toString());
        assertEquals("fd6a:6f76:6c00::", IpAddress.parse("FD6A:6F76:6C00::").toString());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "1.2.3",
                "1.2.3.4.5",
                "256.1.1.1",
                "01.2.3.4",
                "1.2.3.-4",
                "a.b.c.d",
                "1..2.3",
                "::1::",
                "1:2:3:4:5:6:7:8:9",
                "12345::",
                "g::",
                "1:2:3:4:5:6:7",
                ":1:2:3:4:5:6:7",
                "localhost",
                "1.2.3.4/24",
                " 1.2.3.4"
            })
    void refusesMalformed(String text) {
        assertThrows(IllegalArgumentException.class, () -> IpAddress.parse(text));
    }

    @Property(tries = 300)
    void ipv4RoundTripsLikeTheJdk(@ForAll int bits) throws Exception {
        long v = bits & 0xffffffffL;
        IpAddress a = IpAddress.of(Family.V4, BigInteger.valueOf(v));
        assertEquals(InetAddress.getByAddress(toBytes(BigInteger.valueOf(v), 4)).getHostAddress(), a.toString());
        assertEquals(a, IpAddress.parse(a.toString()));
    }

    @Property(tries = 500)
    void ipv6RoundTripsAndMatchesTheJdkNumerically(@ForAll long high, @ForAll long low, @ForAll boolean zeroRun)
            throws Exception {
        BigInteger v = new BigInteger(1, toBytes(BigInteger.valueOf(high), 8))
                .shiftLeft(64)
                .or(new BigInteger(1, toBytes(BigInteger.valueOf(low), 8)));
        if (zeroRun) { // make compression likely
            v = v.and(new BigInteger("ffff0000000000000000ffffffffffff", 16));
        }
        IpAddress a = IpAddress.of(Family.V6, v);
        String text = a.toString();
        assertEquals(a, IpAddress.parse(text));
        // the JDK parses our text to the same 16 bytes
        byte[] jdk = InetAddress.getByName(text).getAddress();
        if (jdk.length == 4) { // the JDK turns IPv4-mapped addresses into Inet4Address
            assertEquals(BigInteger.valueOf(0xffff), v.shiftRight(32));
            jdk = toBytes(new BigInteger(1, jdk).or(BigInteger.valueOf(0xffff).shiftLeft(32)), 16);
        }
        assertEquals(v, new BigInteger(1, jdk));
        assertFalse(text.contains(":::"));
        assertTrue(text.equals(text.toLowerCase()));
    }

    private static byte[] toBytes(BigInteger v, int n) {
        byte[] out = new byte[n];
        byte[] raw = v.toByteArray();
        for (int i = 0; i < n && i < raw.length; i++) {
            out[n - 1 - i] = raw[raw.length - 1 - i];
        }
        if (v.signum() < 0) {
            for (int i = raw.length; i < n; i++) {
                out[n - 1 - i] = (byte) 0xff;
            }
        }
        return out;
    }
}
