package dev.jovl.ipam.store;

import java.util.ArrayList;
import java.util.List;

/** Adding and removing a host from a holder list (of a pool or of its gateway). */
public final class Holders {

    private Holders() {}

    /** The list with {@code host} added at the end; unchanged if it already holds (idempotent). */
    public static List<String> add(List<String> holders, String host) {
        if (holders.contains(host)) {
            return holders;
        }
        List<String> next = new ArrayList<>(holders);
        next.add(host);
        return List.copyOf(next);
    }

    /**
     * The list without {@code host}. In the global address space (cluster-store mode) Docker
     * releases a pool on whichever host runs {@code docker network rm}, not necessarily the one that
     * requested it: a release by a non-holder there drops the oldest holder. In the local space a
     * release by a non-holder changes nothing (idempotent).
     */
    public static List<String> release(List<String> holders, String host, boolean globalSpace) {
        List<String> next = new ArrayList<>(holders);
        if (!next.remove(host) && globalSpace && !next.isEmpty()) {
            next.removeFirst();
        }
        return List.copyOf(next);
    }
}
