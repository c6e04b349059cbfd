package dev.jovl.overlay.peers;

import dev.jovl.kvstore.StoreException;
import dev.jovl.overlay.Dataplane;
import dev.jovl.overlay.Ids;
import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.NetworkLocks;
import dev.jovl.overlay.SandboxCleanup;
import dev.jovl.overlay.SandboxNames;
import dev.jovl.overlay.state.ClusterState;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.LocalEndpointJournal;
import dev.jovl.overlay.state.NetworkRecord;
import dev.jovl.overlay.state.Versioned;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On start, takes over the sandboxes a previous run left, without disturbing traffic: a sandbox
 * of a network that still has local endpoints or attached containers is kept and repaired where
 * incomplete (nothing that exists is recreated); sandboxes of deleted networks are removed; a
 * sandbox with neither local endpoints nor containers is kept for the idle grace like any idle
 * sandbox (a restarted jovl is often followed by new containers; a stopped one removed its idle
 * sandboxes on the way out, so only a killed one leaves them), then removed.
 *
 * <p>A veth in a sandbox that no endpoint record or journal entry claims, and whose container end
 * is back in the host namespace, is in no container: the leftover of a deletion that failed or was
 * cut short; it is removed. The same check runs periodically ({@link #sweepAll}).
 */
public final class SandboxAdoption {
    private static final Logger log = LoggerFactory.getLogger(SandboxAdoption.class);

    private final ClusterState state;
    private final LocalHost self;
    private final Dataplane dataplane;
    private final NetworkLocks locks;
    private final LocalEndpointJournal journal;
    private final AddressReclaim addresses;
    private final SandboxCleanup cleanup;

    public SandboxAdoption(
            ClusterState state,
            LocalHost self,
            Dataplane dataplane,
            NetworkLocks locks,
            LocalEndpointJournal journal,
            AddressReclaim addresses,
            SandboxCleanup cleanup) {
        this.journal = journal;
        this.cleanup = cleanup;
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
        String shortId = Ids.shortId(networkId);
        if (network.isEmpty()) {
            log.info("network {}: deleted while jovl was away; removing its sandbox", shortId);
            dataplane.removeSandbox(networkId);
            return;
        }
        List<Versioned<EndpointRecord>> local = localEndpoints(networkId);
        // A veth pair dies with its container's namespace, so every veth still here belongs to a
        // running container: never remove one, even if its record is missing (reaped while we
        // were away); Docker's DeleteEndpoint will come for it.
        Set<String> attached = dataplane.attachedEndpoints(networkId);
        if (local.isEmpty() && attached.isEmpty()) {
            log.info("network {}: no local endpoint left; the sandbox goes when idle for the grace", shortId);
            cleanup.retireWhenIdle(networkId);
            return;
        }
        dataplane.repair(network.get().value());
        for (String orphan : unclaimed(local, attached)) {
            if (!removeIfLeftover(networkId, orphan)) {
                republish(network.get().value(), orphan);
            }
        }
        log.info("network {}: sandbox adopted ({} local endpoints, {} veths)", shortId, local.size(), attached.size());
    }

    /**
     * What a failed or lost clean-up may leave, looked for periodically: veths of deleted endpoints,
     * and idle sandboxes without a scheduled removal. Changes nothing else (adoption does).
     */
    public void sweepAll() {
        for (String networkId : dataplane.sandboxes()) {
            locks.run(networkId, () -> sweep(networkId));
        }
    }

    private void sweep(String networkId) {
        if (state.network(networkId).isEmpty()) {
            // deleted on another host (Docker sends DeleteNetwork to one host only) and the watch
            // missed it; a sandbox still in use is left to the next start's adoption
            cleanup.removeIfUnused(networkId, "network deleted");
            return;
        }
        List<Versioned<EndpointRecord>> local = localEndpoints(networkId);
        Set<String> attached = dataplane.attachedEndpoints(networkId);
        if (local.isEmpty() && attached.isEmpty()) {
            if (!cleanup.isRetiring(networkId)) {
                cleanup.retireWhenIdle(networkId);
            }
            return;
        }
        for (String orphan : unclaimed(local, attached)) {
            removeIfLeftover(networkId, orphan);
        }
    }

    private List<Versioned<EndpointRecord>> localEndpoints(String networkId) {
        return state.endpoints(networkId).stream()
                .filter(e -> PeersOfNetwork.isLocal(e.value(), self))
                .toList();
    }

    /** Veths (as endpoint-id prefixes) that no local record claims and no deletion is handling. */
    private Set<String> unclaimed(List<Versioned<EndpointRecord>> local, Set<String> attached) {
        Set<String> known = new HashSet<>();
        local.forEach(e -> known.add(SandboxNames.devicePart(e.value().endpointId())));
        Set<String> out = new HashSet<>();
        for (String prefix : attached) {
            if (!known.contains(prefix) && !cleanup.isDeleting(prefix)) {
                out.add(prefix);
            }
        }
        return out;
    }

    /**
     * Removes a veth without record whose endpoint was deleted: the journal entry is dropped by
     * DeleteEndpoint (a reaped container keeps its entry), and the container end is back in the
     * host namespace (in a running container it would be renamed and elsewhere).
     */
    private boolean removeIfLeftover(String networkId, String device) {
        if (journal.find(networkId, ofDevice(device)).isPresent() || !dataplane.hostEndPresent(device)) {
            return false;
        }
        log.warn(
                "network {}: veth {} belongs to no endpoint and no container (a deletion that did not finish); "
                        + "removing it",
                Ids.shortId(networkId),
                SandboxNames.sandboxEndOfDevice(device));
        cleanup.deleteLater(networkId, device);
        return true;
    }

    /**
     * A running container whose record is gone from the store (other hosts reaped this host while
     * its daemon was away): write the record back from the local journal, if its address is still
     * its own, so that other hosts reach it again.
     */
    private void republish(NetworkRecord network, String device) {
        String shortId = Ids.shortId(network.networkId());
        Optional<EndpointRecord> journalled = journal.find(network.networkId(), ofDevice(device));
        if (journalled.isEmpty()) {
            log.warn(
                    "network {}: container veth {} has no endpoint record and none in the journal; "
                            + "other hosts cannot reach it",
                    shortId,
                    device);
            return;
        }
        EndpointRecord ep = journalled.get();
        if (!addresses.reclaim(network, ep)) {
            log.error(
                    "network {}: endpoint {} was reaped while jovl was away and its address {} now belongs to "
                            + "another container; not republishing it",
                    shortId,
                    ep.endpointId(),
                    ep.ipv4());
            return;
        }
        try {
            state.createEndpoint(ep);
            log.warn(
                    "network {}: endpoint {} ({}) had been reaped while jovl was away; republished",
                    shortId,
                    Ids.shortId(ep.endpointId()),
                    ep.ipv4());
        } catch (StoreException.Conflict e) {
            // written meanwhile: nothing to do
        }
    }

    private static java.util.function.Predicate<String> ofDevice(String device) {
        return endpointId -> SandboxNames.devicePart(endpointId).equals(device);
    }
}
