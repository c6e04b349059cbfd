package dev.jovl.driver.docker;

import java.util.List;
import java.util.Map;

/**
 * What {@code GET /networks/<id>} says about a network that jovl needs.
 *
 * @param options the driver options ({@code -o}), as Docker stores them
 */
public record DockerNetwork(
        String id,
        String name,
        String driver,
        String scope,
        boolean internal,
        boolean enableIpv6,
        Map<String, String> options,
        List<IpamConfig> ipam,
        Map<String, String> labels) {

    public DockerNetwork {
        options = Map.copyOf(options);
        ipam = List.copyOf(ipam);
        labels = Map.copyOf(labels);
    }

    /** One {@code IPAM.Config} entry; absent fields are {@code null}. */
    public record IpamConfig(String subnet, String gateway, String ipRange) {}
}
