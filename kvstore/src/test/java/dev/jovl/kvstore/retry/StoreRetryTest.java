package dev.jovl.kvstore.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jovl.kvstore.StoreException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StoreRetryTest {

    @Test
    void rerunsAStepThatLostARace() {
        AtomicInteger runs = new AtomicInteger();
        String result = new StoreRetry(8).call(() -> {
            if (runs.incrementAndGet() < 3) {
                throw new StoreException.Conflict("k", "changed");
            }
            return "written";
        });
        assertEquals("written", result);
        assertEquals(3, runs.get());
    }

    @Test
    void givesUpAfterTheLastAttempt() {
        AtomicInteger runs = new AtomicInteger();
        StoreRetry.GaveUp e = assertThrows(
                StoreRetry.GaveUp.class,
                () -> new StoreRetry(4).run(() -> {
                    runs.incrementAndGet();
                    throw new StoreException.Conflict("k", "changed");
                }));
        assertEquals(4, runs.get());
        assertEquals(4, e.attempts());
        assertInstanceOf(StoreException.Conflict.class, e.getCause());
    }

    @Test
    void otherFailuresPassThroughAtOnce() {
        AtomicInteger runs = new AtomicInteger();
        StoreException.Unavailable down = new StoreException.Unavailable("down", null);
        assertSame(
                down,
                assertThrows(
                        StoreException.Unavailable.class,
                        () -> new StoreRetry(8).run(() -> {
                            runs.incrementAndGet();
                            throw down;
                        })));
        IllegalStateException mine = new IllegalStateException("the caller's own");
        assertSame(
                mine,
                assertThrows(
                        IllegalStateException.class,
                        () -> new StoreRetry(8).run(() -> {
                            runs.incrementAndGet();
                            throw mine;
                        })));
        assertEquals(2, runs.get());
    }

    @Test
    void rerunsWhileUnavailableForTheGivenTime() {
        AtomicInteger runs = new AtomicInteger();
        StoreRetry patient = new StoreRetry(8)
                .whileUnavailable(Duration.ofSeconds(10), Backoff.doubling(Duration.ofMillis(1), Duration.ofMillis(2)));
        assertEquals(5, patient.call(() -> {
            if (runs.incrementAndGet() < 5) {
                throw new StoreException.Unavailable("down", null);
            }
            return runs.get();
        }));

        StoreRetry impatient = new StoreRetry(8)
                .whileUnavailable(Duration.ofMillis(30), Backoff.doubling(Duration.ofMillis(5), Duration.ofMillis(5)));
        long t0 = System.nanoTime();
        assertThrows(
                StoreException.Unavailable.class,
                () -> impatient.run(() -> {
                    throw new StoreException.Unavailable("down", null);
                }));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(true, ms >= 30 && ms < 5_000, ms + " ms");
    }

    @Test
    void anInterruptedWaitEndsAsUnavailable() {
        Thread.currentThread().interrupt();
        AtomicInteger runs = new AtomicInteger();
        try {
            assertThrows(
                    StoreException.Unavailable.class,
                    () -> new StoreRetry(8).run(() -> {
                        runs.incrementAndGet();
                        throw new StoreException.Conflict("k", "changed");
                    }));
        } finally {
            Thread.interrupted();
        }
        assertEquals(2, runs.get()); // the second attempt follows at once; the wait before the third is interrupted
    }
}
