package dev.jovl.kvstore;

/** A running watch; closing it stops delivery. */
public interface Watch extends AutoCloseable {

    /** The revision of the last event delivered (or the start revision). */
    long lastRevision();

    @Override
    void close();
}
