package dev.jovl.overlay.peers;

import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.retry.Backoff;
import dev.jovl.kvstore.retry.StoreRetry;
import dev.jovl.overlay.Dataplane;
import dev.jovl.overlay.EndpointReadiness;
import dev.jovl.overlay.Ids;
import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.OverlayMetrics;
import dev.jovl.overlay.runtime.Supervisor;
import dev.jovl.overlay.state.ClusterState;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.LocalEndpointJournal;
import dev.jovl.overlay.state.Versioned;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns this host's pending endpoints into ready ones when their containers' interfaces come up.
 *
 * <p>Why not publish at CreateEndpoint: a remote host would then answer ARP for the container
 * (proxy ARP from its neighbour entry) before the container's interface exists, and a client's
 * first TCP SYN would be dropped on this host's bridge and retried only after TCP's 1 s timeout.
 * Published when the carrier comes up, the client's SYN waits in its ARP queue until the entry
 * arrives (milliseconds) and is then delivered. The carrier comes up before Docker starts the
 * container's process, so the entries normally reach the other hosts before `docker run` returns.
 *
 * <p>The Join-time watch is backed by a periodic sweep (a missed notification, a daemon restart
 * between Join and the interface coming up, a store that was down when the mark was written).
 */
public final class EndpointActivation implements EndpointReadiness, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EndpointActivation.class);
    /** Docker raises the interface right after Join; this bounds a wait that something broke. */
    private static final Duration CARRIER_WAIT = Duration.ofMinutes(2);
    /** Lost races are read again; an unreachable store is retried for a while (the sweep retries later). */
    private static final StoreRetry RETRY = new StoreRetry(StoreRetry.DEFAULT_ATTEMPTS)
            .whileUnavailable(Duration.ofSeconds(30), Backoff.doubling(Duration.ofMillis(100), Duration.ofSeconds(2)));

    private final ClusterState state;
    private final Dataplane dataplane;
    private final LocalHost self;
    private final LocalEndpointJournal journal;
    private final Supplier<List<Versioned<EndpointRecord>>> knownEndpoints;
    private final Duration sweepEvery;
    private final ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor();
    private volatile OverlayMetrics metrics = OverlayMetrics.NONE;

    /**
     * @param knownEndpoints every endpoint record as last seen (the peer sync's view), for the sweep
     */
    public EndpointActivation(
            ClusterState state,
            Dataplane dataplane,
            LocalHost self,
            LocalEndpointJournal journal,
            Supplier<List<Versioned<EndpointRecord>>> knownEndpoints,
            Duration sweepEvery) {
        this.state = state;
        this.dataplane = dataplane;
        this.self = self;
        this.journal = journal;
        this.knownEndpoints = knownEndpoints;
        this.sweepEvery = sweepEvery;
    }

    /** Where the time from carrier-up to publication is reported. */
    public void reportTo(OverlayMetrics metrics) {
        this.metrics = metrics;
    }

    /** Declares the sweep loop: first after at most 5 s, then every {@code sweepEvery}. */
    public void start(Supervisor loops) {
        Duration first = sweepEvery.compareTo(Duration.ofSeconds(5)) < 0 ? sweepEvery : Duration.ofSeconds(5);
        loops.every("endpoint-sweep", first, sweepEvery, this::sweep);
    }

    @Override
    public void publishWhenUp(String networkId, String endpointId) {
        long joinedAt = System.nanoTime();
        dataplane.whenCarrier(networkId, endpointId, CARRIER_WAIT, () -> {
            long upAt = System.nanoTime();
            long upAfter = upAt - joinedAt;
            writers.execute(() -> {
                if (markReady(networkId, endpointId)) {
                    metrics.endpointPublished(System.nanoTime() - upAt);
                    log.info(
                            "network {}: endpoint {} up {} ms after Join, published {} ms after Join",
                            Ids.shortId(networkId),
                            Ids.shortId(endpointId),
                            upAfter / 1_000_000,
                            (System.nanoTime() - joinedAt) / 1_000_000);
                }
            });
        });
    }

    /** Marks every local pending endpoint whose interface is up as ready. */
    public void sweep() {
        for (Versioned<EndpointRecord> v : knownEndpoints.get()) {
            EndpointRecord ep = v.value();
            if (ep.stillPending()
                    && PeersOfNetwork.isLocal(ep, self)
                    && dataplane.hasCarrier(ep.networkId(), ep.endpointId())) {
                log.info(
                        "network {}: endpoint {} is up but was still pending; publishing it",
                        Ids.shortId(ep.networkId()),
                        Ids.shortId(ep.endpointId()));
                markReady(ep.networkId(), ep.endpointId());
            }
        }
    }

    /**
     * Rewrites the endpoint's record as ready, compare-and-set on the version read: a concurrent
     * DeleteEndpoint or a re-created endpoint is never overwritten.
     *
     * @return true if this call published it
     */
    boolean markReady(String networkId, String endpointId) {
        try {
            return RETRY.call(() -> {
                Optional<Versioned<EndpointRecord>> current = state.endpoint(networkId, endpointId);
                if (current.isEmpty()
                        || !current.get().value().stillPending()
                        || !PeersOfNetwork.isLocal(current.get().value(), self)) {
                    return false; // deleted meanwhile, already ready, or not ours
                }
                EndpointRecord ready = current.get().value().asReady();
                try {
                    state.replaceEndpoint(ready, current.get().version());
                } catch (StoreException.NotFound deleted) {
                    return false; // deleted between read and write
                }
                journal.record(ready);
                announceLocally(ready);
                return true;
            });
        } catch (StoreRetry.GaveUp e) {
            log.warn(
                    "network {}: endpoint {} kept changing while being marked ready; the periodic sweep retries",
                    Ids.shortId(networkId),
                    Ids.shortId(endpointId));
            return false;
        } catch (StoreException e) {
            log.warn(
                    "network {}: cannot mark endpoint {} ready ({}); the periodic sweep retries",
                    Ids.shortId(networkId),
                    Ids.shortId(endpointId),
                    e.toString());
            return false;
        }
    }

    /**
     * Containers of this host that talked to the address before it was this endpoint's (a
     * container re-created at its fixed address) still cache the old MAC: correct them now. The
     * other hosts' containers are told by their own peer sync when the record reaches them.
     */
    private void announceLocally(EndpointRecord ep) {
        if (ep.ipv4Address() == null) {
            return;
        }
        try {
            dataplane.announce(ep.networkId(), Map.of(ep.ipv4Address(), ep.mac()));
        } catch (RuntimeException e) {
            log.warn(
                    "network {}: announcing endpoint {} on this host failed ({})",
                    Ids.shortId(ep.networkId()),
                    Ids.shortId(ep.endpointId()),
                    e.toString());
        }
    }

    @Override
    public void close() {
        writers.shutdownNow();
    }
}
