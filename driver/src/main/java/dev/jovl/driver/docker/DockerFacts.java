package dev.jovl.driver.docker;

/**
 * What jovl needs to know about the Docker daemon it serves ({@code GET /info}).
 *
 * @param serverVersion {@code ServerVersion}, e.g. {@code 20.10.24+dfsg1}
 * @param clusterStore  {@code ClusterStore} ({@code --cluster-store}), or null: Docker 23 removed
 *                      the option, and 20.10 omits the field when it is not set
 * @param swarmState    {@code Swarm.LocalNodeState}: {@code inactive}, {@code pending},
 *                      {@code active}, {@code error} or {@code locked}
 */
public record DockerFacts(String serverVersion, String clusterStore, String swarmState) {

    public boolean hasClusterStore() {
        return clusterStore != null && !clusterStore.isBlank();
    }

    /** The node is in a swarm: swarm-scope networks, and the services of {@code docker service}. */
    public boolean inSwarm() {
        return "active".equals(swarmState);
    }

    /** The major version, or -1 if {@code serverVersion} does not start with one (a dev build). */
    public int majorVersion() {
        int end = 0;
        while (end < serverVersion.length() && Character.isDigit(serverVersion.charAt(end))) {
            end++;
        }
        if (end == 0 || end > 4) {
            return -1;
        }
        return Integer.parseInt(serverVersion.substring(0, end));
    }
}
