package dev.jovl.driver.overlay;

import dev.jovl.driver.http.PluginException;
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

    public static NetworkOptions parse(Map<String, Object> options) {
        Map<String, Object> all = options == null ? Map.of() : options;
        Map<String, String> generic = stringMap(all.get(GENERIC), "Options." + GENERIC);
        Object internal = all.get(INTERNAL);
        boolean isInternal = internal instanceof Boolean b ? b : "true".equals(internal);
        return new NetworkOptions(generic, isInternal, pinnedVni(generic), mtu(generic));
    }

    /** Driver options as Docker sends them: strings (other scalars are taken as their text). */
    public static Map<String, String> stringMap(Object value, String field) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw PluginException.badRequest(field + " must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Map<?, ?> || v instanceof Iterable<?>) {
                throw PluginException.badRequest(field + "." + e.getKey() + " must be a string");
            }
            out.put(String.valueOf(e.getKey()), v == null ? "" : String.valueOf(v));
        }
        return out;
    }

    static Integer pinnedVni(Map<String, String> generic) {
        String text = generic.get(VNI);
        if (text == null) {
            return null;
        }
        long vni;
        try {
            vni = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw PluginException.badRequest(VNI + " must be a number: " + Inputs.abbreviate(text));
        }
        if (!VniRange.isValid(vni)) {
            throw PluginException.badRequest(VNI + " must be within 1.." + VniRange.MAX_VNI + ": " + vni);
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
            throw PluginException.badRequest(MTU + " must be a number: " + Inputs.abbreviate(text));
        }
        if (mtu < MIN_MTU || mtu > MAX_MTU) {
            throw PluginException.badRequest(MTU + " must be within " + MIN_MTU + ".." + MAX_MTU + ": " + mtu);
        }
        return (int) mtu;
    }
}
