package dev.jovl.kvstore.support;

import dev.jovl.kvstore.WatchEvent;
import dev.jovl.kvstore.WatchListener;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last line of every backend's watch: hands events to the listener in revision order and
 * drops any revision already delivered, so a backend that re-reads after a reconnect can never
 * repeat an event. Not thread-safe: each watch calls it from its one delivery thread.
 */
public final class OrderedDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(OrderedDelivery.class);

    private final WatchListener listener;
    private final String description;
    private volatile long lastRevision;

    public OrderedDelivery(WatchListener listener, long afterRevision, String description) {
        this.listener = listener;
        this.lastRevision = afterRevision;
        this.description = description;
    }

    public long lastRevision() {
        return lastRevision;
    }

    /**
     * Delivers the events newer than the last delivered revision; they must be sorted by revision.
     * A batch may hold several events of one revision (one transaction), never a partial one.
     */
    public void deliver(List<WatchEvent> events) {
        List<WatchEvent> fresh = new ArrayList<>(events.size());
        long last = lastRevision;
        for (WatchEvent e : events) {
            if (e.revision() > lastRevision) {
                if (e.revision() < last) {
                    throw new IllegalStateException("events out of order in " + description + ": " + events);
                }
                fresh.add(e);
                last = e.revision();
            }
        }
        if (fresh.isEmpty()) {
            return;
        }
        lastRevision = last;
        try {
            listener.onEvents(List.copyOf(fresh));
        } catch (RuntimeException | Error ex) {
            // an Error of one listener call (a huge event) must not end the watch thread
            LOG.warn("watch listener of {} failed on {} events; carrying on", description, fresh.size(), ex);
        }
    }

    /** The events after the last delivered revision are lost; carry on from {@code currentRevision}. */
    public void resync(long currentRevision) {
        long missedAfter = lastRevision;
        lastRevision = Math.max(lastRevision, currentRevision);
        try {
            listener.onResyncNeeded(missedAfter);
        } catch (RuntimeException | Error ex) {
            // an Error of one listener call (a huge event) must not end the watch thread
            LOG.warn("watch listener of {} failed on resync", description, ex);
        }
    }

    /** Moves the resume point forward without events (nothing under the prefix changed until then). */
    public void advanceTo(long revision) {
        if (revision > lastRevision) {
            lastRevision = revision;
        }
    }

    public void connectionState(boolean connected) {
        try {
            listener.onConnectionState(connected);
        } catch (RuntimeException | Error ex) {
            // an Error of one listener call (a huge event) must not end the watch thread
            LOG.warn("watch listener of {} failed on connection state", description, ex);
        }
    }
}
