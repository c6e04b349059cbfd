package dev.jovl.overlay;

/**
 * The VNIs jovl hands out when a network does not pin one. The default stays clear of the values
 * other overlays pick by default, because VNIs are unique per (underlay namespace, UDP port):
 * flannel uses VNI 1, Docker's classic overlay starts at 256 and swarm at 4096 (which Calico also
 * uses), Cilium uses security identities (below 2^16).
 */
public record VniRange(int first, int last) {
    public static final int MAX_VNI = (1 << 24) - 1;
    public static final VniRange DEFAULT = new VniRange(1_000_000, 1_999_999);

    public VniRange {
        if (first < 1 || last > MAX_VNI || first > last) {
            throw new IllegalArgumentException(
                    "VNI range must lie within 1.." + MAX_VNI + " and not be empty: " + first + "-" + last);
        }
    }

    /** Parses {@code FIRST-LAST}. */
    public static VniRange parse(String text) {
        int dash = text.indexOf('-');
        if (dash <= 0) {
            throw new IllegalArgumentException("VNI range must be FIRST-LAST: " + text);
        }
        try {
            return new VniRange(
                    Integer.parseInt(text.substring(0, dash).trim()),
                    Integer.parseInt(text.substring(dash + 1).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("VNI range must be FIRST-LAST: " + text);
        }
    }

    public int size() {
        return last - first + 1;
    }

    /** A starting point derived from the network id, so concurrent creates rarely aim at one VNI. */
    public int startFor(String networkId) {
        return first + Math.floorMod(networkId.hashCode(), size());
    }

    public int next(int vni) {
        return vni == last ? first : vni + 1;
    }

    public static boolean isValid(long vni) {
        return vni >= 1 && vni <= MAX_VNI;
    }

    @Override
    public String toString() {
        return first + "-" + last;
    }
}
