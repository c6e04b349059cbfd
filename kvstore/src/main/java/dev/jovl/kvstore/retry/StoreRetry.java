package dev.jovl.kvstore.retry;

import dev.jovl.kvstore.StoreException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Runs a read-decide-write step again when its transaction lost a race ({@link StoreException.Conflict}:
 * another writer changed a key the step read), at once the first time and then after a short random
 * wait, so that racing hosts stop colliding. Every other failure passes through unchanged, and the
 * caller turns failures into its own errors. The step must read afresh each time: it is rerun whole.
 *
 * <p>Optionally ({@link #whileUnavailable}) a step that found the store unreachable is rerun too, for
 * a bounded time: for background writes that have no user waiting for them.
 */
public final class StoreRetry {

    /** How many times a step is run before a run of lost races gives up. */
    public static final int DEFAULT_ATTEMPTS = 8;
    /** The waits between lost races: none before the second attempt, then 0-4 ms, 0-8 ms, ... 0-25 ms. */
    public static final Backoff CONFLICT_BACKOFF =
            Backoff.doubling(Duration.ofMillis(4), Duration.ofMillis(25)).jittered();

    private final int maxAttempts;
    private final Backoff conflictBackoff;
    private final Duration unavailablePatience;
    private final Backoff unavailableBackoff;

    /** Gives up after {@code maxAttempts} lost races, waiting {@link #CONFLICT_BACKOFF} between them. */
    public StoreRetry(int maxAttempts) {
        this(maxAttempts, CONFLICT_BACKOFF, Duration.ZERO, CONFLICT_BACKOFF);
    }

    private StoreRetry(
            int maxAttempts, Backoff conflictBackoff, Duration unavailablePatience, Backoff unavailableBackoff) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be positive");
        }
        this.maxAttempts = maxAttempts;
        this.conflictBackoff = Objects.requireNonNull(conflictBackoff);
        this.unavailablePatience = Objects.requireNonNull(unavailablePatience);
        this.unavailableBackoff = Objects.requireNonNull(unavailableBackoff);
    }

    /** The same retry that also reruns a step failing with {@link StoreException.Unavailable}, for up to {@code patience}. */
    public StoreRetry whileUnavailable(Duration patience, Backoff backoff) {
        return new StoreRetry(maxAttempts, conflictBackoff, patience, backoff);
    }

    /**
     * Runs {@code step} until it returns without losing a race.
     *
     * @throws GaveUp                   every one of the attempts lost a race
     * @throws StoreException.Unavailable the store cannot be reached (also if interrupted while waiting)
     * @throws RuntimeException         anything else the step throws, unchanged
     */
    public <T> T call(Supplier<T> step) {
        Backoff.Waits unavailableWaits = unavailableBackoff.waits();
        long giveUpAt = System.nanoTime() + unavailablePatience.toNanos();
        for (int attempt = 1; ; ) {
            try {
                return step.get();
            } catch (StoreException.Conflict lostRace) {
                if (attempt >= maxAttempts) {
                    throw new GaveUp(attempt, lostRace);
                }
                if (attempt > 1) {
                    sleep(conflictBackoff.delay(attempt - 1));
                }
                attempt++;
            } catch (StoreException.Unavailable down) {
                if (System.nanoTime() - giveUpAt >= 0) {
                    throw down;
                }
                sleep(unavailableWaits.next());
            }
        }
    }

    /** {@link #call} for a step without a result. */
    public void run(Runnable step) {
        call(() -> {
            step.run();
            return null;
        });
    }

    private static void sleep(Duration wait) {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException.Unavailable("interrupted while waiting to retry", e);
        }
    }

    /** Every attempt lost a race: other writers kept changing the same keys. Trying later may work. */
    public static final class GaveUp extends RuntimeException {
        private final int attempts;

        GaveUp(int attempts, StoreException.Conflict last) {
            super("gave up after " + attempts + " attempts, other hosts kept changing the same keys", last);
            this.attempts = attempts;
        }

        public int attempts() {
            return attempts;
        }
    }
}
