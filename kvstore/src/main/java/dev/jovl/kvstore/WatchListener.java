package dev.jovl.kvstore;

import java.util.List;

/** Receives a {@link Watch}'s events, on the watch's own thread, one call at a time. */
public interface WatchListener {

    /** Events in revision order; a revision is never delivered twice. */
    void onEvents(List<WatchEvent> events);

    /**
     * Events after {@code lastRevision} can no longer be supplied: re-list the prefix and carry on
     * from the listing's revision. The watch itself continues from the current revision.
     */
    void onResyncNeeded(long lastRevision);

    /** The backend became unreachable or reachable again; the watch keeps retrying meanwhile. */
    default void onConnectionState(boolean connected) {}
}
