package dev.jovl.driver.docker;

import java.util.List;
import java.util.Map;

/**
 * What {@code GET /containers/<id>/json} says about a container that jovl needs.
 *
 * @param name     without Docker's leading {@code /}
 * @param networks by Docker network name
 */
public record DockerContainer(String id, String name, boolean running, Map<String, Attachment> networks) {

    public DockerContainer {
        networks = Map.copyOf(networks);
    }

    /**
     * The container on one network.
     *
     * @param ipv4    without prefix, or {@code null}
     * @param ipv6    without prefix, or {@code null}
     * @param aliases network aliases; Docker adds the short container id itself
     */
    public record Attachment(
            String networkName, String networkId, String endpointId, String ipv4, String ipv6, List<String> aliases) {
        public Attachment {
            aliases = List.copyOf(aliases);
        }
    }
}
