package dev.jovl.kvstore.retry;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * jovl's one retry policy: waits that double from {@code first} up to {@code ceiling}; with
 * {@code jitter}, each wait is drawn at random between zero and that, so hosts that failed together
 * do not retry together. Used for compare-and-set races ({@link StoreRetry}) and for restarting
 * background loops.
 */
public record Backoff(Duration first, Duration ceiling, boolean jitter) {

    public Backoff {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(ceiling, "ceiling");
        if (first.isNegative() || ceiling.compareTo(first) < 0) {
            throw new IllegalArgumentException(
                    "back-off needs 0 <= first <= ceiling, not " + first + " and " + ceiling);
        }
    }

    /** Waits of {@code first}, twice that, four times that, ..., at most {@code ceiling}. */
    public static Backoff doubling(Duration first, Duration ceiling) {
        return new Backoff(first, ceiling, false);
    }

    /** The same waits, each drawn at random between zero and the full wait. */
    public Backoff jittered() {
        return new Backoff(first, ceiling, true);
    }

    /** The wait before retry number {@code retry} (1 is the first retry). */
    public Duration delay(int retry) {
        if (retry < 1) {
            throw new IllegalArgumentException("retries count from 1, not " + retry);
        }
        long ceilingNanos = ceiling.toNanos();
        long nanos = first.toNanos();
        for (int i = 1; i < retry && nanos < ceilingNanos; i++) {
            nanos *= 2;
        }
        nanos = Math.min(nanos, ceilingNanos);
        if (jitter && nanos > 0) {
            nanos = ThreadLocalRandom.current().nextLong(nanos + 1);
        }
        return Duration.ofNanos(nanos);
    }

    /** A fresh series of waits, for one loop (not thread-safe). */
    public Waits waits() {
        return new Waits();
    }

    /** The waits of one retry loop: each {@link #next} is longer until {@link #reset}. */
    public final class Waits {
        private int retries;

        private Waits() {}

        /** The next wait, counting one more retry. */
        public Duration next() {
            return delay(++retries);
        }

        /** The retries counted since the last reset. */
        public int retries() {
            return retries;
        }

        /** After a success: the next wait is {@code first} again. */
        public void reset() {
            retries = 0;
        }

        /**
         * Sleeps the next wait. An interrupt ends it early and stays set, so the caller's loop sees it.
         *
         * @return false if interrupted
         */
        public boolean pause() {
            try {
                Thread.sleep(next());
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
