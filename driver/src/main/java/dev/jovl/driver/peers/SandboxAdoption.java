package dev.jovl.driver.peers;

import dev.jovl.driver.http.RequestFacts;
import dev.jovl.driver.overlay.Dataplane;
import dev.jovl.driver.overlay.LocalHost;
import dev.jovl.driver.overlay.NetworkLocks;
import dev.jovl.driver.state.ClusterState;
import dev.jovl.driver.state.EndpointRecord;
import dev.jovl.driver.state.LocalEndpointJournal;
import dev.jovl.kvstore.StoreException;
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
 * of a network that still has local endpoints or attached containers is kept and repaired where
 * incomplete (nothing that exists is recreated); sandboxes of deleted networks, or with neither
 * local endpoints nor containers, are removed.
 */
public final class SandboxAdoption {
    private static final Logger log = LoggerFactory.getLogger(SandboxAdoption.class);

    private final ClusterState state;
    private final LocalHost self;
    private final Dataplane dataplane;
    private final NetworkLocks locks;
    private final LocalEndpointJournal journal;
    private final AddressReclaim addresses;

    public SandboxAdoption(ClusterState state, LocalHost self, Dataplane dataplane, NetworkLocks locks,
                           LocalEndpointJournal journal, AddressReclaim addresses) {
        this.journal = journal;
        this.addresses = addresses;
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
        String shortId = RequestFacts.shortId(networkId);
        if (network.isEmpty()) {
            log.info("network {}: deleted while jovl was away; removing its sandbox", shortId);
            dataplane.removeSandbox(networkId);
            return;
        }
        List<Versioned<EndpointRecord>> local = state.endpoints(networkId).stream()
                .filter(e -> PeersOfNetwork.isLocal(e.value(), self)).toList();
        // A veth pair dies with its container's namespace, so every veth still here belongs to a
        // running container: never remove one, even if its record is missing (reaped while we
        // were away); Docker's DeleteEndpoint will come for it.
        Set<String> attached = dataplane.attachedEndpoints(networkId);
        if (local.isEmpty() && attached.isEmpty()) {
            log.info("network {}: no local endpoint left; removing its sandbox", shortId);
            dataplane.removeSandbox(networkId);
            return;
        }
        dataplane.repair(network.get().value());
        Set<String> known = new HashSet<>();
        local.forEach(e -> known.add(SandboxNames.shortId(e.value().endpointId())));
        for (String orphan : attached) {
            if (!known.contains(orphan)) {
                republish(network.get().value(), orphan);
            }
        }
        log.info("network {}: sandbox adopted ({} local endpoints, {} veths)", shortId, local.size(), attached.size());
    }

    /**
     * A running container whose record is gone from the store (other hosts reaped this host while
     * its daemon was away): write the record back from the local journal, if its address is still
     * its own, so that other hosts reach it again.
     */
    private void republish(NetworkRecord network, String endpointPrefix) {
        String shortId = RequestFacts.shortId(network.networkId());
        Optional<EndpointRecord> journalled = journal.find(network.networkId(), endpointPrefix);
        if (journalled.isEmpty()) {
            log.warn("network {}: container veth {} has no endpoint record and none in the journal; "
                    + "other hosts cannot reach it", shortId, endpointPrefix);
            return;
        }
        EndpointRecord ep = journalled.get();
        if (!addresses.reclaim(network, ep)) {
            log.error("network {}: endpoint {} was reaped while jovl was away and its address {} now belongs to "
                    + "another container; not republishing it", shortId, ep.endpointId(), ep.ipv4());
            return;
        }
        try {
            state.createEndpoint(ep);
            log.warn("network {}: endpoint {} ({}) had been reaped while jovl was away; republished", shortId,
                    RequestFacts.shortId(ep.endpointId()), ep.ipv4());
        } catch (StoreException.Conflict e) {
            // written meanwhile: nothing to do
        }
    }
}
