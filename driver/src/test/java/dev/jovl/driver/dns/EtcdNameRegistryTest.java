package dev.jovl.driver.dns;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.testing.EtcdServer;
import dev.jovl.overlay.state.StoreLayout;

/** The name registry against a real etcd (started on free loopback ports, killed afterwards). */
class EtcdNameRegistryTest extends NameRegistryContract {

    @Override
    protected Store openClient() {
        Store store = Stores.open(EtcdServer.sharedUrl());
        // each test starts from an empty name space
        store.list(StoreLayout.NAMES).entries().forEach(kv -> store.delete(kv.key()));
        return store;
    }
}
