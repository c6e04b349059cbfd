package dev.jovl.overlay;

/** The peer synchronisation as the request handlers see it. */
public interface PeerProgramming {

    /**
     * Brings the network's sandbox in line with the store now: every remote endpoint's
     * neighbour and FDB entry present, nothing else. Called with the network's lock held.
     */
    void reconcile(String networkId);

    /** The network's sandbox is gone; forget what was programmed in it. */
    void forget(String networkId);
}
