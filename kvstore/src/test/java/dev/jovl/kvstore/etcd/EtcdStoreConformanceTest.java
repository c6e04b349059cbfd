package dev.jovl.kvstore.etcd;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreConformanceTest;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.testing.EtcdServer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The conformance suite on a real etcd; "interrupting" it stops and restarts the server. */
class EtcdStoreConformanceTest extends StoreConformanceTest {
    /** The etcd of the running suite (a subclass may start another kind in its own {@code startEtcd}). */
    protected static EtcdServer etcd;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdServer.start();
    }

    @AfterAll
    static void stopEtcd() {
        etcd.close();
    }

    @Override
    protected Store newClient() {
        return Stores.open(etcd.url());
    }

    @Override
    protected Store interruptAndRestore(List<Store> openClients) {
        etcd.stop();
        etcd.restart();
        return newClient();
    }

    @Override
    protected boolean watchesSurviveInterruption() {
        return true;
    }

    @Override
    protected Store openUnreachable() {
        return Stores.open("etcd://127.0.0.1:" + EtcdServer.freePort() + "?timeout=1s");
    }
}
