package dev.jovl.driver.docker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.jovl.overlay.state.AddressPool;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one host's {@code CreateNetwork} said about a network that every host joining the same
 * overlay must say alike: address pools and gateways, driver options, internal, IPv6.
 *
 * @param options the {@code -o} driver options ({@code com.docker.network.generic})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NetworkSpec(
        List<AddressPool> ipv4,
        List<AddressPool> ipv6,
        Map<String, String> options,
        boolean internal,
        boolean ipv6Enabled) {

    /** The option naming the overlay explicitly ({@code -o jovl.network=NAME}). */
    public static final String OVERLAY_OPTION = "jovl.network";

    public NetworkSpec {
        ipv4 = ipv4 == null ? List.of() : List.copyOf(ipv4);
        ipv6 = ipv6 == null ? List.of() : List.copyOf(ipv6);
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    /** {@code -o jovl.network=NAME}, if given. */
    public Optional<String> explicitOverlayName() {
        return Optional.ofNullable(options.get(OVERLAY_OPTION));
    }

    /**
     * The spec of a network as its CreateNetwork gave it. Pools are compared without their
     * address space: each host's IPAM names its own.
     */
    public static NetworkSpec of(
            List<AddressPool> ipv4,
            List<AddressPool> ipv6,
            Map<String, String> options,
            boolean internal,
            boolean ipv6Enabled) {
        return new NetworkSpec(withoutSpace(ipv4), withoutSpace(ipv6), new TreeMap<>(options), internal, ipv6Enabled);
    }

    private static List<AddressPool> withoutSpace(List<AddressPool> pools) {
        List<AddressPool> out = new ArrayList<>();
        for (AddressPool p : pools) {
            out.add(new AddressPool(
                    null,
                    p.pool(),
                    p.gateway() == null || p.gateway().isEmpty() ? null : p.gateway(),
                    p.auxAddresses()));
        }
        return out;
    }

    /**
     * How this host's spec differs from {@code there} (the overlay's, from the hosts that created
     * it), one readable line per difference; empty if the two can share an overlay.
     * {@code jovl.network} itself is not compared (one host may name the overlay by option,
     * another by its Docker network name).
     */
    public List<String> differencesFrom(NetworkSpec there) {
        List<String> diffs = new ArrayList<>();
        if (!ipv4.equals(there.ipv4)) {
            diffs.add(difference("IPv4 pools", describe(ipv4), describe(there.ipv4)));
        }
        if (!ipv6.equals(there.ipv6)) {
            diffs.add(difference("IPv6 pools", describe(ipv6), describe(there.ipv6)));
        }
        TreeSet<String> keys = new TreeSet<>(options.keySet());
        keys.addAll(there.options.keySet());
        keys.remove(OVERLAY_OPTION);
        for (String key : keys) {
            String mine = options.get(key);
            String theirs = there.options.get(key);
            if (mine == null ? theirs != null : !mine.equals(theirs)) {
                diffs.add(difference(
                        "option " + key,
                        mine == null ? "unset" : "'" + mine + "'",
                        theirs == null ? "unset" : "'" + theirs + "'"));
            }
        }
        if (internal != there.internal) {
            diffs.add(difference("--internal", String.valueOf(internal), String.valueOf(there.internal)));
        }
        if (ipv6Enabled != there.ipv6Enabled) {
            diffs.add(difference("--ipv6", String.valueOf(ipv6Enabled), String.valueOf(there.ipv6Enabled)));
        }
        return diffs;
    }

    private static String difference(String what, String here, String there) {
        return what + ": " + here + " here, " + there + " there";
    }

    private static String describe(List<AddressPool> pools) {
        if (pools.isEmpty()) {
            return "(none)";
        }
        List<String> parts = new ArrayList<>();
        for (AddressPool p : pools) {
            parts.add(p.pool()
                    + (p.gateway() != null ? " gw " + p.gateway() : "")
                    + (p.auxAddresses().isEmpty() ? "" : " aux " + new TreeMap<>(p.auxAddresses())));
        }
        return String.join(", ", parts);
    }
}
