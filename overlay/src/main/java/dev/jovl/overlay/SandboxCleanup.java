package dev.jovl.overlay;

import dev.jovl.kvstore.retry.Backoff;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kernel clean-up taken off Docker's request path, run in order on one background thread per host:
 * <ul>
 * <li>deleting the veth pair of a deleted endpoint: the kernel waits for an RCU grace period while
 *     unregistering a device (~20-40 ms here), and Docker needs nothing from it once the endpoint
 *     record is gone;</li>
 * <li>removing a network's sandbox once it has had no container for the idle grace: a container
 *     started on the network soon after the last one left (a {@code docker run --rm} loop, a
 *     restart) reuses it instead of paying ~50 ms to build a namespace, bridge and VXLAN device
 *     again. With grace 0 the sandbox goes right after its last veth, as it always did.</li>
 * </ul>
 * One thread does all of it, so a removal that falls due never overtakes a deletion asked for
 * before it; and a removal re-checks under the network lock that the sandbox has no veth left (a
 * Join may have come, a deletion may have failed). A Join waits for a pending deletion of the veth
 * names it is about to use ({@link #beforeJoin}), so a new pair never meets an old one being deleted.
 */
public final class SandboxCleanup implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SandboxCleanup.class);
    private static final int DELETE_ATTEMPTS = 4;
    /** Waits before retrying a failed veth deletion: 1 s, 2 s, 4 s. */
    private static final Backoff DELETE_BACKOFF = Backoff.doubling(Duration.ofSeconds(1), Duration.ofSeconds(4));

    private static final Duration JOIN_WAIT = Duration.ofSeconds(30);
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(10);

    private final Dataplane dataplane;
    private final NetworkLocks locks;
    private final Duration idleGrace;
    private final ScheduledThreadPoolExecutor worker;
    /** veth short id -> its pending deletion; host-wide, because container ends share the host namespace */
    private final ConcurrentHashMap<String, Deletion> deletions = new ConcurrentHashMap<>();
    /** network -> the removal of its idle sandbox, scheduled for after the grace */
    private final ConcurrentHashMap<String, IdleRemoval> idleRemovals = new ConcurrentHashMap<>();

    private volatile Consumer<String> onSandboxRemoved = networkId -> {};

    /** One endpoint's veth pair to delete; {@code done} completes once it is gone (or given up). */
    private static final class Deletion {
        final String networkId;
        final String device;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        int attempts;

        Deletion(String networkId, String device) {
            this.networkId = networkId;
            this.device = device;
        }
    }

    /** A scheduled removal; only the one currently in {@link #idleRemovals} may act. */
    private static final class IdleRemoval {
        volatile ScheduledFuture<?> timer;
    }

    /** @param idleGrace how long a sandbox without containers is kept; zero removes it at once */
    public SandboxCleanup(Dataplane dataplane, NetworkLocks locks, Duration idleGrace) {
        this.dataplane = dataplane;
        this.locks = locks;
        this.idleGrace = idleGrace;
        this.worker = new ScheduledThreadPoolExecutor(1, r -> daemonThread(r, "jovl-sandbox-cleanup"));
        worker.setRemoveOnCancelPolicy(true);
        // on shutdown, run what is due (deletions) but not removals scheduled for later
        worker.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    private static Thread daemonThread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Called (under the network's lock) after a sandbox was removed: forget what was programmed in it. */
    public void onSandboxRemoved(Consumer<String> listener) {
        this.onSandboxRemoved = listener;
    }

    public Duration idleGrace() {
        return idleGrace;
    }

    // ------------------------------------------------------------------------------ veth pairs

    /**
     * Deletes a veth pair ({@code device}: its {@link SandboxNames#devicePart device part}) in the background; then, if that was the sandbox's last
     * veth, retires the sandbox. A deletion already pending for the same names (a resent
     * DeleteEndpoint) is not asked twice. Takes no lock: Docker's DeleteEndpoint answers at once.
     */
    public void deleteLater(String networkId, String device) {
        Deletion d = new Deletion(networkId, device);
        if (deletions.putIfAbsent(device, d) != null) {
            return;
        }
        try {
            worker.execute(() -> delete(device, d));
        } catch (RejectedExecutionException e) {
            delete(device, d); // shutting down: do it here rather than leave it
        }
    }

    /** Whether the veth pair of this {@link SandboxNames#devicePart device part} is being deleted. */
    public boolean isDeleting(String device) {
        return deletions.containsKey(device);
    }

    private void delete(String key, Deletion d) {
        String shortNet = Ids.shortId(d.networkId);
        try {
            // Docker has moved the container end back to the host namespace by now (after Leave):
            // deleting it there takes the pair and needs no sandbox, so no network lock is held
            // while the kernel waits, and the network's Joins and peer updates go on meanwhile.
            dataplane.removeHostEnd(d.device);
            locks.run(d.networkId, () -> {
                // the container end was elsewhere (or the test plays Docker differently): the sandbox end
                dataplane.detach(d.networkId, d.device);
                deletions.remove(key, d);
                d.done.complete(null);
                retire(d.networkId, true);
            });
        } catch (RuntimeException e) {
            if (++d.attempts < DELETE_ATTEMPTS) {
                long delayMs = DELETE_BACKOFF.delay(d.attempts).toMillis();
                log.warn(
                        "network {}: deleting the veth pair of endpoint {} failed ({}); retrying in {} ms",
                        shortNet,
                        Ids.shortId(d.device),
                        e.getMessage(),
                        delayMs);
                try {
                    worker.schedule(() -> delete(key, d), delayMs, TimeUnit.MILLISECONDS);
                    return;
                } catch (RejectedExecutionException shuttingDown) {
                    // fall through: the next start's adoption removes what is left
                }
            }
            log.error(
                    "network {}: could not delete the veth pair of endpoint {} ({}); the periodic sweep removes "
                            + "it later",
                    shortNet,
                    Ids.shortId(d.device),
                    e.getMessage());
            deletions.remove(key, d);
            d.done.complete(null);
        }
    }

    /**
     * Called by Join before it takes the network lock (never while holding it: a deletion needs
     * that lock to finish): cancels the network's pending sandbox removal and waits for a pending
     * deletion of the veth names this endpoint is about to use, so the new pair cannot be mistaken
     * for, or deleted as, the old one. Docker never reuses an endpoint id, and names carry 44 bits
     * of it, so the wait is for resends and tests; it costs one map lookup otherwise.
     */
    public void beforeJoin(String networkId, String endpointId) {
        cancelRetirement(networkId);
        Deletion d = deletions.get(SandboxNames.devicePart(endpointId));
        if (d == null) {
            return;
        }
        try {
            d.done.get(JOIN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw OverlayException.failed("the veth pair " + SandboxNames.hostEnd(endpointId) + " of an earlier "
                    + "endpoint is still being deleted; try again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw OverlayException.failed(
                    "interrupted while waiting for " + SandboxNames.hostEnd(endpointId) + " to be deleted");
        } catch (ExecutionException e) {
            // never completed exceptionally
        }
    }

    // ------------------------------------------------------------------------------- sandboxes

    /**
     * Caller holds the network's lock. If the network's sandbox has no veth, it is removed after
     * the idle grace (at once with grace 0); a removal already scheduled keeps its time.
     */
    public void retireWhenIdle(String networkId) {
        retire(networkId, false);
    }

    /** Whether a removal of the network's sandbox is scheduled. */
    public boolean isRetiring(String networkId) {
        return idleRemovals.containsKey(networkId);
    }

    /** @param restartGrace a container just left: the grace counts from now */
    private void retire(String networkId, boolean restartGrace) {
        if (!dataplane.hasSandbox(networkId)
                || !dataplane.attachedEndpoints(networkId).isEmpty()) {
            return;
        }
        if (idleGrace.isZero()) {
            remove(networkId, "last local container gone");
            return;
        }
        if (!restartGrace && idleRemovals.containsKey(networkId)) {
            return;
        }
        IdleRemoval removal = new IdleRemoval();
        IdleRemoval earlier = idleRemovals.put(networkId, removal);
        cancel(earlier);
        try {
            removal.timer = worker.schedule(
                    () -> removeIfStillIdle(networkId, removal), idleGrace.toMillis(), TimeUnit.MILLISECONDS);
            if (earlier == null) {
                log.info(
                        "network {}: no local container left; sandbox kept for {} s",
                        Ids.shortId(networkId),
                        idleGrace.toSeconds());
            }
        } catch (RejectedExecutionException e) {
            idleRemovals.remove(networkId, removal); // shutting down: close() removes idle sandboxes
        }
    }

    /**
     * Caller holds the network's lock. Removes the network's sandbox at once if it has no veth (a
     * network deleted on another host: nothing will join it again).
     */
    public void removeIfUnused(String networkId, String why) {
        if (dataplane.hasSandbox(networkId)
                && dataplane.attachedEndpoints(networkId).isEmpty()) {
            cancelRetirement(networkId);
            remove(networkId, why);
        }
    }

    /** Drops the network's scheduled removal, if any (a Join is coming, or the network is deleted). */
    public void cancelRetirement(String networkId) {
        cancel(idleRemovals.remove(networkId));
    }

    private static void cancel(IdleRemoval removal) {
        if (removal != null && removal.timer != null) {
            removal.timer.cancel(false);
        }
    }

    private void removeIfStillIdle(String networkId, IdleRemoval removal) {
        try {
            locks.run(networkId, () -> {
                if (!idleRemovals.remove(networkId, removal)) {
                    return; // cancelled or replaced meanwhile
                }
                if (dataplane.hasSandbox(networkId)
                        && dataplane.attachedEndpoints(networkId).isEmpty()) {
                    remove(networkId, "idle for " + idleGrace.toSeconds() + " s");
                }
            });
        } catch (RuntimeException e) {
            log.warn(
                    "network {}: removing the idle sandbox failed ({}); the periodic sweep retries",
                    Ids.shortId(networkId),
                    e.toString());
        }
    }

    /** Caller holds the network's lock. */
    private void remove(String networkId, String why) {
        dataplane.removeSandbox(networkId);
        onSandboxRemoved.accept(networkId);
        log.info("network {}: {}, sandbox removed", Ids.shortId(networkId), why);
    }

    /**
     * Finishes the deletions already asked for, then removes every sandbox without a veth (those
     * waiting for their grace, and any other no container uses): a stopped jovl leaves only
     * sandboxes that containers still use, and the next start adopts those. Deletions waiting for
     * a retry are left to the next start's adoption.
     */
    @Override
    public void close() {
        worker.shutdown(); // runs what is due, drops what is scheduled for later
        try {
            if (!worker.awaitTermination(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn(
                        "veth deletions still running after {} s; the next start removes what is left",
                        SHUTDOWN_WAIT.toSeconds());
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        idleRemovals.clear();
        for (String networkId : dataplane.sandboxes()) {
            try {
                locks.run(networkId, () -> {
                    if (dataplane.hasSandbox(networkId)
                            && dataplane.attachedEndpoints(networkId).isEmpty()) {
                        remove(networkId, "no container uses it and jovl is stopping");
                    }
                });
            } catch (RuntimeException e) {
                log.warn(
                        "network {}: removing the idle sandbox on shutdown failed ({}); the next start retries",
                        Ids.shortId(networkId),
                        e.toString());
            }
        }
    }
}
