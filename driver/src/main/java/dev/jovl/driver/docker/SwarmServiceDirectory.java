package dev.jovl.driver.docker;

import dev.jovl.overlay.services.NetworkServices;
import dev.jovl.overlay.services.ServiceDirectory;
import java.util.Optional;

/**
 * The VIP services of jovl's networks, from this host's own Docker: in swarm mode, {@code GET
 * /networks/<id>?verbose=true} lists each service of the network with its VIP and every task's
 * address (swarm's gossip gives every node that uses the network the whole cluster's table), and
 * jovl balances only where it has a sandbox, i.e. where the network is in use. The API is polled
 * (every loop round) rather than followed through {@code /events}: Docker raises no event on this
 * node when a task starts or stops on another one, which is most of what changes the table.
 * Outside swarm mode no network has services and nothing is asked but {@code /info}.
 */
public final class SwarmServiceDirectory implements ServiceDirectory {
    private final DockerEngineClient docker;
    private final DockerFactsCache facts;

    public SwarmServiceDirectory(DockerEngineClient docker, DockerFactsCache facts) {
        this.docker = docker;
        this.facts = facts;
    }

    @Override
    public Optional<NetworkServices> servicesOf(String networkId) throws DockerApiException {
        Optional<DockerFacts> now = facts.current();
        if (now.isEmpty()) {
            return Optional.empty(); // Docker unreachable: keep what is installed
        }
        if (!now.get().inSwarm()) {
            return Optional.of(NetworkServices.NONE);
        }
        // a network Docker does not know here (being removed) has no services left on this host
        return Optional.of(docker.networkServices(networkId).orElse(NetworkServices.NONE));
    }
}
