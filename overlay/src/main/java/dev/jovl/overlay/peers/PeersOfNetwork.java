package dev.jovl.overlay.peers;

import dev.jovl.net.Family;
import dev.jovl.net.InterfaceAddress;
import dev.jovl.net.IpAddress;
import dev.jovl.net.MacAddress;
import dev.jovl.overlay.Dataplane.PeerEntries;
import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.Versioned;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a sandbox should hold for one network: per remote endpoint a neighbour entry (IP -> MAC)
 * and an FDB entry (MAC -> VTEP). Local endpoints need none (the bridge reaches them), pending ones
 * get none yet (their container's interface is not up: see {@link EndpointRecord#stillPending()}). When two
 * records claim one IP or one MAC (a container came back elsewhere before the old record went),
 * the most recently written one wins.
 */
public final class PeersOfNetwork {
    private PeersOfNetwork() {}

    /** What to do with a record that cannot be programmed: it is skipped either way. */
    @FunctionalInterface
    public interface InvalidRecords {
        InvalidRecords IGNORE = (ep, why) -> {};

        void skipped(EndpointRecord endpoint, String why);
    }

    public static PeerEntries desired(List<Versioned<EndpointRecord>> endpoints, LocalHost self) {
        return desired(endpoints, self, InvalidRecords.IGNORE);
    }

    /**
     * The entries of every ready remote endpoint, in canonical text (RFC 5952 for IPv6, lower-case
     * MACs: what {@code dumpPeers} reports). A record that cannot be programmed (an address with a
     * zone, a multicast MAC, a VTEP that is no address: written by a buggy or hostile client) is
     * skipped and reported to {@code invalid}; it never keeps the others out of the kernel.
     */
    public static PeerEntries desired(
            List<Versioned<EndpointRecord>> endpoints, LocalHost self, InvalidRecords invalid) {
        return desired(endpoints, self, invalid, new WiringCache());
    }

    /** {@link #desired(List, LocalHost, InvalidRecords)}, parsing only the records {@code cache} has not seen. */
    static PeerEntries desired(
            List<Versioned<EndpointRecord>> endpoints, LocalHost self, InvalidRecords invalid, WiringCache cache) {
        // the most recently written record wins an address or a MAC: one pass keeping, per key,
        // the value of the highest version seen (no sort: this runs for every change of a network)
        Map<String, Winner> neighbours = new HashMap<>();
        Map<String, Winner> fdb = new HashMap<>();
        for (Versioned<EndpointRecord> v : endpoints) {
            EndpointRecord ep = v.value();
            if (isLocal(ep, self) || ep.stillPending()) {
                continue;
            }
            Wiring w;
            try {
                w = cache.of(ep);
            } catch (IllegalArgumentException e) {
                invalid.skipped(ep, e.getMessage());
                continue;
            }
            Winner mac = new Winner(w.mac, v.version());
            fdb.merge(w.mac, new Winner(w.vtep, v.version()), Winner::later);
            w.addresses.forEach(ip -> neighbours.merge(ip, mac, Winner::later));
        }
        return new PeerEntries(Winner.values(neighbours), Winner.values(fdb));
    }

    /** A key's value and the version of the record it came from. */
    private record Winner(String value, long version) {
        static Winner later(Winner a, Winner b) {
            return b.version > a.version ? b : a;
        }

        static Map<String, String> values(Map<String, Winner> winners) {
            Map<String, String> out = HashMap.newHashMap(winners.size());
            winners.forEach((k, w) -> out.put(k, w.value));
            return out;
        }
    }

    /**
     * The parsed wiring of records seen before. A network's peers are worked out again for every
     * change, while its records rarely change: parsing every address and MAC each time was a good
     * part of a change's cost at thousands of peers per network. Thread-safe; a record that cannot
     * be parsed is not kept (it is reported each time it is met).
     */
    static final class WiringCache {
        private final Map<EndpointRecord, Wiring> parsed = new ConcurrentHashMap<>();

        Wiring of(EndpointRecord ep) {
            Wiring w = parsed.get(ep);
            if (w == null) {
                w = Wiring.of(ep);
                parsed.put(ep, w);
            }
            return w;
        }

        /** Forgets everything once it holds far more than the {@code live} records it serves. */
        void trimTo(int live) {
            if (parsed.size() > 2 * live + 1024) {
                parsed.clear();
            }
        }
    }

    /** A record's addresses, MAC and VTEP, parsed and in canonical text. */
    record Wiring(List<String> addresses, String mac, String vtep) {
        static Wiring of(EndpointRecord ep) {
            if (ep.mac() == null || ep.vtep() == null) {
                throw new IllegalArgumentException("no MAC or no VTEP");
            }
            MacAddress mac = MacAddress.parse(ep.mac());
            if (mac.isMulticast() || mac.equals(ZERO_MAC)) {
                throw new IllegalArgumentException("MAC " + mac + " cannot be an interface's");
            }
            List<String> addresses = new ArrayList<>(2);
            if (ep.ipv4() != null) {
                addresses.add(address(ep.ipv4(), Family.V4));
            }
            if (ep.ipv6() != null) {
                addresses.add(address(ep.ipv6(), Family.V6));
            }
            return new Wiring(
                    addresses, mac.toString(), IpAddress.parse(ep.vtep()).toString());
        }

        private static String address(String cidr, Family family) {
            IpAddress a = cidr.indexOf('/') < 0
                    ? IpAddress.parse(cidr)
                    : InterfaceAddress.parse(cidr).address();
            if (a.family() != family) {
                throw new IllegalArgumentException(cidr + " is not an " + family + " address");
            }
            return a.toString();
        }
    }

    private static final MacAddress ZERO_MAC = MacAddress.of(new byte[6]);

    public static boolean isLocal(EndpointRecord ep, LocalHost self) {
        return self.hostId().equals(ep.host()) || self.vtep().equals(ep.vtep());
    }

    /** Entries of {@code current} that {@code desired} does not hold at all. */
    static PeerEntries toRemove(PeerEntries current, PeerEntries desired) {
        return new PeerEntries(
                missingKeys(current.neighbours(), desired.neighbours()), missingKeys(current.fdb(), desired.fdb()));
    }

    /** Entries of {@code desired} that {@code current} lacks or holds with another value. */
    static PeerEntries toWrite(PeerEntries current, PeerEntries desired) {
        return new PeerEntries(
                differing(desired.neighbours(), current.neighbours()), differing(desired.fdb(), current.fdb()));
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
