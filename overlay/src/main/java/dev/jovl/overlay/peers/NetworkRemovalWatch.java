package dev.jovl.overlay.peers;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.WatchEvent;
import dev.jovl.kvstore.WatchListener;
import dev.jovl.overlay.NetworkLocks;
import dev.jovl.overlay.SandboxCleanup;
import dev.jovl.overlay.runtime.Supervisor;
import dev.jovl.overlay.state.StoreLayout;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes this host's idle sandbox of a network deleted on another host, at once. Docker sends
 * DeleteNetwork only to the host where {@code docker network rm} ran; the other hosts' sandboxes
 * used to go with their last container, but an idle sandbox now waits for the grace, and a
 * network that no longer exists will never be joined again. Watches the network records; a missed
 * deletion is caught by the periodic sweep ({@link SandboxAdoption#sweepAll}). A sandbox that
 * still has a veth is left alone (adoption deals with it on the next start).
 */
public final class NetworkRemovalWatch implements WatchListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetworkRemovalWatch.class);

    private final Store store;
    private final NetworkLocks locks;
    private final SandboxCleanup cleanup;
    private volatile Watch watch;
    private volatile boolean closed;

    public NetworkRemovalWatch(Store store, NetworkLocks locks, SandboxCleanup cleanup) {
        this.store = store;
        this.locks = locks;
        this.cleanup = cleanup;
    }

    /** Declares the task that starts watching in the background (the store may be slow or down at start). */
    public void start(Supervisor loops) {
        loops.task("network-removal-watch", this::watch).onStop(this);
    }

    private void watch() {
        long revision = store.list(StoreLayout.NETWORKS).revision();
        Watch w = store.watch(StoreLayout.NETWORKS, revision, this);
        watch = w;
        if (closed) {
            w.close();
        }
    }

    @Override
    public void onEvents(List<WatchEvent> events) {
        for (WatchEvent e : events) {
            if (e.type() != WatchEvent.Type.DELETE || !e.key().startsWith(StoreLayout.NETWORKS)) {
                continue;
            }
            String networkId = e.key().substring(StoreLayout.NETWORKS.length());
            try {
                locks.run(networkId, () -> cleanup.removeIfUnused(networkId, "network deleted"));
            } catch (RuntimeException ex) {
                log.warn(
                        "network {}: removing the sandbox of the deleted network failed ({}); the sweep retries",
                        networkId,
                        ex.toString());
            }
        }
    }

    @Override
    public void onResyncNeeded(long lastRevision) {
        // deletions may have been missed: the periodic sweep removes their sandboxes
        log.info("network watch lost events after revision {}; the periodic sweep catches up", lastRevision);
    }

    @Override
    public void close() {
        closed = true;
        Watch w = watch;
        if (w != null) {
            w.close();
        }
    }
}
