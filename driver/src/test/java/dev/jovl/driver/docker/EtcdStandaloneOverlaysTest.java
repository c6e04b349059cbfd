package dev.jovl.driver.docker;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.testing.EtcdServer;
import org.junit.jupiter.api.BeforeEach;

/** The same scenarios on a real etcd, where compare-and-set races are real network races. */
class EtcdStandaloneOverlaysTest extends StandaloneOverlaysTest {

    @BeforeEach
    void emptyStore() {
        try (Store store = Stores.open(EtcdServer.sharedUrl())) {
            store.list("jovl/").entries().forEach(kv -> store.delete(kv.key()));
        }
    }

    @Override
    protected Store openStore() {
        return Stores.open(EtcdServer.sharedUrl());
    }
}
