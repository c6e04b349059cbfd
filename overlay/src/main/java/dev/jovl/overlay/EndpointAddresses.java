package dev.jovl.overlay;

/**
 * The addresses of a new endpoint, checked: CIDRs in canonical text ({@code 10.10.0.2/24}) and
 * a MAC in lower-case colon form; each may be {@code null} (the MAC then is jovl's to choose).
 */
public record EndpointAddresses(String ipv4, String ipv6, String mac) {

    /** Checks what a request gives; {@code field} prefixes the field names in error messages. */
    public static EndpointAddresses checked(String ipv4, String ipv6, String mac, String field) {
        return new EndpointAddresses(
                Inputs.optionalCidr(ipv4, field + "Address", false),
                Inputs.optionalCidr(ipv6, field + "AddressIPv6", true),
                Inputs.optionalMac(mac, field + "MacAddress"));
    }
}
