package dev.jovl.ipam.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.net.Cidr;
import dev.jovl.net.IpAddress;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class AllocationRangeTest {

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
        assertThrows(
                IllegalArgumentException.class,
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
        assertThrows(
                IllegalArgumentException.class,
                () -> AllocationRange.of(Cidr.parse("10.0.0.0/24"), Cidr.parse("10.0.0.0/32")));
    }
}
