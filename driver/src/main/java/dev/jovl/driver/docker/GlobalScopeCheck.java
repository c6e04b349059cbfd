package dev.jovl.driver.docker;

import java.util.Optional;

/**
 * Whether a {@code --scope global} jovl may create a network for this Docker. Global scope means
 * Docker shares the network between hosts: through its cluster store (Docker 20.10 and older with
 * {@code --cluster-store}) or through swarm (a swarm-scope network, whatever jovl's scope says).
 * A Docker with neither (any 23+ outside swarm, or a 20.10 started without a cluster store) keeps
 * a global network on the host where it was created: Docker 24+ creates it without a word, and
 * every other host that runs the same command gets another network with another id. So jovl
 * refuses it, and says that standalone mode ({@code --scope local}) is what works there.
 */
public final class GlobalScopeCheck {
    private GlobalScopeCheck() {}

    /** The refusal for {@code docker network create}, or empty if the network may be created. */
    public static Optional<String> refusal(DockerFacts facts) {
        if (facts.inSwarm() || facts.hasClusterStore()) {
            return Optional.empty();
        }
        String why = facts.majorVersion() >= 23
                ? "Docker " + facts.serverVersion() + " has no cluster store (removed in Docker 23)"
                : "Docker " + facts.serverVersion() + " runs without --cluster-store";
        return Optional.of("jovl runs with --scope global (JOVL_SCOPE=global) but " + why
                + " and is not in swarm mode, so this network would exist on this host only."
                + " Run jovl with --scope local (JOVL_SCOPE=local, standalone mode: the same"
                + " `docker network create` on every host), or create the network in a swarm"
                + " (--scope swarm)");
    }
}
