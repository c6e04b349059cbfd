package dev.jovl.driver.docker;

/** Receives the event stream, on the stream's own thread, one call at a time. */
public interface DockerEventListener {

    /**
     * The stream is subscribed (first time or after a reconnect): events from now on will arrive,
     * but any that happened while disconnected are lost, so re-list the state now.
     */
    void onConnected();

    void onEvent(DockerEvent event);

    /** The stream broke; it will be reconnected after a short back-off. */
    default void onDisconnected(Exception cause) {}
}
