package dev.jovl.kvstore.embedded;

import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.WatchListener;
import dev.jovl.kvstore.support.OrderedDelivery;
import java.util.function.Consumer;

/**
 * A watch on the embedded store: a virtual thread that reads the engine's event history from its
 * last revision on, so ordering and resumption come from the history itself rather than from
 * callbacks racing each other.
 */
final class EmbeddedWatch implements Watch {
    private static final int MAX_REVISIONS_PER_BATCH = 1000;
    private static final long IDLE_WAIT_MILLIS = 500;

    private final EmbeddedEngine engine;
    private final String prefix;
    private final OrderedDelivery delivery;
    private final Consumer<EmbeddedWatch> onClose;
    private volatile boolean closed;
    private Thread thread;

    EmbeddedWatch(EmbeddedEngine engine, String prefix, long afterRevision, WatchListener listener,
            Consumer<EmbeddedWatch> onClose) {
        this.engine = engine;
        this.prefix = prefix;
        this.delivery = new OrderedDelivery(listener, afterRevision, "embedded watch on '" + prefix + "'");
        this.onClose = onClose;
    }

    void start() {
        thread = Thread.ofVirtual().name("jovl-embedded-watch-" + prefix).start(this::run);
    }

    private void run() {
        try {
            while (!closed) {
                EmbeddedEngine.HistorySlice slice =
                        engine.eventsAfter(delivery.lastRevision(), prefix, MAX_REVISIONS_PER_BATCH);
                if (slice.truncated()) {
                    delivery.resync(slice.through());
                    continue;
                }
                delivery.deliver(slice.events());
                delivery.advanceTo(slice.through());
                if (slice.through() >= engine.revision()) {
                    engine.awaitRevisionAbove(slice.through(), IDLE_WAIT_MILLIS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (StoreException.Unavailable e) {
            // the engine closed under us: the store is gone, so is the watch
        }
    }

    @Override
    public long lastRevision() {
        return delivery.lastRevision();
    }

    @Override
    public void close() {
        closed = true;
        onClose.accept(this);
        if (thread != null && thread != Thread.currentThread()) {
            thread.interrupt();
        }
    }
}
