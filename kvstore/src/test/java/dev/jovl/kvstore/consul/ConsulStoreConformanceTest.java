package dev.jovl.kvstore.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jovl.kvstore.EventRecorder;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreConformanceTest;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.WatchEvent;
import dev.jovl.kvstore.testing.EtcdServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite on a Consul agent, when one is given: {@code CONSUL_HTTP_ADDR} (with
 * {@code CONSUL_HTTP_TOKEN}, {@code CONSUL_CACERT} as usual) or {@code -Djovl.consul.url=consul://host:8500}.
 * Without one the whole class is reported as skipped, saying why. No Consul server can be
 * installed on the build machines, so this has not run here.
 */
class ConsulStoreConformanceTest extends StoreConformanceTest {
    private static final String SKIPPED = "Consul conformance SKIPPED: no Consul agent given "
            + "(set CONSUL_HTTP_ADDR or -Djovl.consul.url=consul://host:8500 to run it)";
    private static String url;

    @BeforeAll
    static void findConsul() {
        url = System.getProperty("jovl.consul.url", "");
        if (url.isBlank()
                && !System.getenv().getOrDefault("CONSUL_HTTP_ADDR", "").isBlank()) {
            url = "consul://";
        }
        if (url.isBlank()) {
            System.err.println(SKIPPED);
        }
    }

    /** Every test starts here, so without an agent each one is reported skipped, with the reason. */
    @Override
    protected Store newClient() {
        assumeTrue(!url.isBlank(), SKIPPED);
        return Stores.open(url);
    }

    @Override
    protected Store interruptAndRestore(List<Store> openClients) {
        Assumptions.abort("an external Consul agent cannot be restarted by the test");
        return null;
    }

    @Override
    protected boolean watchesSurviveInterruption() {
        return true;
    }

    @Override
    protected boolean keepsHistory() {
        return false;
    }

    @Override
    protected boolean writesDetachLeases() {
        return false;
    }

    @Override
    protected Store openUnreachable() {
        return Stores.open("consul://127.0.0.1:" + EtcdServer.freePort() + "?timeout=1s");
    }

    @Test
    void aWatchSeesEachSettledChangeInOrder() throws Exception {
        long start = store.list(p).revision();
        EventRecorder seen = new EventRecorder();
        try (Watch w = client().watch(p, start, seen)) {
            long v1 = store.put(p + "a", b("1"));
            assertEquals(v1, seen.awaitEvents(1, WAIT).getLast().revision());
            long v2 = store.put(p + "b", b("2"));
            assertEquals(v2, seen.awaitEvents(2, WAIT).getLast().revision());
            store.delete(p + "a");
            List<WatchEvent> events = seen.awaitEvents(3, WAIT);
            assertEquals(WatchEvent.Type.DELETE, events.get(2).type());
            assertEquals(p + "a", events.get(2).key());
            Thread.sleep(Duration.ofMillis(300));
            assertEquals(3, seen.events().size());
        }
    }
}
