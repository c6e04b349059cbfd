package dev.jovl.driver.state;

/**
 * One container interface as stored under {@code jovl/v1/endpoints/<network>/<endpoint>}: what a
 * remote host needs to reach it (IP, MAC, VTEP) and who owns it.
 *
 * @param ipv4 CIDR as Docker gave it ({@code 10.10.0.2/24}), or {@code null}
 * @param ipv6 CIDR, or {@code null}
 * @param name the container name when known (standalone mode fills it in), else {@code null}
 */
public record EndpointRecord(String networkId, String endpointId, String ipv4, String ipv6, String mac,
                             String vtep, String host, String name, long createdAtMillis) {

    /** The IPv4 address without its prefix length, or {@code null}. */
    public String ipv4Address() {
        return ipv4 == null ? null : stripPrefix(ipv4);
    }

    public String ipv6Address() {
        return ipv6 == null ? null : stripPrefix(ipv6);
    }

    /** Same addresses, MAC and location: a resend or a no-op rewrite. */
    public boolean sameWiring(EndpointRecord o) {
        return java.util.Objects.equals(ipv4, o.ipv4) && java.util.Objects.equals(ipv6, o.ipv6)
                && java.util.Objects.equals(mac, o.mac) && java.util.Objects.equals(vtep, o.vtep)
                && java.util.Objects.equals(host, o.host);
    }

    private static String stripPrefix(String cidr) {
        int slash = cidr.indexOf('/');
        return slash < 0 ? cidr : cidr.substring(0, slash);
    }
}
