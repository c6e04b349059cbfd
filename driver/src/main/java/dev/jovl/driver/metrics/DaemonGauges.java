package dev.jovl.driver.metrics;

import dev.jovl.driver.dns.DnsServer;
import dev.jovl.driver.docker.StandaloneMode;
import dev.jovl.driver.status.HealthCheck;
import dev.jovl.ipam.IpamDriver;
import dev.jovl.ipam.PoolInfo;
import dev.jovl.net.Cidr;
import dev.jovl.overlay.Dataplane;
import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.peers.PeerSync;
import dev.jovl.overlay.peers.PeersOfNetwork;
import dev.jovl.overlay.runtime.Supervisor;
import dev.jovl.overlay.state.ClusterState;
import dev.jovl.overlay.state.NetworkRecord;
import dev.jovl.overlay.state.Versioned;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metrics read from the running daemon at scrape time, and the {@code metrics-refresh} loop
 * that keeps what needs the store (IPAM pool usage, network VNIs, the health verdicts) in a
 * snapshot, so a scrape answers at once even while the store is down.
 */
public final class DaemonGauges {
    private static final Logger log = LoggerFactory.getLogger(DaemonGauges.class);
    /** How often the store-backed figures are read again: Prometheus' default scrape interval. */
    public static final Duration REFRESH = Duration.ofSeconds(15);

    private record Pool(String pool, double size, double inUse) {}

    private final ClusterState state;
    private final IpamDriver ipam;
    private final HealthCheck health;
    private final PeerSync peers;
    private volatile List<Pool> pools = List.of();
    private volatile List<HealthCheck.Verdict> verdicts = List.of();
    /** network id -> VNI, for the peers gauge's label (ids never become labels) */
    private final Map<String, Integer> vnis = new ConcurrentHashMap<>();

    private DaemonGauges(ClusterState state, IpamDriver ipam, HealthCheck health, PeerSync peers) {
        this.state = state;
        this.ipam = ipam;
        this.health = health;
        this.peers = peers;
    }

    /** Registers every scrape-time metric and declares the {@code metrics-refresh} loop on {@code loops}. */
    public static void bind(
            DaemonMetrics m,
            ClusterState state,
            LocalHost host,
            PeerSync peers,
            Dataplane dataplane,
            IpamDriver ipam,
            Supervisor loops,
            HealthCheck health,
            StandaloneMode standalone) {
        DaemonGauges g = new DaemonGauges(state, ipam, health, peers);
        m.gauge(
                "jovl_peers_programmed",
                "Remote endpoints whose neighbour and FDB entries are programmed in this "
                        + "host's sandbox, per network (labelled by VNI: one series per network with a sandbox here)",
                List.of("vni"),
                cb -> g.peersByVni().forEach((vni, n) -> cb.call(n, vni)));
        m.gauge(
                "jovl_sandboxes",
                "Network sandboxes (namespaces) on this host, idle ones included",
                () -> dataplane.sandboxes().size());
        m.gauge(
                "jovl_local_endpoints",
                "Endpoints of this host in the store, as the peer watch sees them",
                () -> peers.allEndpoints().stream()
                        .filter(e -> PeersOfNetwork.isLocal(e.value(), host))
                        .count());
        m.counter("jovl_reconciles_total", "Full kernel-against-store reconciles of a sandbox", peers::reconcileCount);
        m.counter(
                "jovl_drift_repaired_total",
                "Reconciles that found a sandbox's kernel entries differing from "
                        + "what was programmed, and repaired them",
                peers::driftFixes);
        m.counter(
                "jovl_records_skipped_total",
                "Endpoint records skipped as invalid, by kind: unreadable (not a "
                        + "record jovl can parse; once per event or listing), unprogrammable (an address, MAC or VTEP the "
                        + "kernel cannot take; each time a sandbox's entries are computed without it)",
                List.of("kind"),
                cb -> {
                    cb.call(peers.skippedRecords(), "unreadable");
                    cb.call(peers.skippedInvalid(), "unprogrammable");
                });
        m.gauge(
                "jovl_ipam_pool_addresses",
                "Addresses of each IPAM pool (its sub-range if it has one)",
                List.of("pool"),
                cb -> g.pools.forEach(p -> cb.call(p.size(), p.pool())));
        m.gauge(
                "jovl_ipam_pool_addresses_in_use",
                "Addresses allocated from each IPAM pool, the gateway included",
                List.of("pool"),
                cb -> g.pools.forEach(p -> cb.call(p.inUse(), p.pool())));
        m.counter(
                "jovl_loop_restarts_total",
                "Restarts of each supervised background loop after a failure "
                        + "(carrier-<sandbox> tasks summed as carrier)",
                List.of("loop"),
                cb -> loopRestarts(loops).forEach((name, n) -> cb.call(n, name)));
        m.health(() -> health.withLatest(g.verdicts));
        m.dnsQueries(() -> {
            DnsServer dns = standalone == null ? null : standalone.dns();
            return dns == null ? null : dns.stats();
        });
        if (standalone != null && standalone.dnsForwarder() != null) {
            standalone.dnsForwarder().observe(m::dnsUpstream);
        }
        loops.every("metrics-refresh", Duration.ZERO, REFRESH, g::refresh);
    }

    private static Map<String, Long> loopRestarts(Supervisor loops) {
        Map<String, Long> out = new TreeMap<>();
        for (Supervisor.LoopStatus l : loops.status()) {
            String name = l.name().startsWith("carrier-") ? "carrier" : l.name();
            out.merge(name, l.restarts(), Long::sum);
        }
        return out;
    }

    private Map<String, Integer> peersByVni() {
        Map<String, Integer> out = new TreeMap<>();
        peers.programmedPeers().forEach((networkId, n) -> {
            Integer vni = vnis.get(networkId);
            if (vni == null) {
                try { // a network new since the last refresh: one read
                    vni = state.network(networkId).map(v -> v.value().vni()).orElse(null);
                } catch (RuntimeException e) {
                    return; // the store is down: shown after the next refresh
                }
                if (vni == null) {
                    return;
                }
                vnis.put(networkId, vni);
            }
            out.merge(String.valueOf(vni), n, Integer::sum);
        });
        return out;
    }

    /** Reads the store-backed figures again; what cannot be read keeps its last value. */
    void refresh() {
        verdicts = health.check();
        try {
            Map<String, Integer> fresh = new ConcurrentHashMap<>();
            for (Versioned<NetworkRecord> n : state.networks()) {
                fresh.put(n.value().networkId(), n.value().vni());
            }
            vnis.keySet().retainAll(fresh.keySet());
            vnis.putAll(fresh);
            List<Pool> now = new ArrayList<>();
            for (PoolInfo p : ipam.pools()) {
                now.add(new Pool(
                        p.subnet() + (p.ipRange() == null || p.ipRange().isBlank() ? "" : " " + p.ipRange()),
                        size(p),
                        ipam.allocations(p.poolId()).size()));
            }
            pools = now;
        } catch (RuntimeException e) {
            log.debug("metrics refresh: {}", e.toString());
        }
    }

    private static double size(PoolInfo p) {
        String range = p.ipRange() == null || p.ipRange().isBlank() ? p.subnet() : p.ipRange();
        try {
            return Cidr.parse(range).size().doubleValue();
        } catch (IllegalArgumentException e) {
            return Double.NaN;
        }
    }
}
