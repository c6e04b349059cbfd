package dev.jovl.driver.docker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
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
public record NetworkSpec(List<Pool> ipv4, List<Pool> ipv6, Map<String, String> options, boolean internal,
                          boolean ipv6Enabled) {

    /** The option naming the overlay explicitly ({@code -o jovl.network=NAME}). */
    public static final String OVERLAY_OPTION = "jovl.network";

    /** One IPAM pool as CreateNetwork gives it (gateway and aux addresses in CIDR form). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Pool(String pool, String gateway, Map<String, String> aux) {
        public Pool {
            aux = aux == null ? Map.of() : Map.copyOf(new TreeMap<>(aux));
        }
    }

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
     * Reads the spec from a {@code /NetworkDriver.CreateNetwork} request body.
     *
     * @throws IllegalArgumentException if a field has the wrong JSON type
     */
    public static NetworkSpec fromCreateNetwork(JsonNode request) {
        JsonNode options = request.path("Options");
        if (!options.isMissingNode() && !options.isNull() && !options.isObject()) {
            throw new IllegalArgumentException("Options must be an object");
        }
        Map<String, String> generic = new TreeMap<>();
        JsonNode g = options.path("com.docker.network.generic");
        if (!g.isMissingNode() && !g.isNull()) {
            if (!g.isObject()) {
                throw new IllegalArgumentException("com.docker.network.generic must be an object");
            }
            for (Map.Entry<String, JsonNode> e : g.properties()) {
                if (!e.getValue().isValueNode()) {
                    throw new IllegalArgumentException("driver option " + e.getKey() + " must be a string");
                }
                generic.put(e.getKey(), e.getValue().asText());
            }
        }
        return new NetworkSpec(pools(request.path("IPv4Data"), "IPv4Data"), pools(request.path("IPv6Data"), "IPv6Data"),
                generic, flag(options, "com.docker.network.internal"), flag(options, "com.docker.network.enable_ipv6"));
    }

    private static boolean flag(JsonNode options, String name) {
        JsonNode v = options.path(name);
        if (v.isMissingNode() || v.isNull()) {
            return false;
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        if (v.isTextual() && (v.asText().equals("true") || v.asText().equals("false"))) {
            return Boolean.parseBoolean(v.asText());
        }
        throw new IllegalArgumentException(name + " must be a boolean");
    }

    private static List<Pool> pools(JsonNode data, String field) {
        List<Pool> pools = new ArrayList<>();
        if (data.isMissingNode() || data.isNull()) {
            return pools;
        }
        if (!data.isArray()) {
            throw new IllegalArgumentException(field + " must be an array");
        }
        for (JsonNode p : data) {
            if (!p.isObject() || !p.path("Pool").isTextual()) {
                throw new IllegalArgumentException(field + " entries need a Pool string");
            }
            Map<String, String> aux = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : p.path("AuxAddresses").properties()) {
                aux.put(e.getKey(), e.getValue().asText());
            }
            JsonNode gateway = p.path("Gateway");
            pools.add(new Pool(p.path("Pool").asText(), gateway.isTextual() && !gateway.asText().isEmpty() ? gateway.asText() : null, aux));
        }
        return pools;
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
                diffs.add(difference("option " + key, mine == null ? "unset" : "'" + mine + "'",
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

    private static String describe(List<Pool> pools) {
        if (pools.isEmpty()) {
            return "(none)";
        }
        List<String> parts = new ArrayList<>();
        for (Pool p : pools) {
            parts.add(p.pool() + (p.gateway() != null ? " gw " + p.gateway() : "") + (p.aux().isEmpty() ? "" : " aux " + p.aux()));
        }
        return String.join(", ", parts);
    }
}
