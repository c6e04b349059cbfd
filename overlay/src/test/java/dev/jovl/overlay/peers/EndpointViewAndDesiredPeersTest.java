package dev.jovl.overlay.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.RecordJson;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.WatchEvent;
import dev.jovl.overlay.Dataplane.PeerEntries;
import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.StoreLayout;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The ordering rules of the endpoint view and the desired peer entries derived from it. */
class EndpointViewAndDesiredPeersTest {
    private static final LocalHost SELF = new LocalHost("h1", "192.0.2.1", 1500, 4789);

    private static EndpointRecord ep(String id, String ip, String mac, String host, String vtep) {
        return new EndpointRecord("n", id, ip + "/24", null, mac, vtep, host, null, 0, null);
    }

    private static WatchEvent put(EndpointRecord r, long rev) {
        return new WatchEvent(
                WatchEvent.Type.PUT, StoreLayout.endpoint(r.networkId(), r.endpointId()), RecordJson.write(r), rev);
    }

    private static WatchEvent delete(String id, long rev) {
        return new WatchEvent(WatchEvent.Type.DELETE, StoreLayout.endpoint("n", id), new byte[0], rev);
    }

    @Test
    void eventsAtOrBelowTheListingOrAlreadySeenAreIgnored() {
        EndpointView view = new EndpointView();
        EndpointRecord a = ep("a", "10.0.0.2", "02:00:00:00:00:02", "h2", "192.0.2.2");
        view.replaceWith(new Store.Listing(
                List.of(new KeyValue(StoreLayout.endpoint("n", "a"), RecordJson.write(a), 10, "")), 10));
        assertEquals(Set.of(), view.apply(List.of(delete("a", 9))), "older than the listing");
        assertEquals(1, view.endpointsOf("n").size());
        assertEquals(Set.of("n"), view.apply(List.of(delete("a", 11))));
        assertEquals(Set.of(), view.apply(List.of(put(a, 11))), "a replayed put at the delete's revision");
        assertEquals(0, view.endpointsOf("n").size());
        assertEquals(Set.of("n"), view.apply(List.of(put(a, 12))), "re-created later");
        assertEquals(Set.of(), view.apply(List.of(put(a, 12))), "the same event twice");
    }

    @Test
    void desiredEntriesSkipLocalEndpointsAndTheNewestRecordWinsAConflict() {
        EndpointView view = new EndpointView();
        view.apply(List.of(
                put(ep("local", "10.0.0.1", "02:00:00:00:00:01", "h1", "192.0.2.1"), 5),
                put(ep("old", "10.0.0.3", "02:00:00:00:00:03", "h2", "192.0.2.2"), 6),
                put(ep("new", "10.0.0.3", "02:00:00:00:00:33", "h3", "192.0.2.3"), 7)));
        PeerEntries d = PeersOfNetwork.desired(view.endpointsOf("n"), SELF);
        assertEquals(Map.of("10.0.0.3", "02:00:00:00:00:33"), d.neighbours());
        assertEquals(Map.of("02:00:00:00:00:03", "192.0.2.2", "02:00:00:00:00:33", "192.0.2.3"), d.fdb());
    }

    @Test
    void differencesRemoveWhatIsGoneAndRewriteWhatChanged() {
        PeerEntries current = new PeerEntries(
                Map.of("10.0.0.3", "02:aa", "10.0.0.4", "02:bb"), Map.of("02:aa", "192.0.2.2", "02:bb", "192.0.2.2"));
        PeerEntries desired =
                new PeerEntries(Map.of("10.0.0.3", "02:cc"), Map.of("02:cc", "192.0.2.3", "02:bb", "192.0.2.9"));
        PeerEntries remove = PeersOfNetwork.toRemove(current, desired);
        PeerEntries write = PeersOfNetwork.toWrite(current, desired);
        assertEquals(Map.of("10.0.0.4", "02:bb"), remove.neighbours());
        assertEquals(Map.of("02:aa", "192.0.2.2"), remove.fdb());
        assertEquals(Map.of("10.0.0.3", "02:cc"), write.neighbours());
        assertEquals(Map.of("02:cc", "192.0.2.3", "02:bb", "192.0.2.9"), write.fdb());
        assertTrue(PeersOfNetwork.toWrite(desired, desired).isEmpty());
    }

    @Test
    void aPendingEndpointGetsNoEntriesUntilItIsReady() {
        EndpointView view = new EndpointView();
        EndpointRecord ready = ep("b", "10.0.0.4", "02:00:00:00:00:04", "h2", "192.0.2.2");
        EndpointRecord pending = new EndpointRecord(
                "n", "c", "10.0.0.5/24", null, "02:00:00:00:00:05", "192.0.2.3", "h3", null, 0, true);
        view.apply(List.of(put(ready, 5), put(pending, 6)));
        PeerEntries d = PeersOfNetwork.desired(view.endpointsOf("n"), SELF);
        assertEquals(Map.of("10.0.0.4", "02:00:00:00:00:04"), d.neighbours(), "only the ready one");
        assertEquals(Map.of("02:00:00:00:00:04", "192.0.2.2"), d.fdb());

        view.apply(List.of(put(pending.asReady(), 7)));
        d = PeersOfNetwork.desired(view.endpointsOf("n"), SELF);
        assertEquals(Map.of("10.0.0.4", "02:00:00:00:00:04", "10.0.0.5", "02:00:00:00:00:05"), d.neighbours());
        assertEquals(Map.of("02:00:00:00:00:04", "192.0.2.2", "02:00:00:00:00:05", "192.0.2.3"), d.fdb());
    }

    @Test
    void aReadyRecordIsStoredAsBeforeAndOldRecordsReadAsReady() {
        EndpointRecord ready = ep("b", "10.0.0.4", "02:00:00:00:00:04", "h2", "192.0.2.2");
        String json = new String(RecordJson.write(ready), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(!json.contains("pending"), json);
        String pendingJson = new String(
                RecordJson.write(new EndpointRecord(
                        "n", "c", null, null, "02:00:00:00:00:05", "192.0.2.3", "h3", null, 0, true)),
                java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(pendingJson.contains("\"pending\":true"), pendingJson);
        // written by a jovl from before the field existed
        String old = "{\"networkId\":\"n\",\"endpointId\":\"b\",\"ipv4\":\"10.0.0.4/24\",\"mac\":\"02:00:00:00:00:04\","
                + "\"vtep\":\"192.0.2.2\",\"host\":\"h2\",\"createdAtMillis\":0}";
        EndpointRecord read =
                RecordJson.read(old.getBytes(java.nio.charset.StandardCharsets.UTF_8), EndpointRecord.class, "k");
        assertTrue(!read.stillPending());
        assertEquals(ready, read);
    }
}
