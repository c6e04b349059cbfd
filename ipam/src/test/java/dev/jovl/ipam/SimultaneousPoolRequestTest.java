package dev.jovl.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jovl.ipam.protocol.IpamProtocol.RequestPoolRequest;
import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Txn;
import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.WatchListener;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Two hosts ask for the same explicit subnet at the same moment (swarm starts a new network's
 * first tasks on several nodes at once): the one that loses the race finds the pool in the index
 * after it found no pool key, and must get that pool, not an overlap error.
 */
class SimultaneousPoolRequestTest {

    /** Runs {@code meanwhile} right after the first read of {@code key}, as if another host acted then. */
    private static final class RaceAfterFirstGet implements Store {
        private final Store store;
        private final String key;
        private Runnable meanwhile;

        RaceAfterFirstGet(Store store, String key, Runnable meanwhile) {
            this.store = store;
            this.key = key;
            this.meanwhile = meanwhile;
        }

        @Override
        public Optional<KeyValue> get(String k) {
            Optional<KeyValue> v = store.get(k);
            if (k.equals(key) && meanwhile != null) {
                Runnable r = meanwhile;
                meanwhile = null;
                r.run();
            }
            return v;
        }

        @Override
        public Listing list(String prefix) {
            return store.list(prefix);
        }

        @Override
        public boolean delete(String k) {
            return store.delete(k);
        }

        @Override
        public TxnResult commit(Txn txn) {
            return store.commit(txn);
        }

        @Override
        public Watch watch(String prefix, long afterRevision, WatchListener listener) {
            return store.watch(prefix, afterRevision, listener);
        }

        @Override
        public Lease grantLease(Duration ttl) {
            return store.grantLease(ttl);
        }

        @Override
        public String describe() {
            return store.describe();
        }

        @Override
        public void close() {}
    }

    @Test
    void theHostThatLosesTheRaceGetsThePoolTheOtherCreated() {
        try (TempStore temp = new TempStore("jovl-ipam-race")) {
            IpamDriver first = new IpamDriver(temp.store(), IpamConfig.defaults(), "host-a");
            RequestPoolRequest request = new RequestPoolRequest("jovl-global", "10.77.0.0/24", "", Map.of(), false);
            String poolKey = "jovl/v1/ipam/pools/jovl-global/10.77.0.0/24";
            Store racing = new RaceAfterFirstGet(temp.store(), poolKey, () -> first.requestPool(request));
            IpamDriver second = new IpamDriver(racing, IpamConfig.defaults(), "host-b");

            String poolId = second.requestPool(request).poolId();

            assertEquals("jovl-global/10.77.0.0/24", poolId);
            assertEquals(1, first.pools().size(), "one pool, held by both hosts");
        }
    }
}
