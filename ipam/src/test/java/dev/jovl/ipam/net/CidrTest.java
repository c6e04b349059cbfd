package dev.jovl.ipam.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
    @ValueSource(strings = {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/08", "fd00::/129", "x/8"})
    void refusesMalformed(String text) {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
    }

    @Test
    void rangeExcludesNetworkAndBroadcast() {
        AllocationRange r = AllocationRange.of(Cidr.parse("10.10.0.0/24"), null);
        assertEquals(BigInteger.ONE, r.lo());
        assertEquals(BigInteger.valueOf(254), r.hi());
        assertEquals(BigInteger.valueOf(254), r.capacity());
        assertTrue(r.whyNotAllocatable(IpAddress.parse("10.10.0.0")).contains("network address"));
        assertTrue(r.whyNotAllocatable(IpAddress.parse("10.10.0.255")).contains("broadcast"));
        assertTrue(r.whyNotAllocatable(IpAddress.parse("10.10.1.1")).contains("outside"));
        assertNull(r.whyNotAllocatable(IpAddress.parse("10.10.0.254")));
    }

    @Test
    void subRangeLimitsAnyButNotSpecific() {
        AllocationRange r = AllocationRange.of(Cidr.parse("10.10.0.0/24"), Cidr.parse("10.10.0.128/25"));
        assertEquals(BigInteger.valueOf(128), r.lo());
        assertEquals(BigInteger.valueOf(254), r.hi());
        assertNull(r.whyNotAllocatable(IpAddress.parse("10.10.0.1")));
        AllocationRange low = AllocationRange.of(Cidr.parse("10.10.0.0/24"), Cidr.parse("10.10.0.0/25"));
        assertEquals(BigInteger.ONE, low.lo());
        assertEquals(BigInteger.valueOf(127), low.hi());
        assertThrows(IllegalArgumentException.class,
                () -> AllocationRange.of(Cidr.parse("10.10.0.0/24"), Cidr.parse("10.10.1.0/25")));
    }

    @Test
    void tinyAndIpv6Ranges() {
        AllocationRange p2p = AllocationRange.of(Cidr.parse("10.0.0.0/31"), null);
        assertEquals(BigInteger.ZERO, p2p.lo());
        assertEquals(BigInteger.ONE, p2p.hi());
        AllocationRange v6 = AllocationRange.of(Cidr.parse("fd00::/64"), null);
        assertEquals(BigInteger.ONE, v6.lo());
        assertEquals(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE), v6.hi());
        assertThrows(IllegalArgumentException.class,
                () -> AllocationRange.of(Cidr.parse("10.0.0.0/24"), Cidr.parse("10.0.0.0/32")));
    }
}
