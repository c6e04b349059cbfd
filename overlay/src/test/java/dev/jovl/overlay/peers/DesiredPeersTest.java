package dev.jovl.overlay.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.Versioned;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The per-endpoint upkeep of a network's desired entries always agrees with working them out
 * from scratch: random records (shared addresses and MACs, local, pending and unparseable ones)
 * written and deleted in random order.
 */
class DesiredPeersTest {
    private static final LocalHost SELF = new LocalHost("h1", "192.0.2.1", 1500, 4789);

    @Test
    void keptUpToDateItAgreesWithTheWholeComputation() {
        for (long seed = 1; seed <= 30; seed++) {
            Random rnd = new Random(seed);
            DesiredPeers kept =
                    new DesiredPeers(SELF, PeersOfNetwork.InvalidRecords.IGNORE, new PeersOfNetwork.WiringCache());
            Map<String, Versioned<EndpointRecord>> records = new HashMap<>();
            long version = 1;
            for (int step = 0; step < 300; step++) {
                String id = "e" + rnd.nextInt(12);
                Versioned<EndpointRecord> now =
                        rnd.nextInt(4) == 0 ? null : new Versioned<>(record(id, rnd), version++);
                if (now == null) {
                    records.remove(id);
                } else {
                    records.put(id, now);
                }
                kept.update(id, now, new HashSet<>(), new HashSet<>());
                assertEquals(
                        PeersOfNetwork.desired(new ArrayList<>(records.values()), SELF),
                        kept.entries(),
                        "seed " + seed + ", step " + step);
            }
        }
    }

    private static EndpointRecord record(String id, Random rnd) {
        int host = 2 + rnd.nextInt(3);
        String ip = "10.0.0." + (2 + rnd.nextInt(5));
        String mac = rnd.nextInt(10) == 0 ? "ff:ff:ff:ff:ff:ff" : "02:00:00:00:00:0" + rnd.nextInt(6);
        boolean local = rnd.nextInt(8) == 0;
        Boolean pending = rnd.nextInt(8) == 0 ? Boolean.TRUE : null;
        return new EndpointRecord(
                "n",
                id,
                ip + "/24",
                rnd.nextBoolean() ? "fd00::" + (2 + rnd.nextInt(4)) + "/64" : null,
                mac,
                local ? SELF.vtep() : "192.0.2." + host,
                local ? SELF.hostId() : "h" + host,
                null,
                0,
                pending);
    }
}
