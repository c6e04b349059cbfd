package dev.jovl.kvstore.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.kvstore.Eventually;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A renewal that fails unexpectedly (not a StoreException, even an Error) is retried, not dropped. */
class RenewedLeaseTest {
    @Test
    void anUnexpectedFailureDoesNotEndTheRenewals() throws Exception {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger calls = new AtomicInteger();
        RenewedLease lease = new RenewedLease(Duration.ofMillis(300), scheduler, l -> {}) {
            @Override
            protected boolean renewOnce() {
                switch (calls.incrementAndGet()) {
                    case 1 -> throw new IllegalStateException("test: an unreadable answer");
                    case 2 -> throw new OutOfMemoryError("test: an oversized answer");
                    default -> {
                        return true;
                    }
                }
            }

            @Override
            protected void revoke() {}

            @Override
            public String id() {
                return "test";
            }
        };
        try {
            lease.startRenewing();
            Eventually.await(Duration.ofSeconds(3), "renewals go on after the failures", () -> calls.get() >= 4);
            assertTrue(lease.isAlive());
        } finally {
            lease.abandon();
            scheduler.shutdownNow();
        }
    }
}
