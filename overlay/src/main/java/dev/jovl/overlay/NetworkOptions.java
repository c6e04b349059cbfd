package dev.jovl.overlay;

import java.util.LinkedHashMap;
import java.util.Map;

/** The parts of CreateNetwork's {@code Options} jovl acts on, validated. */
public record NetworkOptions(Map<String, String> generic, boolean internal, Integer pinnedVni, Integer mtu) {
    public static final String GENERIC = "com.docker.network.generic";
    public static final String INTERNAL = "com.docker.network.internal";
    public static final String MTU = "com.docker.network.driver.mtu";
    public static final String VNI = "jovl.vni";
    /** The smallest MTU IPv4 allows; the largest a VXLAN packet on a 64 KiB underlay can carry. */
    public static final int MIN_MTU = 68;

    public static final int MAX_MTU = 65535 - LocalHost.VXLAN_OVERHEAD;

    public static final String ENABLE_IPV6 = "com.docker.network.enable_ipv6";

    public static NetworkOptions parse(Map<String, Object> options) {
        Map<String, Object> all = options == null ? Map.of() : options;
        Map<String, String> generic = stringMap(all.get(GENERIC), "Options." + GENERIC);
        return of(generic, flag(all, INTERNAL));
    }

    /** The options of a network with these {@code -o} driver options, checked. */
    public static NetworkOptions of(Map<String, String> generic, boolean internal) {
        return new NetworkOptions(generic, internal, pinnedVni(generic), mtu(generic));
    }

    /** A boolean option given as a JSON boolean or as the text true/false; absent is false. */
    public static boolean flag(Map<String, Object> options, String name) {
        Object v = options == null ? null : options.get(name);
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if ("true".equals(v) || "false".equals(v)) {
            return Boolean.parseBoolean((String) v);
        }
        throw OverlayException.invalid("Options." + name + " must be a boolean");
    }

    /** Driver options as Docker sends them: strings (other scalars are taken as their text). */
    public static Map<String, String> stringMap(Object value, String field) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw OverlayException.invalid(field + " must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Map<?, ?> || v instanceof Iterable<?>) {
                throw OverlayException.invalid(field + "." + e.getKey() + " must be a string");
            }
            out.put(String.valueOf(e.getKey()), v == null ? "" : String.valueOf(v));
        }
        return out;
    }

    public static Integer pinnedVni(Map<String, String> generic) {
        String text = generic.get(VNI);
        if (text == null) {
            return null;
        }
        long vni;
        try {
            vni = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw OverlayException.invalid(VNI + " must be a number: " + Inputs.abbreviate(text));
        }
        if (!VniRange.isValid(vni)) {
            throw OverlayException.invalid(VNI + " must be within 1.." + VniRange.MAX_VNI + ": " + vni);
        }
        return (int) vni;
    }

    static Integer mtu(Map<String, String> generic) {
        String text = generic.get(MTU);
        if (text == null || text.isBlank()) {
            return null;
        }
        long mtu;
        try {
            mtu = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw OverlayException.invalid(MTU + " must be a number: " + Inputs.abbreviate(text));
        }
        if (mtu < MIN_MTU || mtu > MAX_MTU) {
            throw OverlayException.invalid(MTU + " must be within " + MIN_MTU + ".." + MAX_MTU + ": " + mtu);
        }
        return (int) mtu;
    }
}
