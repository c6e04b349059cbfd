package dev.jovl.net;

import java.math.BigInteger;

/**
 * A subnet: a network address with no host bits set, and a prefix length. Sizes and offsets are
 * {@link BigInteger}s because an IPv6 /64 holds 2^64 addresses, more than a signed long.
 */
public record Cidr(IpAddress network, int prefix) implements Comparable<Cidr> {

    public Cidr {
        int bits = network.family().bits();
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix /" + prefix + " out of range for " + network.family());
        }
        if (network.value().and(hostMask(bits, prefix)).signum() != 0) {
            throw new IllegalArgumentException(network + "/" + prefix + " has host bits set; the subnet is "
                    + new Cidr(IpAddress.of(network.family(), network.value().andNot(hostMask(bits, prefix))), prefix));
        }
    }

    /** Parses {@code "10.10.0.0/24"} or {@code "fd00::/64"}; host bits must be zero. */
    public static Cidr parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty subnet");
        }
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException(
                    "subnet '" + text + "' has no prefix length (expected CIDR like 10.10.0.0/24)");
        }
        return new Cidr(IpAddress.parse(text.substring(0, slash)), prefixLength(text.substring(slash + 1), text));
    }

    /** A prefix length as written after the slash: 1 to 3 ASCII digits, no sign, no leading zero. */
    static int prefixLength(String digits, String text) {
        if (digits.isEmpty()
                || digits.length() > 3
                || !digits.chars().allMatch(c -> c >= '0' && c <= '9')
                || (digits.length() > 1 && digits.charAt(0) == '0')) {
            throw new IllegalArgumentException("bad prefix length '" + digits + "' in '" + text + "'");
        }
        return Integer.parseInt(digits);
    }

    private static BigInteger hostMask(int bits, int prefix) {
        return BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
    }

    public Family family() {
        return network.family();
    }

    public int hostBits() {
        return family().bits() - prefix;
    }

    public BigInteger size() {
        return BigInteger.ONE.shiftLeft(hostBits());
    }

    public IpAddress last() {
        return network.plus(size().subtract(BigInteger.ONE));
    }

    public boolean contains(IpAddress a) {
        return a.family() == family()
                && a.value().shiftRight(hostBits()).equals(network.value().shiftRight(hostBits()));
    }

    public boolean contains(Cidr other) {
        return other.family() == family() && other.prefix >= prefix && contains(other.network);
    }

    public boolean overlaps(Cidr other) {
        return contains(other) || other.contains(this);
    }

    /** Offset of {@code a} from the network address; {@code a} must be inside. */
    public BigInteger offsetOf(IpAddress a) {
        if (!contains(a)) {
            throw new IllegalArgumentException(a + " is not in " + this);
        }
        return a.value().subtract(network.value());
    }

    public IpAddress addressAt(BigInteger offset) {
        if (offset.signum() < 0 || offset.compareTo(size()) >= 0) {
            throw new IllegalArgumentException("offset " + offset + " outside " + this);
        }
        return network.plus(offset);
    }

    /** {@code a} with this subnet's prefix length, the form Docker wants: {@code 10.10.0.2/24}. */
    public String withPrefix(IpAddress a) {
        return a + "/" + prefix;
    }

    @Override
    public int compareTo(Cidr o) {
        int c = network.compareTo(o.network);
        return c != 0 ? c : Integer.compare(prefix, o.prefix);
    }

    @Override
    public String toString() {
        return network + "/" + prefix;
    }
}
