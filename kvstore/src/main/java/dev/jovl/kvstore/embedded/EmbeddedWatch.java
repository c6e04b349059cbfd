package dev.jovl.kvstore.embedded;

import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.WatchListener;
import dev.jovl.kvstore.support.BackgroundWatch;
import java.util.function.Consumer;

/**
 * A watch on the embedded store: reads the engine's event history from its last revision on, so
 * ordering and resumption come from the history itself rather than from callbacks racing each
 * other.
 */
final class EmbeddedWatch extends BackgroundWatch {
    private static final int MAX_REVISIONS_PER_BATCH = 1000;
    private static final long IDLE_WAIT_MILLIS = 500;

    private final EmbeddedEngine engine;

    EmbeddedWatch(
            EmbeddedEngine engine,
            String prefix,
            long afterRevision,
            WatchListener listener,
            Consumer<? super BackgroundWatch> onClose) {
        super("embedded", prefix, afterRevision, listener, onClose);
        this.engine = engine;
    }

    @Override
    protected void run() {
        try {
            while (!isClosed()) {
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
}
