package dev.jovl.driver.dns;

import static org.junit.jupiter.api.Assertions.*;

import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.Store;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The name registry and the feed that keeps a {@link NameTable} from it, against one store
 * backend; subclasses say which. Two clients of one store stand for two hosts.
 */
abstract class NameRegistryContract {

    private final List<AutoCloseable> toClose = new ArrayList<>();

    /** A new client of the backend under test (a host's connection to the shared store). */
    protected abstract Store openClient();

    protected Store client() {
        Store store = openClient();
        toClose.add(store);
        return store;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private static NameRecord web(String host, String endpoint, String ip) {
        return new NameRecord("myStack1", endpoint, "c" + endpoint, "web", List.of("www"), ip, null, host);
    }

    @Test
    void publishListRemove() {
        NameRegistry registry = new NameRegistry(client());
        try (Lease lease = registry.store().grantLease(Duration.ofSeconds(30))) {
            NameRecord r = web("h1", "e1", "10.10.0.2");
            registry.publish(r, lease);
            registry.publish(r, lease); // idempotent
            registry.publish(web("h2", "e2", "10.10.0.3"), lease);
            assertEquals(List.of(r), registry.listHost("h1"));
            assertEquals(2, registry.list().records().size());
            assertTrue(registry.store().get("jovl/v1/names/myStack1/e1").isPresent(), "documented layout");
            assertEquals(
                    lease.id(),
                    registry.store()
                            .get("jovl/v1/names/myStack1/e1")
                            .orElseThrow()
                            .leaseId());
            assertTrue(registry.remove("myStack1", "e1"));
            assertFalse(registry.remove("myStack1", "e1"));
            assertEquals(List.of(), registry.listHost("h1"));
        }
    }

    @Test
    void unreadableRecordsAreSkippedNotFatal() {
        NameRegistry registry = new NameRegistry(client());
        try (Lease lease = registry.store().grantLease(Duration.ofSeconds(30))) {
            registry.store().put("jovl/v1/names/myStack1/garbage", "{not json".getBytes(StandardCharsets.UTF_8));
            registry.store().put("jovl/v1/names/other/e9", NameRegistry.encode(web("h1", "e9", "10.0.0.9")));
            registry.publish(web("h1", "e1", "10.10.0.2"), lease);
            assertEquals(
                    List.of(web("h1", "e1", "10.10.0.2")),
                    registry.list().records(),
                    "garbage and a record under the wrong key are ignored");
        }
    }

    @Test
    void feedFollowsEveryHostsNamesAndDropsThoseOfAHostWhoseLeaseEnds() throws Exception {
        NameRegistry host1 = new NameRegistry(client());
        NameRegistry host2 = new NameRegistry(client());
        NameRegistry host3 = new NameRegistry(client());
        Lease lease1 = host1.store().grantLease(Duration.ofSeconds(2));
        Lease lease2 = host2.store().grantLease(Duration.ofSeconds(30));
        host1.publish(new NameRecord("myStack1", "e0", "c0", "db", List.of(), "10.10.0.5", null, "h1"), lease1);
        NameTable table = new NameTable();
        try (NameFeed feed = NameFeed.start(host3, table)) {
            assertNotNull(table.lookup("db.mystack1"), "the listing at start is loaded");

            host1.publish(web("h1", "e1", "10.10.0.2"), lease1);
            // the table applies a record one spelling at a time (web, www and their .mystack1
            // forms, in no set order), so wait for the spelling read below, not just any
            await(() -> table.lookup("web") != null && table.lookup("www.mystack1") != null, "web appears");
            assertArrayEquals(
                    new byte[] {10, 10, 0, 2},
                    table.lookup("www.mystack1").ipv4().getFirst());

            // web stops on h1 and starts on h2 with another endpoint and address: the name follows
            host1.remove("myStack1", "e1");
            host2.publish(web("h2", "e2", "10.10.0.7"), lease2);
            await(
                    () -> table.lookup("web") != null
                            && table.lookup("web").ipv4().size() == 1
                            && table.lookup("web").ipv4().getFirst()[3] == 7,
                    "web moves to h2");

            // h1 dies: its lease expires and its names go
            lease1.abandon();
            await(() -> table.lookup("db") == null, "h1's names vanish with its lease");
            assertNotNull(table.lookup("web"), "h2's names stay");
            lease2.close();
            await(() -> table.size() == 0, "a revoked lease takes its names at once");
        }
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }
}
