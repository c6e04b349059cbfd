package dev.jovl.net;

/**
 * An interface's address with the prefix length of its subnet, as Docker writes it
 * ({@code 10.10.0.2/24}): unlike a {@link Cidr}, host bits are the point. Parsed strictly: an
 * address as {@link IpAddress#parse} reads it (no zone, no leading zeros, no short IPv4 forms) and
 * a prefix length of plain ASCII digits within the family's bits.
 */
public record InterfaceAddress(IpAddress address, int prefix) {

    public InterfaceAddress {
        if (prefix < 0 || prefix > address.family().bits()) {
            throw new IllegalArgumentException("prefix length " + prefix + " is outside 0.."
                    + address.family().bits());
        }
    }

    /** Parses {@code ADDRESS/PREFIX}; anything else is an {@link IllegalArgumentException} that says why. */
    public static InterfaceAddress parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not an address with a prefix length (CIDR): '" + text + "'");
        }
        return new InterfaceAddress(
                IpAddress.parse(text.substring(0, slash)), Cidr.prefixLength(text.substring(slash + 1), text));
    }

    public Family family() {
        return address.family();
    }

    @Override
    public String toString() {
        return address + "/" + prefix;
    }
}
