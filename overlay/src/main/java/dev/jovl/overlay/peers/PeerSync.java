package dev.jovl.overlay.peers;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.WatchEvent;
import dev.jovl.kvstore.WatchListener;
import dev.jovl.net.IpAddress;
import dev.jovl.overlay.Dataplane;
import dev.jovl.overlay.Dataplane.PeerEntries;
import dev.jovl.overlay.Ids;
import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.NetworkLocks;
import dev.jovl.overlay.OverlayMetrics;
import dev.jovl.overlay.PeerProgramming;
import dev.jovl.overlay.runtime.Supervisor;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.StoreLayout;
import dev.jovl.overlay.state.Versioned;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
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
    /** Periodic reconciles between two in which every network's desired state is worked out from scratch. */
    private static final int FULL_COMPUTATION_EVERY = 10;

    private final Store store;
    private final LocalHost self;
    private final Dataplane dataplane;
    private final NetworkLocks locks;
    private final Duration reconcileEvery;
    private final EndpointView view = new EndpointView();
    private final PeersOfNetwork.WiringCache wirings = new PeersOfNetwork.WiringCache();
    private volatile Consumer<Set<String>> viewListener = changed -> {};
    /** network -> what the kernel holds in its sandbox, as far as we know */
    private final Map<String, PeerEntries> programmed = new ConcurrentHashMap<>();

    /**
     * Networks whose endpoints changed and are not programmed yet: which endpoints, and when the
     * first of those changes was seen. The watch thread only marks them; the programming task
     * writes each network's difference once for every change that arrived meanwhile, so under a
     * burst one write covers many changes instead of the queue growing behind one write per
     * change. Marked and taken atomically per network ({@code compute} / {@code remove}), so no
     * change can be added to a mark already taken.
     */
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    private static final class Pending {
        final long seenNanos;
        final Set<String> endpoints = new HashSet<>();

        Pending(long seenNanos) {
            this.seenNanos = seenNanos;
        }
    }

    /** network -> what its sandbox should hold, kept up to date per endpoint (guarded by the network's lock) */
    private final Map<String, DesiredPeers> desiredByNetwork = new ConcurrentHashMap<>();
    /** Rounds of the periodic reconcile since the desired state was last worked out from scratch. */
    private int roundsSinceFullComputation;

    private final LinkedBlockingQueue<String> toProgram = new LinkedBlockingQueue<>();
    private final CountDownLatch loaded = new CountDownLatch(1);
    private final AtomicBoolean relist = new AtomicBoolean();
    private final AtomicLong reconciles = new AtomicLong();
    private final AtomicLong fixes = new AtomicLong();
    private final AtomicLong skippedInvalid = new AtomicLong();
    /** records already reported as unprogrammable (network/endpoint@version), so each is logged once */
    private final Set<String> reportedInvalid = ConcurrentHashMap.newKeySet();

    private final PeersOfNetwork.InvalidRecords invalid = (ep, why) -> {
        skippedInvalid.incrementAndGet();
        if (reportedInvalid.add(ep.networkId() + "/" + ep.endpointId() + "@" + ep.createdAtMillis())) {
            log.warn(
                    "network {}: endpoint {} of host {} cannot be programmed ({}); skipped, the others are",
                    Ids.shortId(ep.networkId()),
                    Ids.shortId(ep.endpointId()),
                    ep.host(),
                    why);
        }
    };
    private final Runnable onFirstLoad;
    private volatile boolean watchConnected = true;
    private volatile OverlayMetrics metrics = OverlayMetrics.NONE;
    private volatile Watch watch;
    private volatile Supervisor.Loop loop;
    private volatile Supervisor ownLoops;

    /**
     * @param onFirstLoad runs once the store is readable, before the first reconcile: adopting
     *                    or cleaning the sandboxes an earlier run left
     */
    public PeerSync(
            Store store,
            LocalHost self,
            Dataplane dataplane,
            NetworkLocks locks,
            Duration reconcileEvery,
            Runnable onFirstLoad) {
        this.onFirstLoad = onFirstLoad;
        this.store = store;
        this.self = self;
        this.dataplane = dataplane;
        this.locks = locks;
        this.reconcileEvery = reconcileEvery;
    }

    /** Where the time from a watch event to its entries being in the kernel is reported. */
    public void reportTo(OverlayMetrics metrics) {
        this.metrics = metrics;
    }

    /** {@link #start(Supervisor)} on a supervisor of its own, closed with this (for tests). */
    public void start() {
        Supervisor own = new Supervisor();
        ownLoops = own;
        start(own);
        own.start();
    }

    /**
     * Declares the peer sync loop: it loads the view and starts the watch in the background (the
     * store may be slow or down at start; the plugin socket must not wait for it), then reconciles
     * every sandbox, and again every {@code reconcileEvery}. Stopping it closes the watch.
     */
    public void start(Supervisor loops) {
        loop = loops.every("peer-sync", Duration.ZERO, reconcileEvery, this::round)
                .onStop(this::closeWatch);
        loops.task("peer-programming", this::programChanges);
    }

    /** One round: the first listing and watch until they are in, a re-list when asked, a full reconcile. */
    private void round() {
        if (!isLoaded()) {
            load();
        } else if (relist.getAndSet(false)) {
            try {
                view.replaceWith(store.list(StoreLayout.ENDPOINTS));
            } catch (RuntimeException e) {
                relist.set(true);
                throw e;
            }
            // the view changed without events: every network's desired state is worked out anew
            desiredByNetwork.clear();
        } else if (++roundsSinceFullComputation >= FULL_COMPUTATION_EVERY) {
            // belt and braces: the kept state is checked against a computation from scratch now and then
            desiredByNetwork.clear();
        }
        if (desiredByNetwork.isEmpty()) {
            roundsSinceFullComputation = 0;
        }
        reconcileAll();
    }

    private void load() {
        onFirstLoad.run();
        Store.Listing listing = store.list(StoreLayout.ENDPOINTS);
        view.replaceWith(listing);
        watch = store.watch(StoreLayout.ENDPOINTS, listing.revision(), this);
        loaded.countDown();
        log.info("peer sync started: {} endpoints in the store", view.all().size());
    }

    private void wakeUp() {
        Supervisor.Loop l = loop;
        if (l != null) {
            l.wakeUp();
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

    /**
     * Tells {@code listener} (on the watch thread: it must only hand work on) which networks' endpoint
     * view changed, after each batch of watch events is applied. The VIP balancer wakes up on it, so
     * a task whose endpoint left the store leaves the rotation without waiting for its next round.
     */
    public void onViewChange(Consumer<Set<String>> listener) {
        this.viewListener = listener;
    }

    @Override
    public void onEvents(List<WatchEvent> events) {
        long seen = System.nanoTime();
        Map<String, Set<String>> changed = view.applyTracking(events);
        if (!changed.isEmpty()) {
            viewListener.accept(changed.keySet());
        }
        changed.forEach((networkId, endpoints) -> {
            boolean[] fresh = {false};
            pending.compute(networkId, (n, p) -> {
                Pending marked = p;
                if (marked == null) {
                    marked = new Pending(seen);
                    fresh[0] = true;
                }
                marked.endpoints.addAll(endpoints);
                return marked;
            });
            if (fresh[0]) {
                toProgram.add(networkId);
            }
        });
    }

    /** The programming task: writes the changed networks' differences as they come, until stopped. */
    private void programChanges() throws InterruptedException {
        while (true) {
            String networkId = toProgram.take();
            // unmarked before reading the view: a change arriving from here on marks it again
            Pending taken = pending.remove(networkId);
            if (taken == null) {
                continue;
            }
            try {
                locks.run(networkId, () -> {
                    if (applyChanges(networkId, taken.endpoints) > 0) {
                        metrics.peersConverged(System.nanoTime() - taken.seenNanos);
                    }
                });
            } catch (RuntimeException e) {
                log.warn(
                        "network {}: programming peers failed ({}); the next reconcile retries",
                        Ids.shortId(networkId),
                        e.toString());
            }
        }
    }

    @Override
    public void onResyncNeeded(long lastRevision) {
        log.warn("store watch lost events after revision {}: re-listing and reconciling", lastRevision);
        relist.set(true);
        wakeUp();
    }

    @Override
    public void onConnectionState(boolean connected) {
        watchConnected = connected;
        if (connected) {
            log.info("store watch reconnected: full reconcile");
            wakeUp();
        } else {
            log.warn("store watch disconnected; existing peer entries stay in place");
        }
    }

    // ---------------------------------------------------------------------------- programming

    /**
     * Writes the difference between what the network should have and what was last programmed.
     *
     * @return how many entries were added or replaced
     */
    private int applyChanges(String networkId, Set<String> endpoints) {
        if (!dataplane.hasSandbox(networkId)) {
            forget(networkId);
            return 0;
        }
        PeerEntries current = programmed.get(networkId);
        DesiredPeers desired = desiredByNetwork.get(networkId);
        PeerEntries written = current != null && desired != null
                ? writeChanges(networkId, current, desired, endpoints)
                : write(networkId, current != null ? current : dataplane.dumpPeers(networkId));
        announce(networkId, written);
        return written.size();
    }

    /**
     * An address written here may have lived at another MAC a moment ago (a container re-created
     * at a fixed address, perhaps while this host was cut off): correct the ARP caches of this
     * sandbox's containers now instead of when they go stale (up to ~30 s).
     */
    private void announce(String networkId, PeerEntries written) {
        if (written.neighbours().isEmpty()) {
            return;
        }
        try {
            dataplane.announce(networkId, written.neighbours());
        } catch (RuntimeException e) {
            log.warn(
                    "network {}: announcing {} moved addresses failed ({}); caches catch up when they go stale",
                    Ids.shortId(networkId),
                    written.neighbours().size(),
                    e.toString());
        }
    }

    /** Works out the network's whole desired state again and writes its difference; @return what was added or changed */
    private PeerEntries write(String networkId, PeerEntries current) {
        DesiredPeers rebuilt = new DesiredPeers(self, invalid, wirings);
        view.endpointsByIdOf(networkId)
                .forEach((id, record) -> rebuilt.update(id, record, new HashSet<>(), new HashSet<>()));
        wirings.trimTo(view.size());
        PeerEntries desired = rebuilt.entries();
        PeerEntries written = program(
                networkId,
                PeersOfNetwork.toRemove(current, desired),
                PeersOfNetwork.toWrite(current, desired),
                desired);
        desiredByNetwork.put(networkId, rebuilt);
        return written;
    }

    /**
     * Writes what the changes of {@code endpoints} make differ from what the kernel holds, looking
     * only at the addresses and MACs they touch. @return what was added or changed
     */
    private PeerEntries writeChanges(
            String networkId, PeerEntries current, DesiredPeers desired, Set<String> endpoints) {
        Set<String> addresses = new HashSet<>();
        Set<String> macs = new HashSet<>();
        for (String endpointId : endpoints) {
            desired.update(endpointId, view.endpoint(networkId, endpointId), addresses, macs);
        }
        Map<String, String> removeNeighbours = new HashMap<>();
        Map<String, String> addNeighbours = new HashMap<>();
        for (String ip : addresses) {
            difference(ip, current.neighbours().get(ip), desired.neighbour(ip), removeNeighbours, addNeighbours);
        }
        Map<String, String> removeFdb = new HashMap<>();
        Map<String, String> addFdb = new HashMap<>();
        for (String mac : macs) {
            difference(mac, current.fdb().get(mac), desired.fdb(mac), removeFdb, addFdb);
        }
        return program(
                networkId,
                new PeerEntries(removeNeighbours, removeFdb),
                new PeerEntries(addNeighbours, addFdb),
                desired.entries());
    }

    private static void difference(
            String key, String have, String want, Map<String, String> remove, Map<String, String> add) {
        if (want == null && have != null) {
            remove.put(key, have);
        } else if (want != null && !want.equals(have)) {
            add.put(key, want);
        }
    }

    /** Applies a difference to the kernel; afterwards it holds {@code desired}. @return {@code add} */
    private PeerEntries program(String networkId, PeerEntries remove, PeerEntries add, PeerEntries desired) {
        if (!remove.isEmpty() || !add.isEmpty()) {
            try {
                dataplane.applyPeers(networkId, remove, add);
            } catch (RuntimeException e) {
                // the kernel state is now unknown: dump it next time instead of trusting our copy
                forget(networkId);
                throw e;
            }
            log.info(
                    "network {}: peers -{} +{} (now {} neighbours, {} fdb)",
                    Ids.shortId(networkId),
                    remove.size(),
                    add.size(),
                    desired.neighbours().size(),
                    desired.fdb().size());
        }
        programmed.put(networkId, desired);
        return add;
    }

    /** Full reconcile of one sandbox: dump the kernel, diff both ways, fix. Caller holds the lock. */
    @Override
    public void reconcile(String networkId) {
        awaitLoaded();
        if (!dataplane.hasSandbox(networkId)) {
            forget(networkId);
            return;
        }
        PeerEntries actual = dataplane.dumpPeers(networkId);
        PeerEntries before = programmed.get(networkId);
        if (before != null && !before.equals(actual)) {
            fixes.incrementAndGet();
            log.warn(
                    "network {}: kernel peer entries drifted from what was programmed; fixing", Ids.shortId(networkId));
        }
        PeerEntries written;
        DesiredPeers kept = desiredByNetwork.get(networkId);
        if (kept != null && before != null) {
            // the kept desired state has followed every change the watch delivered (those still
            // queued are written by the programming task): only the kernel can have drifted
            PeerEntries desired = kept.entries();
            written = program(
                    networkId,
                    PeersOfNetwork.toRemove(actual, desired),
                    PeersOfNetwork.toWrite(actual, desired),
                    desired);
        } else {
            written = write(networkId, actual);
        }
        // A reconcile after the watch came back (an underlay cut, a store outage) is where the
        // moves made meanwhile may arrive. A sandbox that held no peer entry has no container that
        // could have cached an old MAC, so a new sandbox's first programming sends nothing.
        if (!actual.isEmpty()) {
            announce(networkId, written);
        }
        reconciles.incrementAndGet();
    }

    @Override
    public void forget(String networkId) {
        programmed.remove(networkId);
        desiredByNetwork.remove(networkId);
    }

    /** Reconciles every sandbox this host has. */
    public void reconcileAll() {
        for (String networkId : dataplane.sandboxes()) {
            locks.run(networkId, () -> reconcile(networkId));
        }
    }

    // ------------------------------------------------------------------------------ for status

    public List<Versioned<EndpointRecord>> endpointsOf(String networkId) {
        return view.endpointsOf(networkId);
    }

    /**
     * The IPv4 addresses of the network's endpoints whose interface is up, on every host, as the
     * store watch has them: a container that stopped is gone from here as soon as its
     * DeleteEndpoint reached the store.
     */
    public Set<IpAddress> readyIpv4Addresses(String networkId) {
        Set<IpAddress> out = new HashSet<>();
        for (Versioned<EndpointRecord> v : view.endpointsOf(networkId)) {
            EndpointRecord e = v.value();
            if (!e.stillPending() && e.ipv4Address() != null) {
                try {
                    out.add(IpAddress.parse(e.ipv4Address()));
                } catch (IllegalArgumentException bad) {
                    // the view keeps only checked records; a bad one is simply not an address here
                }
            }
        }
        return out;
    }

    public List<Versioned<EndpointRecord>> allEndpoints() {
        return view.all();
    }

    public PeerEntries desired(String networkId) {
        return PeersOfNetwork.desired(view.endpointsOf(networkId), self, invalid);
    }

    /** How many times a record was left out of a sandbox because it cannot be programmed. */
    public long skippedInvalid() {
        return skippedInvalid.get();
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

    /** Endpoint records that could not be read and were skipped. */
    public long skippedRecords() {
        return view.skipped();
    }

    /** Loaded, connected, and no re-listing outstanding: the view follows the store. */
    public boolean watchCurrent() {
        return isLoaded() && watchConnected && !relist.get();
    }

    /** network -> remote endpoints (FDB entries) last programmed into its sandbox. */
    public Map<String, Integer> programmedPeers() {
        Map<String, Integer> out = new java.util.HashMap<>();
        programmed.forEach((n, e) -> out.put(n, e.fdb().size()));
        return out;
    }

    private void closeWatch() {
        Watch w = watch;
        if (w != null) {
            w.close();
        }
    }

    /** Stops the loop if it runs on a supervisor of its own (which closes the watch), else closes the watch. */
    @Override
    public void close() {
        Supervisor own = ownLoops;
        if (own != null) {
            own.close();
        } else {
            closeWatch();
        }
    }
}
