package dev.jovl.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

    @Test
    void ipv4Basics() {
        Cidr c = Cidr.parse("10.10.0.0/24");
        assertEquals(BigInteger.valueOf(256), c.size());
        assertEquals("10.10.0.255", c.last().toString());
        assertTrue(c.contains(IpAddress.parse("10.10.0.77")));
        assertFalse(c.contains(IpAddress.parse("10.10.1.0")));
        assertEquals("10.10.0.2/24", c.withPrefix(IpAddress.parse("10.10.0.2")));
        assertEquals(BigInteger.valueOf(77), c.offsetOf(IpAddress.parse("10.10.0.77")));
    }

    @Test
    void ipv6SlashSixtyFourHasTwoToTheSixtyFourAddresses() {
        Cidr c = Cidr.parse("fd00:1:2:3::/64");
        assertEquals(BigInteger.ONE.shiftLeft(64), c.size());
        assertEquals("fd00:1:2:3:ffff:ffff:ffff:ffff", c.last().toString());
        assertEquals("fd00:1:2:3::5/64", c.withPrefix(c.addressAt(BigInteger.valueOf(5))));
        assertFalse(c.contains(IpAddress.parse("10.0.0.1")));
    }

    @Test
    void overlaps() {
        Cidr a = Cidr.parse("10.10.0.0/16");
        assertTrue(a.overlaps(Cidr.parse("10.10.4.0/24")));
        assertTrue(Cidr.parse("10.10.4.0/24").overlaps(a));
        assertFalse(a.overlaps(Cidr.parse("10.11.0.0/24")));
        assertFalse(a.overlaps(Cidr.parse("fd00::/8")));
    }

    @Test
    void hostBitsAreRefusedWithTheSubnetSuggested() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.10.0.1/24"));
        assertTrue(e.getMessage().contains("10.10.0.0/24"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "10.0.0.0",
                "10.0.0.0/33",
                "10.0.0.0/",
                "10.0.0.0/-1",
                "10.0.0.0/08",
                "fd00::/129",
                "x/8",
                "10.0.0.0/2\u0664",
                "10.0.0.0/+8",
                "10/8",
                "010.0.0.0/8"
            })
    void refusesMalformed(String text) {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
    }
}
