package dev.jovl.driver.docker;

import dev.jovl.driver.CreateNetworkCheck;
import dev.jovl.overlay.OverlayException;
import java.util.Optional;

/**
 * {@link GlobalScopeCheck} at {@code CreateNetwork}, on Docker's {@code /info}. Allowed on the
 * cached facts; a refusal is decided on facts asked right then (the user may have just run
 * {@code docker swarm init}). When Docker cannot be asked at all, the network is allowed, as
 * before this check existed (a jovl beside a 20.10 cluster-store Docker whose API socket it was
 * not given); {@link DockerFactsCache} logs that.
 */
public final class GlobalScopeGuard implements CreateNetworkCheck {
    private final DockerFactsCache facts;

    public GlobalScopeGuard(DockerFactsCache facts) {
        this.facts = facts;
    }

    @Override
    public void check() {
        Optional<DockerFacts> cached = facts.current();
        if (cached.isPresent() && GlobalScopeCheck.refusal(cached.get()).isEmpty()) {
            return;
        }
        facts.fresh().flatMap(GlobalScopeCheck::refusal).ifPresent(message -> {
            throw OverlayException.invalid(message);
        });
    }
}
