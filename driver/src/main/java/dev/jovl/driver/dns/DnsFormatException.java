package dev.jovl.driver.dns;

/** A DNS message that does not follow RFC 1035 closely enough to be answered (FORMERR). */
public final class DnsFormatException extends Exception {
    public DnsFormatException(String message) {
        super(message);
    }
}
