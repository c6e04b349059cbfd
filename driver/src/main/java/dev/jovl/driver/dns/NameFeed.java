package dev.jovl.driver.dns;

import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.WatchEvent;
import dev.jovl.kvstore.WatchListener;
import dev.jovl.overlay.state.StoreLayout;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link NameTable} equal to the names in the store: one listing, then a watch from the
 * listing's revision, applying every change; a full re-list whenever the store says events were
 * lost (etcd compaction). Names of every host, so every host answers for all of them.
 */
public final class NameFeed implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NameFeed.class);

    private final NameRegistry registry;
    private final NameTable table;
    private Watch watch;

    private NameFeed(NameRegistry registry, NameTable table) {
        this.registry = registry;
        this.table = table;
    }

    /** Lists the names, fills {@code table}, and keeps it current until closed. */
    public static NameFeed start(NameRegistry registry, NameTable table) {
        NameFeed feed = new NameFeed(registry, table);
        long revision = feed.relist();
        feed.watch = registry.store().watch(StoreLayout.NAMES, revision, feed.new Listener());
        return feed;
    }

    private synchronized long relist() {
        NameRegistry.Snapshot snapshot = registry.list();
        table.replaceAll(snapshot.records());
        return snapshot.revision();
    }

    private synchronized void apply(List<WatchEvent> events) {
        for (WatchEvent event : events) {
            String[] overlayAndEndpoint =
                    event.key().substring(StoreLayout.NAMES.length()).split("/", 2);
            if (overlayAndEndpoint.length != 2) {
                continue; // not a name record key
            }
            if (event.type() == WatchEvent.Type.DELETE) {
                table.remove(overlayAndEndpoint[0], overlayAndEndpoint[1]);
            } else {
                NameRegistry.decode(event.key(), event.value())
                        .ifPresentOrElse(table::put, () -> table.remove(overlayAndEndpoint[0], overlayAndEndpoint[1]));
            }
        }
    }

    private final class Listener implements WatchListener {
        @Override
        public void onEvents(List<WatchEvent> events) {
            apply(events);
        }

        @Override
        public void onResyncNeeded(long lastRevision) {
            log.info("name watch lost events after revision {}; re-listing names", lastRevision);
            try {
                relist();
            } catch (RuntimeException e) {
                // the watch goes on; the next resync or event brings the table back
                log.warn("re-listing names failed: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.close();
        }
    }
}
