package dev.jovl.ipam.net;

import dev.jovl.net.Cidr;
import dev.jovl.net.Family;
import dev.jovl.net.IpAddress;
import java.math.BigInteger;

/**
 * Where a pool hands out addresses: its subnet, and inside it the offsets {@code [lo, hi]} that
 * "any address" requests draw from (the {@code --ip-range} sub-pool, or the whole subnet, minus
 * the addresses nobody may have).
 *
 * <p>Reserved: for IPv4 the network and broadcast addresses (except in /31 and /32, RFC 3021);
 * for IPv6 the subnet-router anycast address (offset 0) except in /127 and /128.
 */
public record AllocationRange(Cidr subnet, Cidr subRange, BigInteger lo, BigInteger hi) {

    public static AllocationRange of(Cidr subnet, Cidr subRange) {
        if (subRange != null && !subnet.contains(subRange)) {
            throw new IllegalArgumentException("ip-range " + subRange + " is not inside subnet " + subnet);
        }
        BigInteger first = firstUsable(subnet);
        BigInteger last = lastUsable(subnet);
        BigInteger lo = first;
        BigInteger hi = last;
        if (subRange != null) {
            BigInteger rangeStart = subnet.offsetOf(subRange.network());
            lo = lo.max(rangeStart);
            hi = hi.min(rangeStart.add(subRange.size()).subtract(BigInteger.ONE));
        }
        if (lo.compareTo(hi) > 0) {
            throw new IllegalArgumentException(
                    (subRange != null ? "ip-range " + subRange : "subnet " + subnet) + " has no usable address");
        }
        return new AllocationRange(subnet, subRange, lo, hi);
    }

    private static BigInteger firstUsable(Cidr subnet) {
        return subnet.hostBits() >= 2 ? BigInteger.ONE : BigInteger.ZERO;
    }

    private static BigInteger lastUsable(Cidr subnet) {
        BigInteger last = subnet.size().subtract(BigInteger.ONE);
        return subnet.family() == Family.V4 && subnet.hostBits() >= 2 ? last.subtract(BigInteger.ONE) : last;
    }

    /** Whether {@code offset} (from the subnet's network address) may be allocated at all. */
    public boolean isUsable(BigInteger offset) {
        return offset.compareTo(firstUsable(subnet)) >= 0 && offset.compareTo(lastUsable(subnet)) <= 0;
    }

    /** Why {@code a} cannot be allocated in this subnet, or null if it can. */
    public String whyNotAllocatable(IpAddress a) {
        if (!subnet.contains(a)) {
            return a + " is outside pool " + subnet;
        }
        BigInteger offset = subnet.offsetOf(a);
        if (isUsable(offset)) {
            return null;
        }
        if (offset.signum() == 0) {
            return a + " is the network address of " + subnet;
        }
        return a + " is the broadcast address of " + subnet;
    }

    /** Number of addresses "any" requests can draw from. */
    public BigInteger capacity() {
        return hi.subtract(lo).add(BigInteger.ONE);
    }
}
