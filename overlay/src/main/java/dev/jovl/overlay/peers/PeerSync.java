package dev.jovl.overlay.peers;

import dev.jovl.overlay.Ids;

import dev.jovl.overlay.Dataplane;
import dev.jovl.overlay.Dataplane.PeerEntries;
import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.NetworkLocks;
import dev.jovl.overlay.PeerProgramming;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.StoreLayout;
import dev.jovl.overlay.state.Versioned;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.WatchEvent;
import dev.jovl.kvstore.WatchListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every sandbox on this host holding exactly the peer entries the store asks for.
 *
 * <p>Desired state comes from the store (a listing, then the watch); actual state is what was last
 * written to or dumped from the kernel. A change to a network's endpoints writes only the
 * difference. A full reconcile (dump the kernel, diff both ways, fix) runs on start, after every
 * watch reconnect or resync, and periodically, so a lost event or a hand-edited entry never
 * survives for long (Calico's desired/actual pattern; Docker's peer DB lacked it and leaked).
 */
public final class PeerSync implements PeerProgramming, WatchListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeerSync.class);

    private final Store store;
    private final LocalHost self;
    private final Dataplane dataplane;
    private final NetworkLocks locks;
    private final Duration reconcileEvery;
    private final EndpointView view = new EndpointView();
    /** network -> what the kernel holds in its sandbox, as far as we know */
    private final Map<String, PeerEntries> programmed = new ConcurrentHashMap<>();
    private final CountDownLatch loaded = new CountDownLatch(1);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "jovl-peer-reconcile");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong reconciles = new AtomicLong();
    private final AtomicLong fixes = new AtomicLong();
    private final Runnable onFirstLoad;
    private volatile Watch watch;
    private volatile boolean closed;

    /**
     * @param onFirstLoad runs once the store is readable, before the first reconcile: adopting
     *                    or cleaning the sandboxes an earlier run left
     */
    public PeerSync(Store store, LocalHost self, Dataplane dataplane, NetworkLocks locks, Duration reconcileEvery,
                    Runnable onFirstLoad) {
        this.onFirstLoad = onFirstLoad;
        this.store = store;
        this.self = self;
        this.dataplane = dataplane;
        this.locks = locks;
        this.reconcileEvery = reconcileEvery;
    }

    /**
     * Loads the view and starts the watch in the background (the store may be slow or down at
     * start; the plugin socket must not wait for it), then reconciles every sandbox.
     */
    public void start() {
        timer.execute(this::loadAndWatch);
        long ms = reconcileEvery.toMillis();
        timer.scheduleWithFixedDelay(this::reconcileAllQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }

    private void loadAndWatch() {
        Backoff backoff = new Backoff(200, 5000);
        while (!closed) {
            try {
                onFirstLoad.run();
                Store.Listing listing = store.list(StoreLayout.ENDPOINTS);
                view.replaceWith(listing);
                watch = store.watch(StoreLayout.ENDPOINTS, listing.revision(), this);
                loaded.countDown();
                log.info("peer sync started: {} endpoints in the store", view.all().size());
                reconcileAllQuietly();
                return;
            } catch (RuntimeException e) {
                log.warn("cannot load endpoints from the store yet ({}); retrying", e.toString());
                backoff.pause();
            }
        }
    }

    /** Waits (bounded) until the first listing is in, so a sandbox is never filled from nothing. */
    private void awaitLoaded() {
        try {
            if (!loaded.await(10, TimeUnit.SECONDS)) {
                log.warn("endpoint view not loaded yet; the next reconcile will complete the sandbox");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------------- watch callbacks

    @Override
    public void onEvents(List<WatchEvent> events) {
        Set<String> changed = view.apply(events);
        for (String networkId : changed) {
            try {
                locks.run(networkId, () -> applyChanges(networkId));
            } catch (RuntimeException e) {
                log.warn("network {}: programming peers failed ({}); the next reconcile retries",
                        Ids.shortId(networkId), e.toString());
            }
        }
    }

    @Override
    public void onResyncNeeded(long lastRevision) {
        log.warn("store watch lost events after revision {}: re-listing and reconciling", lastRevision);
        timer.execute(() -> {
            try {
                view.replaceWith(store.list(StoreLayout.ENDPOINTS));
                reconcileAllQuietly();
            } catch (RuntimeException e) {
                log.warn("re-list failed ({}); the periodic reconcile will retry", e.toString());
            }
        });
    }

    @Override
    public void onConnectionState(boolean connected) {
        if (connected) {
            log.info("store watch reconnected: full reconcile");
            timer.execute(this::reconcileAllQuietly);
        } else {
            log.warn("store watch disconnected; existing peer entries stay in place");
        }
    }

    // ---------------------------------------------------------------------------- programming

    /** Writes the difference between what the network should have and what was last programmed. */
    private void applyChanges(String networkId) {
        if (!dataplane.hasSandbox(networkId)) {
            programmed.remove(networkId);
            return;
        }
        PeerEntries current = programmed.get(networkId);
        if (current == null) {
            current = dataplane.dumpPeers(networkId);
        }
        write(networkId, current);
    }

    private void write(String networkId, PeerEntries current) {
        PeerEntries desired = PeersOfNetwork.desired(view.endpointsOf(networkId), self);
        PeerEntries remove = PeersOfNetwork.toRemove(current, desired);
        PeerEntries add = PeersOfNetwork.toWrite(current, desired);
        if (!remove.isEmpty() || !add.isEmpty()) {
            try {
                dataplane.applyPeers(networkId, remove, add);
            } catch (RuntimeException e) {
                // the kernel state is now unknown: dump it next time instead of trusting our copy
                programmed.remove(networkId);
                throw e;
            }
            log.info("network {}: peers -{} +{} (now {} neighbours, {} fdb)", Ids.shortId(networkId),
                    remove.size(), add.size(), desired.neighbours().size(), desired.fdb().size());
        }
        programmed.put(networkId, desired);
    }

    /** Full reconcile of one sandbox: dump the kernel, diff both ways, fix. Caller holds the lock. */
    @Override
    public void reconcile(String networkId) {
        awaitLoaded();
        if (!dataplane.hasSandbox(networkId)) {
            programmed.remove(networkId);
            return;
        }
        PeerEntries actual = dataplane.dumpPeers(networkId);
        PeerEntries before = programmed.get(networkId);
        if (before != null && !before.equals(actual)) {
            fixes.incrementAndGet();
            log.warn("network {}: kernel peer entries drifted from what was programmed; fixing",
                    Ids.shortId(networkId));
        }
        write(networkId, actual);
        reconciles.incrementAndGet();
    }

    @Override
    public void forget(String networkId) {
        programmed.remove(networkId);
    }

    /** Reconciles every sandbox this host has. */
    public void reconcileAll() {
        for (String networkId : dataplane.sandboxes()) {
            locks.run(networkId, () -> reconcile(networkId));
        }
    }

    private void reconcileAllQuietly() {
        if (closed || loaded.getCount() > 0) {
            return;
        }
        try {
            reconcileAll();
        } catch (RuntimeException e) {
            log.warn("reconcile failed ({}); retrying at the next round", e.toString(), e);
        }
    }

    // ------------------------------------------------------------------------------ for status

    public List<Versioned<EndpointRecord>> endpointsOf(String networkId) {
        return view.endpointsOf(networkId);
    }

    public List<Versioned<EndpointRecord>> allEndpoints() {
        return view.all();
    }

    public PeerEntries desired(String networkId) {
        return PeersOfNetwork.desired(view.endpointsOf(networkId), self);
    }

    public boolean isLoaded() {
        return loaded.getCount() == 0;
    }

    public long reconcileCount() {
        return reconciles.get();
    }

    public long driftFixes() {
        return fixes.get();
    }

    @Override
    public void close() {
        closed = true;
        Watch w = watch;
        if (w != null) {
            w.close();
        }
        timer.shutdownNow();
    }
}
