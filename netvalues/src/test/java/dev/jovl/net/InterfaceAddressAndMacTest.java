package dev.jovl.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InterfaceAddressAndMacTest {

    @Test
    void keepsHostBitsAndPrintsCanonically() {
        assertEquals("10.10.0.2/24", InterfaceAddress.parse("10.10.0.2/24").toString());
        assertEquals(
                "fd00::2/64", InterfaceAddress.parse("fd00:0:0:0:0:0:0:2/64").toString());
        assertEquals(Family.V6, InterfaceAddress.parse("fd00::2/64").family());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "10/8",
                "010.0.0.0/8",
                "10.0.0.1/+24",
                "10.0.0.1/024",
                "10.0.0.1/33",
                "10.0.0.1",
                "fe80::1%eth0/64",
                "10.0.0.1/",
                "10.0.0.1/2\u0664",
                "fd00::1/129",
                "10.0.0.1/24/1",
                ""
            })
    void refusesWhatDockerNeverSends(String text) {
        assertThrows(IllegalArgumentException.class, () -> InterfaceAddress.parse(text));
    }

    @Property
    void ipv4BytesAreTheJdksBytes(@ForAll int bits) throws Exception {
        IpAddress a = IpAddress.parse(((bits >>> 24) & 0xff) + "." + ((bits >>> 16) & 0xff) + "."
                + ((bits >>> 8) & 0xff) + "." + (bits & 0xff));
        assertArrayEquals(InetAddress.getByAddress(a.bytes()).getAddress(), a.bytes());
        assertEquals(MacAddress.fromIPv4((Inet4Address) InetAddress.getByAddress(a.bytes())), MacAddress.fromIPv4(a));
    }

    @Test
    void ipv6BytesAreSixteen() {
        byte[] b = IpAddress.parse("ffff::1").bytes();
        assertEquals(16, b.length);
        assertEquals((byte) 0xff, b[0]);
        assertEquals(1, b[15]);
    }

    @Test
    void macFromIpv4AndMulticast() {
        assertEquals(
                "02:42:0a:0a:00:07",
                MacAddress.fromIPv4(IpAddress.parse("10.10.0.7")).toString());
        assertThrows(IllegalArgumentException.class, () -> MacAddress.fromIPv4(IpAddress.parse("fd00::1")));
        assertTrue(MacAddress.parse("01:00:5e:00:00:01").isMulticast());
        assertTrue(MacAddress.parse("ff:ff:ff:ff:ff:ff").isMulticast());
        assertFalse(MacAddress.parse("02:42:0a:0a:00:07").isMulticast());
        assertEquals("0a:bb:cc:dd:ee:ff", MacAddress.parse("0A:BB:cc:dd:ee:ff").toString());
    }
}
