package dev.jovl.kvstore.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void doublesUpToTheCeiling() {
        Backoff b = Backoff.doubling(Duration.ofMillis(200), Duration.ofSeconds(5));
        assertEquals(Duration.ofMillis(200), b.delay(1));
        assertEquals(Duration.ofMillis(400), b.delay(2));
        assertEquals(Duration.ofMillis(3200), b.delay(5));
        assertEquals(Duration.ofSeconds(5), b.delay(6));
        assertEquals(Duration.ofSeconds(5), b.delay(10_000));
    }

    @Test
    void jitterStaysBetweenZeroAndTheFullWait() {
        Backoff b =
                Backoff.doubling(Duration.ofMillis(4), Duration.ofMillis(25)).jittered();
        for (int i = 0; i < 1000; i++) {
            Duration d = b.delay(3);
            assertFalse(d.isNegative());
            assertTrue(d.compareTo(Duration.ofMillis(16)) <= 0, d::toString);
            assertTrue(b.delay(50).compareTo(Duration.ofMillis(25)) <= 0);
        }
    }

    @Test
    void waitsGrowUntilReset() {
        Backoff.Waits w =
                Backoff.doubling(Duration.ofMillis(1), Duration.ofMillis(8)).waits();
        assertEquals(Duration.ofMillis(1), w.next());
        assertEquals(Duration.ofMillis(2), w.next());
        assertEquals(2, w.retries());
        w.reset();
        assertEquals(Duration.ofMillis(1), w.next());
    }

    @Test
    void anInterruptEndsAPauseAndStaysSet() {
        Backoff.Waits w =
                Backoff.doubling(Duration.ofSeconds(10), Duration.ofSeconds(10)).waits();
        Thread.currentThread().interrupt();
        assertFalse(w.pause());
        assertTrue(Thread.interrupted());
    }

    @Test
    void rejectsACeilingBelowTheFirstWait() {
        assertThrows(
                IllegalArgumentException.class, () -> Backoff.doubling(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertThrows(
                IllegalArgumentException.class,
                () -> Backoff.doubling(Duration.ZERO, Duration.ZERO).delay(0));
    }
}
