package dev.jovl.kvstore.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jovl.kvstore.WatchEvent;
import dev.jovl.kvstore.WatchListener;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A listener that fails, even with an Error, does not end the watch: the next events still arrive. */
class OrderedDeliveryTest {
    @Test
    void aListenerErrorDoesNotStopDelivery() {
        List<String> seen = new ArrayList<>();
        OrderedDelivery d = new OrderedDelivery(
                new WatchListener() {
                    @Override
                    public void onEvents(List<WatchEvent> events) {
                        if (events.getFirst().key().equals("boom")) {
                            throw new OutOfMemoryError("test: an oversized event");
                        }
                        seen.add(events.getFirst().key());
                    }

                    @Override
                    public void onResyncNeeded(long lastRevision) {
                        throw new StackOverflowError("test");
                    }
                },
                0,
                "test watch");
        d.deliver(List.of(new WatchEvent(WatchEvent.Type.PUT, "boom", new byte[0], 1)));
        d.resync(5);
        d.deliver(List.of(new WatchEvent(WatchEvent.Type.PUT, "next", new byte[0], 6)));
        assertEquals(List.of("next"), seen);
    }
}
