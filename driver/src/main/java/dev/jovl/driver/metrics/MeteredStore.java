package dev.jovl.driver.metrics;

import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.Txn;
import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.WatchEvent;
import dev.jovl.kvstore.WatchListener;
import dev.jovl.overlay.state.StoreLayout;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The daemon's store, counted: every operation by kind, its latency, its failures by kind, and per
 * watch its reconnects, resyncs and the time of its last event. A decorator, so every backend and
 * every user of the store (core, IPAM, standalone mode) is measured in one place, and the core
 * knows nothing of it.
 */
public final class MeteredStore implements Store {
    /** The {@code op} label: one per {@link Store} call (every write is a transaction). */
    static final List<String> OPS = List.of("get", "list", "delete", "txn", "watch", "lease");
    /** The {@code kind} label of {@code jovl_store_errors_total}: see {@link #kind}. */
    static final List<String> ERROR_KINDS =
            List.of("unavailable", "conflict", "not_found", "invalid_argument", "other");

    private final Store store;
    private final DaemonMetrics metrics;
    /** watch name -> when it last delivered events, in ms since the epoch (0: never) */
    private final Map<String, Long> lastEvent = new ConcurrentHashMap<>();

    public MeteredStore(Store store, DaemonMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
        // every series at 0 from the start: a healthy daemon's scrape shows the error counter (a
        // family with no series is missing), and rate() sees the first error as an increase
        for (String op : OPS) {
            metrics.storeOperations.labelValues(op);
            for (String kind : ERROR_KINDS) {
                metrics.storeErrors.labelValues(op, kind);
            }
        }
        metrics.gauge(
                "jovl_store_watch_last_event_age_seconds",
                "Seconds since each store watch last delivered an event (a quiet store is not an error)",
                List.of("watch"),
                cb -> {
                    long now = System.currentTimeMillis();
                    lastEvent.forEach((w, at) -> {
                        if (at > 0) {
                            cb.call((now - at) / 1000.0, w);
                        }
                    });
                });
    }

    private <T> T timed(String op, Supplier<T> call) {
        long t0 = System.nanoTime();
        metrics.storeOperations.labelValues(op).inc();
        try {
            return call.get();
        } catch (RuntimeException e) {
            metrics.storeErrors.labelValues(op, kind(e)).inc();
            throw e;
        } finally {
            metrics.storeSeconds.labelValues(op).observe(DaemonMetrics.seconds(System.nanoTime() - t0));
        }
    }

    static String kind(RuntimeException e) {
        return switch (e) {
            case StoreException.Unavailable u -> "unavailable";
            case StoreException.Conflict c -> "conflict";
            case StoreException.NotFound n -> "not_found";
            case StoreException.InvalidArgument i -> "invalid_argument";
            default -> "other";
        };
    }

    /** {@code jovl/v1/endpoints/} -> {@code endpoints}: the fixed part of a watched prefix. */
    static String watchName(String prefix) {
        String rest = prefix.startsWith(StoreLayout.ROOT) ? prefix.substring(StoreLayout.ROOT.length()) : prefix;
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }

    @Override
    public Optional<KeyValue> get(String key) {
        return timed("get", () -> store.get(key));
    }

    @Override
    public Listing list(String prefix) {
        return timed("list", () -> store.list(prefix));
    }

    @Override
    public boolean delete(String key) {
        return timed("delete", () -> store.delete(key));
    }

    @Override
    public TxnResult commit(Txn txn) {
        return timed("txn", () -> store.commit(txn));
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        String name = watchName(prefix);
        lastEvent.putIfAbsent(name, 0L);
        metrics.watchReconnects.labelValues(name); // at 0 while the watch has not broken
        metrics.watchResyncs.labelValues(name);
        return timed(
                "watch",
                () -> store.watch(prefix, afterRevision, new WatchListener() {
                    private volatile boolean broken;

                    @Override
                    public void onEvents(List<WatchEvent> events) {
                        lastEvent.put(name, System.currentTimeMillis());
                        listener.onEvents(events);
                    }

                    @Override
                    public void onResyncNeeded(long lastRevision) {
                        metrics.watchResyncs.labelValues(name).inc();
                        listener.onResyncNeeded(lastRevision);
                    }

                    @Override
                    public void onConnectionState(boolean connected) {
                        if (connected && broken) {
                            metrics.watchReconnects.labelValues(name).inc();
                        }
                        broken = !connected;
                        listener.onConnectionState(connected);
                    }
                }));
    }

    @Override
    public Lease grantLease(Duration ttl) {
        return timed("lease", () -> store.grantLease(ttl));
    }

    @Override
    public String describe() {
        return store.describe();
    }

    @Override
    public void close() {
        store.close();
    }
}
