package dev.jovl.ipam;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Runs a read-decide-write step again when its transaction lost a race (another host wrote one of
 * the keys it read), with a short random back-off once races repeat so the hosts stop colliding.
 * Store failures become {@link IpamException}s with a message for the user.
 */
final class StoreRetry {

    private final Store store;
    private final int maxAttempts;

    StoreRetry(Store store, int maxAttempts) {
        this.store = store;
        this.maxAttempts = maxAttempts;
    }

    <T> T run(String what, Supplier<T> step) {
        for (int attempt = 1; ; attempt++) {
            try {
                return step.get();
            } catch (StoreException.Conflict lostRace) {
                if (attempt >= maxAttempts) {
                    throw new IpamException(IpamException.Kind.STORE_UNAVAILABLE, what + ": gave up after "
                            + attempt + " attempts, other hosts kept changing the same keys; try again", lostRace);
                }
                backOff(attempt);
            } catch (StoreException.Unavailable down) {
                throw new IpamException(IpamException.Kind.STORE_UNAVAILABLE, what + ": state store "
                        + store.describe() + " unavailable: " + down.getMessage(), down);
            } catch (StoreException.InvalidArgument | StoreException.NotFound bad) {
                throw new IpamException(IpamException.Kind.INVALID_REQUEST, what + ": " + bad.getMessage(), bad);
            }
        }
    }

    private static void backOff(int attempt) {
        if (attempt < 2) {
            return;
        }
        int maxMillis = Math.min(1 << Math.min(attempt, 5), 25);
        try {
            Thread.sleep(ThreadLocalRandom.current().nextInt(maxMillis + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IpamException(IpamException.Kind.STORE_UNAVAILABLE, "interrupted", e);
        }
    }
}
