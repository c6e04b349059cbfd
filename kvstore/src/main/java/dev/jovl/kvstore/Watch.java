package dev.jovl.kvstore;

/** A running watch; closing it stops delivery. */
public interface Watch extends AutoCloseable {

    /**
     * The revision through which every change under the prefix has been delivered: at least the
     * revision of the last event delivered (or the start revision), possibly later when the
     * backend knows nothing under the prefix changed since. A new watch from here misses nothing.
     */
    long lastRevision();

    @Override
    void close();
}
