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
import dev.jovl.overlay.state.StoreLayout;
import dev.jovl.overlay.state.Versioned;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases what Docker forgot: a local endpoint whose container is gone although Docker never sent
 * Leave, DeleteEndpoint or ReleaseAddress for it.
 *
 * <p>Docker does that when a container stops or is removed while the cluster store is down: its
 * own clean-up fails ("could not cleanup all the endpoints") and is never retried, so without this
 * the endpoint's record stays (the other hosts keep its peer entries) and its address stays
 * allocated for good. An endpoint of this host serves no container any more when its veth pair is
 * gone (it dies with the container's namespace), when its container end is back in the host's
 * namespace, or when it is in a namespace no process lives in (what dockerd leaves when its
 * clean-up fails: the namespace stays bind-mounted, the veth up; see
 * {@link dev.jovl.overlay.Dataplane#endpointsWithoutProcesses}). Seen so on two
 * sweeps at least the grace apart (a Join in progress, a deletion under way, a jovl restart all look
 * the same for a moment), its record is deleted (compare-and-set: a concurrent rewrite wins), its
 * veth pair removed, and its address released through {@link AddressRelease}, which frees it only if
 * it is still this endpoint's.
 *
 * <p>Only networks with a sandbox on this host are looked at: without the sandbox there is no veth
 * to judge by (a rebooted host), and Docker's own start-up clean-up deletes those endpoints.
 * Docker's store keeps its copy of the endpoint: {@code docker network rm} still reports it as an
 * active endpoint until {@code docker network disconnect -f} or a dockerd restart removes it.
 */
public final class VanishedEndpoints {
    private static final Logger log = LoggerFactory.getLogger(VanishedEndpoints.class);

    private final ClusterState state;
    private final Function<String, List<Versioned<EndpointRecord>>> endpointsOf;
    private final LocalHost self;
    private final Dataplane dataplane;
    private final NetworkLocks locks;
    private final LocalEndpointJournal journal;
    private final SandboxCleanup cleanup;
    private final AddressRelease addresses;
    private final long graceNanos;
    private final LongSupplier nanoTime;

    /** network/endpoint@version -> when its veth was first seen missing */
    private final Map<String, Long> suspects = new HashMap<>();
    /** records deleted whose address could not be released yet (store down): retried each sweep */
    private final Map<String, Released> unreleased = new LinkedHashMap<>();

    private final AtomicLong released = new AtomicLong();

    private record Released(NetworkRecord network, EndpointRecord endpoint) {}

    /**
     * @param endpointsOf the watch's copy of a network's endpoint records ({@link PeerSync#endpointsOf}):
     *                    a sweep costs no store round trip unless it finds something to release
     */
    public VanishedEndpoints(
            ClusterState state,
            Function<String, List<Versioned<EndpointRecord>>> endpointsOf,
            LocalHost self,
            Dataplane dataplane,
            NetworkLocks locks,
            LocalEndpointJournal journal,
            SandboxCleanup cleanup,
            AddressRelease addresses,
            Duration grace) {
        this(state, endpointsOf, self, dataplane, locks, journal, cleanup, addresses, grace, System::nanoTime);
    }

    VanishedEndpoints(
            ClusterState state,
            Function<String, List<Versioned<EndpointRecord>>> endpointsOf,
            LocalHost self,
            Dataplane dataplane,
            NetworkLocks locks,
            LocalEndpointJournal journal,
            SandboxCleanup cleanup,
            AddressRelease addresses,
            Duration grace,
            LongSupplier nanoTime) {
        this.state = state;
        this.endpointsOf = endpointsOf;
        this.self = self;
        this.dataplane = dataplane;
        this.locks = locks;
        this.journal = journal;
        this.cleanup = cleanup;
        this.addresses = addresses;
        this.graceNanos = grace.toNanos();
        this.nanoTime = nanoTime;
    }

    /** Endpoints released so far (for status and metrics). */
    public long releasedCount() {
        return released.get();
    }

    /** One sweep over every sandbox of this host; run periodically by a supervised loop. */
    public synchronized void sweep() {
        retryAddresses();
        Set<String> stillSuspect = new HashSet<>();
        for (String networkId : dataplane.sandboxes()) {
            locks.run(networkId, () -> sweep(networkId, stillSuspect));
        }
        suspects.keySet().retainAll(stillSuspect);
    }

    private void sweep(String networkId, Set<String> stillSuspect) {
        Set<String> attached = dataplane.attachedEndpoints(networkId);
        Set<String> withoutProcesses = null; // asked only if a local endpoint looks in use: a /proc scan
        for (Versioned<EndpointRecord> ep : endpointsOf.apply(networkId)) {
            EndpointRecord e = ep.value();
            if (!PeersOfNetwork.isLocal(e, self)) {
                continue;
            }
            String device = SandboxNames.devicePart(e.endpointId());
            if (cleanup.isDeleting(device)) {
                continue;
            }
            if (attached.contains(device) && !dataplane.hostEndPresent(device)) {
                if (withoutProcesses == null) {
                    withoutProcesses = dataplane.endpointsWithoutProcesses(networkId);
                }
                if (!withoutProcesses.contains(device)) {
                    continue; // in a container that runs
                }
            }
            String key = e.networkId() + "/" + e.endpointId() + "@" + ep.version();
            long now = nanoTime.getAsLong();
            Long since = suspects.putIfAbsent(key, now);
            stillSuspect.add(key);
            if (since != null && now - since >= graceNanos) {
                Optional<Versioned<NetworkRecord>> network = state.network(networkId);
                if (network.isPresent()) { // else the sandbox sweep removes the network's remains
                    release(network.get().value(), ep);
                }
                stillSuspect.remove(key);
            }
        }
    }

    private void release(NetworkRecord network, Versioned<EndpointRecord> ep) {
        EndpointRecord e = ep.value();
        try {
            state.store().delete(StoreLayout.endpoint(e.networkId(), e.endpointId()), ep.version());
        } catch (StoreException.Conflict changed) {
            return; // rewritten or deleted meanwhile: the next sweep judges what is there now
        }
        journal.forget(e.networkId(), e.endpointId());
        cleanup.deleteLater(e.networkId(), SandboxNames.devicePart(e.endpointId()));
        released.incrementAndGet();
        log.warn(
                "network {}: endpoint {} ({}) lost its container without Docker deleting it (a stop or rm while the "
                        + "store was down?); its record is removed and its address released",
                Ids.shortId(e.networkId()),
                Ids.shortId(e.endpointId()),
                e.ipv4() != null ? e.ipv4() : e.ipv6());
        unreleased.put(e.networkId() + "/" + e.endpointId(), new Released(network, e));
        retryAddresses();
    }

    private void retryAddresses() {
        var it = unreleased.values().iterator();
        while (it.hasNext()) {
            Released r = it.next();
            try {
                addresses.release(r.network(), r.endpoint());
                it.remove();
            } catch (RuntimeException e) {
                log.warn(
                        "network {}: releasing the address {} of vanished endpoint {} failed ({}); trying again",
                        Ids.shortId(r.network().networkId()),
                        r.endpoint().ipv4(),
                        Ids.shortId(r.endpoint().endpointId()),
                        e.toString());
                return;
            }
        }
    }
}
