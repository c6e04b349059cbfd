package dev.jovl.overlay;

import dev.jovl.net.Cidr;
import dev.jovl.net.Family;
import dev.jovl.net.InterfaceAddress;
import dev.jovl.net.IpAddress;
import dev.jovl.net.MacAddress;
import dev.jovl.overlay.state.AddressPool;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks on what Docker sends, so that bad input is refused with a clear message before anything
 * is written. Addresses are parsed as literals only (never resolved through DNS).
 */
public final class Inputs {
    /** Docker's ids are 64 hex digits; allow what a store key and a log line can carry safely. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private Inputs() {}

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
            throw OverlayException.invalid(
                    field + " must be an address with a prefix length (CIDR): " + abbreviate(value));
        }
        if (ipv6 != (parsed.family() == Family.V6)) {
            throw OverlayException.invalid(
                    field + " must be an " + (ipv6 ? "IPv6" : "IPv4") + " address: " + abbreviate(value));
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
    public static AddressPool pool(
            String addressSpace, String pool, String gateway, Map<String, String> aux, String field, boolean ipv6) {
        if (pool == null || pool.isEmpty()) {
            throw OverlayException.invalid(field + ".Pool is missing");
        }
        Cidr subnet = subnet(pool, field + ".Pool", ipv6);
        inPool(optionalCidr(gateway, field + ".Gateway", ipv6), subnet, field + ".Gateway");
        Map<String, String> kept = new LinkedHashMap<>();
        if (aux != null) {
            for (Map.Entry<String, String> a : aux.entrySet()) {
                String name = field + ".AuxAddresses." + a.getKey();
                if (inPool(optionalCidr(a.getValue(), name, ipv6), subnet, name) != null) {
                    kept.put(a.getKey(), a.getValue());
                }
            }
        }
        return new AddressPool(addressSpace, pool, gateway, kept);
    }

    /** A subnet without host bits, of the given family, smaller than the whole address space. */
    private static Cidr subnet(String value, String field, boolean ipv6) {
        Cidr subnet;
        try {
            subnet = Cidr.parse(value);
        } catch (IllegalArgumentException e) {
            throw OverlayException.invalid(
                    field + " is not a subnet: " + abbreviate(value) + " (" + e.getMessage() + ")");
        }
        if (ipv6 != (subnet.family() == Family.V6)) {
            throw OverlayException.invalid(
                    field + " must be an " + (ipv6 ? "IPv6" : "IPv4") + " subnet: " + abbreviate(value));
        }
        if (subnet.prefix() == 0) {
            throw OverlayException.invalid(field + " " + value + " covers every address; give the network a subnet");
        }
        return subnet;
    }

    /** {@code cidr} (canonical, or null) must lie in {@code subnet}; returns it. */
    private static String inPool(String cidr, Cidr subnet, String field) {
        if (cidr != null && !subnet.contains(InterfaceAddress.parse(cidr).address())) {
            throw OverlayException.invalid(field + " " + cidr + " is outside the pool " + subnet);
        }
        return cidr;
    }

    /**
     * An endpoint's address (canonical CIDR, or null) must be one an interface can own, inside one
     * of the network's pools of its family (when it has any), and not this host's VTEP.
     */
    public static void endpointAddress(String cidr, List<AddressPool> pools, String vtep, String field) {
        if (cidr == null) {
            return;
        }
        IpAddress a = InterfaceAddress.parse(cidr).address();
        if (a.isUnspecified() || a.isLoopback() || a.isMulticastOrReserved()) {
            throw OverlayException.invalid(field + " " + cidr + " cannot be an interface's address");
        }
        if (a.toString().equals(vtep)) {
            throw OverlayException.invalid(field + " " + cidr + " is this host's VTEP address");
        }
        boolean anyOfFamily = false;
        for (AddressPool p : pools) {
            Cidr subnet = Cidr.parse(p.pool());
            if (subnet.family() == a.family()) {
                anyOfFamily = true;
                if (subnet.contains(a)) {
                    return;
                }
            }
        }
        if (anyOfFamily) {
            throw OverlayException.invalid(field + " " + cidr + " is in none of the network's pools");
        }
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
        if (mac.isMulticast() || mac.equals(MacAddress.of(new byte[6]))) {
            throw OverlayException.invalid(
                    field + " is a multicast or all-zero MAC address, not usable for an interface: " + mac);
        }
        return mac.toString();
    }

    static String abbreviate(String s) {
        String printable = s.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 80 ? printable.substring(0, 80) + "..." : printable;
    }
}
