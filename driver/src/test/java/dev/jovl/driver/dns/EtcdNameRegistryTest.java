package dev.jovl.driver.dns;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.testing.EtcdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The name registry against a real etcd (started on free loopback ports, killed afterwards). */
class EtcdNameRegistryTest extends NameRegistryContract {

    private static EtcdServer etcd;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdServer.start();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @Override
    protected Store openClient() {
        Store store = Stores.open(etcd.url());
        // each test starts from an empty name space
        store.list(NameRegistry.PREFIX).entries().forEach(kv -> store.delete(kv.key()));
        return store;
    }
}
