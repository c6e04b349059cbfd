package dev.jovl.driver.peers;

import dev.jovl.driver.http.RequestFacts;
import dev.jovl.driver.overlay.Dataplane;
import dev.jovl.driver.overlay.LocalHost;
import dev.jovl.driver.overlay.NetworkLocks;
import dev.jovl.driver.state.ClusterState;
import dev.jovl.driver.state.EndpointRecord;
import dev.jovl.driver.state.NetworkRecord;
import dev.jovl.driver.state.Versioned;
import dev.jovl.driver.dataplane.SandboxNames;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On start, takes over the sandboxes a previous run left, without disturbing traffic: a sandbox
 * of a network that still has local endpoints is kept and repaired where incomplete (nothing
 * that exists is recreated); veths of endpoints the store no longer has are removed; sandboxes of
 * deleted networks, or with no local endpoint left, are removed.
 */
public final class SandboxAdoption {
    private static final Logger log = LoggerFactory.getLogger(SandboxAdoption.class);

    private final ClusterState state;
    private final LocalHost self;
    private final Dataplane dataplane;
    private final NetworkLocks locks;

    public SandboxAdoption(ClusterState state, LocalHost self, Dataplane dataplane, NetworkLocks locks) {
        this.state = state;
        this.self = self;
        this.dataplane = dataplane;
        this.locks = locks;
    }

    public void adoptAll() {
        for (String networkId : dataplane.sandboxes()) {
            locks.run(networkId, () -> adopt(networkId));
        }
    }

    private void adopt(String networkId) {
        Optional<Versioned<NetworkRecord>> network = state.network(networkId);
        List<Versioned<EndpointRecord>> local = state.endpoints(networkId).stream()
                .filter(e -> PeersOfNetwork.isLocal(e.value(), self)).toList();
        String shortId = RequestFacts.shortId(networkId);
        if (network.isEmpty() || local.isEmpty()) {
            log.info("network {}: {}; removing its sandbox", shortId,
                    network.isEmpty() ? "deleted while jovl was away" : "no local endpoint left");
            dataplane.removeSandbox(networkId);
            return;
        }
        dataplane.repair(network.get().value());
        Set<String> known = new HashSet<>();
        local.forEach(e -> known.add(SandboxNames.shortId(e.value().endpointId())));
        int removed = 0;
        for (String attached : dataplane.attachedEndpoints(networkId)) {
            if (!known.contains(attached)) {
                dataplane.detach(networkId, attached);
                removed++;
            }
        }
        log.info("network {}: sandbox adopted ({} local endpoints{})", shortId, local.size(),
                removed == 0 ? "" : ", " + removed + " stale veths removed");
    }
}
