package dev.jovl.overlay;

import dev.jovl.net.Family;
import dev.jovl.net.InterfaceAddress;
import dev.jovl.net.MacAddress;
import dev.jovl.overlay.state.AddressPool;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks on what Docker sends, so that bad input is refused with a clear message before anything
 * is written. Addresses are parsed as literals only (never resolved through DNS).
 */
public final class Inputs {
    /** Docker's ids are 64 hex digits; allow what a store key and a log line can carry safely. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private Inputs() {
    }

    public static String requireId(String value, String field) {
        if (value == null || value.isEmpty()) {
            throw OverlayException.invalid(field + " is missing");
        }
        if (!ID.matcher(value).matches()) {
            throw OverlayException.invalid(field + " is not a valid id: " + abbreviate(value));
        }
        return value;
    }

    /**
     * {@code null} or empty stays {@code null}; otherwise an address with a prefix length of the
     * given family ({@link InterfaceAddress}'s strict syntax), in canonical text.
     */
    public static String optionalCidr(String value, String field, boolean ipv6) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        InterfaceAddress parsed;
        try {
            parsed = InterfaceAddress.parse(value);
        } catch (IllegalArgumentException e) {
            throw OverlayException.invalid(field + " must be an address with a prefix length (CIDR): "
                    + abbreviate(value));
        }
        if (ipv6 != (parsed.family() == Family.V6)) {
            throw OverlayException.invalid(field + " must be an " + (ipv6 ? "IPv6" : "IPv4") + " address: "
                    + abbreviate(value));
        }
        return parsed.toString();
    }

    /**
     * One address pool as an IPAM driver chose it, checked: a subnet of the given family, and a
     * gateway and aux addresses that are addresses with a prefix length of that family. The values
     * are kept as given: they name the pool in the IPAM driver's own form.
     *
     * @param field how the request names the pool, e.g. {@code IPv4Data[0]}
     */
    public static AddressPool pool(String addressSpace, String pool, String gateway, Map<String, String> aux,
                                   String field, boolean ipv6) {
        if (optionalCidr(pool, field + ".Pool", ipv6) == null) {
            throw OverlayException.invalid(field + ".Pool is missing");
        }
        optionalCidr(gateway, field + ".Gateway", ipv6);
        Map<String, String> kept = new LinkedHashMap<>();
        if (aux != null) {
            for (Map.Entry<String, String> a : aux.entrySet()) {
                if (optionalCidr(a.getValue(), field + ".AuxAddresses." + a.getKey(), ipv6) != null) {
                    kept.put(a.getKey(), a.getValue());
                }
            }
        }
        return new AddressPool(addressSpace, pool, gateway, kept);
    }

    /** {@code null}/empty stays {@code null}; otherwise a unicast MAC in lower-case colon form. */
    public static String optionalMac(String value, String field) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        MacAddress mac;
        try {
            mac = MacAddress.parse(value);
        } catch (IllegalArgumentException e) {
            throw OverlayException.invalid(field + " is not a MAC address: " + abbreviate(value));
        }
        if (mac.isMulticast()) {
            throw OverlayException.invalid(field + " is a multicast MAC address, not usable for an interface: "
                    + mac);
        }
        return mac.toString();
    }

    static String abbreviate(String s) {
        String printable = s.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 80 ? printable.substring(0, 80) + "..." : printable;
    }
}
