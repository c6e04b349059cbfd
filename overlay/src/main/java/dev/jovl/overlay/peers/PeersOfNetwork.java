package dev.jovl.overlay.peers;

import dev.jovl.overlay.Dataplane.PeerEntries;
import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.Versioned;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a sandbox should hold for one network: per remote endpoint a neighbour entry (IP -> MAC)
 * and an FDB entry (MAC -> VTEP). Local endpoints need none (the bridge reaches them), pending ones
 * get none yet (their container's interface is not up: see {@link EndpointRecord#stillPending()}). When two
 * records claim one IP or one MAC (a container came back elsewhere before the old record went),
 * the most recently written one wins.
 */
public final class PeersOfNetwork {
    private PeersOfNetwork() {
    }

    public static PeerEntries desired(List<Versioned<EndpointRecord>> endpoints, LocalHost self) {
        Map<String, String> neighbours = new HashMap<>();
        Map<String, String> fdb = new HashMap<>();
        endpoints.stream()
                .sorted(Comparator.comparingLong(Versioned::version))
                .map(Versioned::value)
                .filter(ep -> !isLocal(ep, self) && !ep.stillPending() && ep.vtep() != null && ep.mac() != null)
                .forEach(ep -> {
                    fdb.put(ep.mac(), ep.vtep());
                    if (ep.ipv4Address() != null) {
                        neighbours.put(ep.ipv4Address(), ep.mac());
                    }
                    if (ep.ipv6Address() != null) {
                        neighbours.put(ep.ipv6Address(), ep.mac());
                    }
                });
        return new PeerEntries(neighbours, fdb);
    }

    public static boolean isLocal(EndpointRecord ep, LocalHost self) {
        return self.hostId().equals(ep.host()) || self.vtep().equals(ep.vtep());
    }

    /** Entries of {@code current} that {@code desired} does not hold at all. */
    static PeerEntries toRemove(PeerEntries current, PeerEntries desired) {
        return new PeerEntries(missingKeys(current.neighbours(), desired.neighbours()),
                missingKeys(current.fdb(), desired.fdb()));
    }

    /** Entries of {@code desired} that {@code current} lacks or holds with another value. */
    static PeerEntries toWrite(PeerEntries current, PeerEntries desired) {
        return new PeerEntries(differing(desired.neighbours(), current.neighbours()),
                differing(desired.fdb(), current.fdb()));
    }

    private static Map<String, String> missingKeys(Map<String, String> from, Map<String, String> in) {
        Map<String, String> out = new HashMap<>();
        from.forEach((k, v) -> {
            if (!in.containsKey(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    private static Map<String, String> differing(Map<String, String> from, Map<String, String> in) {
        Map<String, String> out = new HashMap<>();
        from.forEach((k, v) -> {
            if (!v.equals(in.get(k))) {
                out.put(k, v);
            }
        });
        return out;
    }
}
