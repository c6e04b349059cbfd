package dev.jovl.driver.status;

import dev.jovl.driver.status.StatusApi.HostStatus;
import dev.jovl.driver.status.StatusApi.LoopStatus;
import dev.jovl.driver.status.StatusApi.NetworkStatus;
import dev.jovl.driver.status.StatusApi.PeersRequest;
import dev.jovl.driver.status.StatusApi.PeersResponse;
import dev.jovl.driver.status.StatusApi.StatusResponse;
import dev.jovl.kvstore.StoreException;
import dev.jovl.overlay.Dataplane;
import dev.jovl.overlay.Dataplane.PeerEntries;
import dev.jovl.overlay.DriverSettings;
import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.OverlayException;
import dev.jovl.overlay.peers.HostRegistration;
import dev.jovl.overlay.peers.PeerSync;
import dev.jovl.overlay.peers.PeersOfNetwork;
import dev.jovl.overlay.runtime.Supervisor;
import dev.jovl.overlay.state.ClusterState;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.HostRecord;
import dev.jovl.overlay.state.NetworkRecord;
import dev.jovl.overlay.state.Versioned;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Answers {@code jovl status} and {@code jovl peers}: what the store says beside what the kernel
 * has. The store side is read fresh from the store (not from the watch's copy), so a lagging or
 * broken watch shows up as differences.
 */
public final class StatusService {
    private final ClusterState state;
    private final LocalHost host;
    private final DriverSettings settings;
    private final Dataplane dataplane;
    private final PeerSync peers;
    private final HostRegistration registration;
    /** per route: requests, failures, ... as the plugin socket counts them (kept by the HTTP layer) */
    private final Supplier<Map<String, long[]>> requestStats;

    private final Supervisor loops;
    private final HealthCheck health;

    public StatusService(
            ClusterState state,
            LocalHost host,
            DriverSettings settings,
            Dataplane dataplane,
            PeerSync peers,
            HostRegistration registration,
            Supplier<Map<String, long[]>> requestStats,
            Supervisor loops,
            HealthCheck health) {
        this.loops = loops;
        this.health = health;
        this.state = state;
        this.host = host;
        this.settings = settings;
        this.dataplane = dataplane;
        this.peers = peers;
        this.registration = registration;
        this.requestStats = requestStats;
    }

    /** Everything; with the store down, the verdicts say so and the store's lists stay empty. */
    public StatusResponse status() {
        List<HealthCheck.Verdict> verdicts = health.check();
        List<HostStatus> hosts = new ArrayList<>();
        List<NetworkStatus> networks = new ArrayList<>();
        boolean storeUp = verdicts.stream().anyMatch(v -> v.subsystem().equals(HealthCheck.STORE) && v.healthy());
        try {
            if (storeUp) { // else the lists stay empty rather than wait for the store's deadline again
                storeSide(hosts, networks);
            }
        } catch (StoreException e) {
            hosts.clear();
            networks.clear();
        }
        return new StatusResponse(
                host.hostId(),
                host.vtep(),
                host.underlayMtu(),
                host.vxlanPort(),
                settings.scope(),
                state.store().describe(),
                registration.isRegistered(),
                peers.isLoaded(),
                peers.reconcileCount(),
                peers.driftFixes(),
                hosts,
                networks,
                requestStats.get(),
                loops.status().stream()
                        .map(l -> new LoopStatus(l.name(), l.state().name(), l.restarts(), l.lastFailure()))
                        .toList(),
                verdicts);
    }

    private void storeSide(List<HostStatus> hosts, List<NetworkStatus> networks) {
        for (Versioned<HostRecord> h : state.hosts()) {
            hosts.add(new HostStatus(
                    h.value().host(), h.value().vtep(), h.value().host().equals(host.hostId())));
        }
        for (Versioned<NetworkRecord> n : state.networks()) {
            NetworkRecord net = n.value();
            List<Versioned<EndpointRecord>> eps = state.endpoints(net.networkId());
            long local = eps.stream()
                    .filter(e -> PeersOfNetwork.isLocal(e.value(), host))
                    .count();
            boolean sandbox = dataplane.hasSandbox(net.networkId());
            PeerEntries desired = sandbox ? PeersOfNetwork.desired(eps, host) : PeerEntries.NONE;
            PeerEntries kernel = sandbox ? dataplane.dumpPeers(net.networkId()) : PeerEntries.NONE;
            networks.add(new NetworkStatus(
                    net.networkId(),
                    net.vni(),
                    net.mtu(),
                    net.internal(),
                    sandbox,
                    (int) local,
                    eps.size() - (int) local,
                    desired.size(),
                    kernel.size(),
                    PeerComparison.differences(PeerComparison.compare(desired, kernel))));
        }
    }

    public PeersResponse peers(PeersRequest r) {
        if (r.network() == null || r.network().isBlank()) {
            throw OverlayException.invalid("Network is missing");
        }
        NetworkRecord net = resolve(r.network());
        boolean sandbox = dataplane.hasSandbox(net.networkId());
        PeerEntries desired = PeersOfNetwork.desired(state.endpoints(net.networkId()), host);
        PeerEntries kernel = sandbox ? dataplane.dumpPeers(net.networkId()) : PeerEntries.NONE;
        List<PeerComparison.Row> rows = PeerComparison.compare(desired, kernel);
        return new PeersResponse(
                net.networkId(), net.vni(), sandbox, rows, sandbox ? PeerComparison.differences(rows) : 0);
    }

    /** A network by id or unique id prefix (as Docker's CLI accepts). */
    private NetworkRecord resolve(String idOrPrefix) {
        List<NetworkRecord> matches = new ArrayList<>();
        for (Versioned<NetworkRecord> n : state.networks()) {
            if (n.value().networkId().equals(idOrPrefix)) {
                return n.value();
            }
            if (n.value().networkId().startsWith(idOrPrefix)) {
                matches.add(n.value());
            }
        }
        if (matches.size() == 1) {
            return matches.get(0);
        }
        throw OverlayException.invalid(
                matches.isEmpty()
                        ? "no jovl network " + idOrPrefix
                        : "network id prefix " + idOrPrefix + " is ambiguous (" + matches.size() + " networks)");
    }
}
