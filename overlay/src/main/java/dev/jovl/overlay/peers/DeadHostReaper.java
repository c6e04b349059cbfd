package dev.jovl.overlay.peers;

import dev.jovl.kvstore.StoreException;
import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.runtime.Supervisor;
import dev.jovl.overlay.state.ClusterState;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.StoreLayout;
import dev.jovl.overlay.state.Versioned;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cleans up after hosts that died. A host's record is bound to its lease; once the record has
 * been gone for the grace period, the host is taken as dead: its endpoint records are deleted
 * (which removes its peers from every kernel through the watch) and its addresses go back to the
 * pools. Every live host may do this; the deletes are conditional on the version that was seen,
 * so racing reapers and a host coming back at the last moment do no harm.
 */
public final class DeadHostReaper {
    private static final Logger log = LoggerFactory.getLogger(DeadHostReaper.class);

    private final ClusterState state;
    private final LocalHost self;
    private final PeerSync peers;
    private final HostRegistration registration;
    private final Duration grace;
    private final Consumer<String> releaseAddressesOf;
    private final LongSupplier clock;
    private final Map<String, Long> missingSince = new HashMap<>();
    private final Set<String> seenAlive = new HashSet<>();

    public DeadHostReaper(
            ClusterState state,
            LocalHost self,
            PeerSync peers,
            HostRegistration registration,
            Duration grace,
            Consumer<String> releaseAddressesOf) {
        this.state = state;
        this.self = self;
        this.peers = peers;
        this.registration = registration;
        this.grace = grace;
        this.releaseAddressesOf = releaseAddressesOf;
        this.clock = System::currentTimeMillis;
    }

    /** Declares the loop that looks for dead hosts, every quarter of the grace period (at least 1 s). */
    public void start(Supervisor loops) {
        Duration period = Duration.ofMillis(Math.max(1000, grace.toMillis() / 4));
        loops.every("dead-host-reaper", period, period, this::tick);
    }

    /** One round: who is missing, for how long, and reap those past the grace period. */
    synchronized void tick() {
        // A host cut off from the store must not judge others: it cannot see their renewals.
        if (!registration.isRegistered() || !peers.isLoaded()) {
            return;
        }
        // alive by key, not by record content: an unreadable host record must not look like a dead host
        Set<String> alive = state.liveHostIds();
        Set<String> suspects = new HashSet<>(seenAlive);
        for (Versioned<EndpointRecord> ep : peers.allEndpoints()) {
            suspects.add(ep.value().host());
        }
        suspects.removeAll(alive);
        suspects.remove(self.hostId());
        suspects.remove(null);
        seenAlive.addAll(alive);
        missingSince.keySet().retainAll(suspects);
        long now = clock.getAsLong();
        for (String host : suspects) {
            long since = missingSince.computeIfAbsent(host, h -> {
                log.warn("host {} has no live record; reaping it in {} s unless it comes back", h, grace.toSeconds());
                return now;
            });
            if (now - since >= grace.toMillis()) {
                reap(host);
            }
        }
    }

    private void reap(String host) {
        int deleted = 0;
        for (Versioned<EndpointRecord> ep : peers.allEndpoints()) {
            EndpointRecord r = ep.value();
            if (!host.equals(r.host())) {
                continue;
            }
            try {
                state.store().delete(StoreLayout.endpoint(r.networkId(), r.endpointId()), ep.version());
                deleted++;
            } catch (StoreException.Conflict e) {
                // rewritten (the host came back) or already reaped by another host: leave it
            }
        }
        releaseAddressesOf.accept(host);
        missingSince.remove(host);
        seenAlive.remove(host);
        log.warn("host {} is dead: removed its {} endpoints and released its addresses", host, deleted);
    }
}
