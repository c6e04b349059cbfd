package dev.jovl.overlay.peers;

import dev.jovl.overlay.Dataplane.PeerEntries;
import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.Versioned;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The peer entries one network should have (the rules of {@link PeersOfNetwork#desired}), kept
 * up to date one endpoint at a time: which records claim each address and each MAC, so that a
 * change works out only the keys it touches instead of the whole network again (at 5,000 peers
 * per network that whole pass was most of a change's cost). Not thread-safe: used under the
 * network's lock.
 */
final class DesiredPeers {
    /** What one ready remote endpoint claims, and the version of its record. */
    private record Claim(long version, List<String> addresses, String mac, String vtep) {}

    private final LocalHost self;
    private final PeersOfNetwork.InvalidRecords invalid;
    private final PeersOfNetwork.WiringCache wirings;
    private final Map<String, Claim> byEndpoint = new HashMap<>();
    /** address -> endpoint -> version of its record, for every record claiming the address */
    private final Map<String, Map<String, Long>> addressClaims = new HashMap<>();
    /** MAC -> endpoint -> version */
    private final Map<String, Map<String, Long>> macClaims = new HashMap<>();

    private final Map<String, String> neighbours = new HashMap<>();
    private final Map<String, String> fdb = new HashMap<>();

    DesiredPeers(LocalHost self, PeersOfNetwork.InvalidRecords invalid, PeersOfNetwork.WiringCache wirings) {
        this.self = self;
        this.invalid = invalid;
        this.wirings = wirings;
    }

    /** Sets an endpoint's record ({@code null}: gone), noting the addresses and MACs it touched. */
    void update(String endpointId, Versioned<EndpointRecord> record, Set<String> addresses, Set<String> macs) {
        Claim old = byEndpoint.remove(endpointId);
        if (old != null) {
            old.addresses().forEach(ip -> unclaim(addressClaims, ip, endpointId));
            unclaim(macClaims, old.mac(), endpointId);
            addresses.addAll(old.addresses());
            macs.add(old.mac());
        }
        Claim now = claimOf(record);
        if (now != null) {
            byEndpoint.put(endpointId, now);
            now.addresses()
                    .forEach(ip -> addressClaims
                            .computeIfAbsent(ip, k -> new HashMap<>(2))
                            .put(endpointId, now.version()));
            macClaims.computeIfAbsent(now.mac(), k -> new HashMap<>(2)).put(endpointId, now.version());
            addresses.addAll(now.addresses());
            macs.add(now.mac());
        }
        for (String ip : addresses) {
            String winner = newest(addressClaims.get(ip));
            if (winner == null) {
                neighbours.remove(ip);
            } else {
                neighbours.put(ip, byEndpoint.get(winner).mac());
            }
        }
        for (String mac : macs) {
            String winner = newest(macClaims.get(mac));
            if (winner == null) {
                fdb.remove(mac);
            } else {
                fdb.put(mac, byEndpoint.get(winner).vtep());
            }
        }
    }

    /** The neighbour entry an address should have, or {@code null}. */
    String neighbour(String address) {
        return neighbours.get(address);
    }

    /** The FDB entry a MAC should have, or {@code null}. */
    String fdb(String mac) {
        return fdb.get(mac);
    }

    PeerEntries entries() {
        return new PeerEntries(neighbours, fdb);
    }

    private Claim claimOf(Versioned<EndpointRecord> record) {
        if (record == null) {
            return null;
        }
        EndpointRecord ep = record.value();
        if (PeersOfNetwork.isLocal(ep, self) || ep.stillPending()) {
            return null;
        }
        try {
            PeersOfNetwork.Wiring w = wirings.of(ep);
            return new Claim(record.version(), w.addresses(), w.mac(), w.vtep());
        } catch (IllegalArgumentException e) {
            invalid.skipped(ep, e.getMessage());
            return null;
        }
    }

    private static void unclaim(Map<String, Map<String, Long>> claims, String key, String endpointId) {
        Map<String, Long> c = claims.get(key);
        if (c != null) {
            c.remove(endpointId);
            if (c.isEmpty()) {
                claims.remove(key);
            }
        }
    }

    /** The endpoint whose record is the most recently written among the claims, or {@code null}. */
    private static String newest(Map<String, Long> claims) {
        if (claims == null) {
            return null;
        }
        String best = null;
        long bestVersion = Long.MIN_VALUE;
        for (Map.Entry<String, Long> c : claims.entrySet()) {
            if (c.getValue() > bestVersion) {
                best = c.getKey();
                bestVersion = c.getValue();
            }
        }
        return best;
    }
}
