package dev.jovl.overlay;

/**
 * Cluster-facing choices of this daemon.
 *
 * @param scope      {@code global} (one network visible on every host, cluster-store mode) or
 *                   {@code local}
 * @param vniRange   where unpinned VNIs come from
 * @param defaultMtu overlay MTU for networks without {@code -o com.docker.network.driver.mtu};
 *                   0: the underlay's MTU - 50
 */
public record DriverSettings(String scope, VniRange vniRange, int defaultMtu) {
    public DriverSettings {
        if (!scope.equals("global") && !scope.equals("local")) {
            throw new IllegalArgumentException("scope must be global or local: " + scope);
        }
    }
}
