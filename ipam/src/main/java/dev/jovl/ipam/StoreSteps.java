package dev.jovl.ipam;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.retry.StoreRetry;
import java.util.function.Supplier;

/**
 * Runs IPAM's read-decide-write steps with the store's {@link StoreRetry} (lost races are run
 * again) and turns what still fails into {@link IpamException}s with a message for the user.
 */
final class StoreSteps {

    private final Store store;
    private final StoreRetry retry;

    StoreSteps(Store store, int maxAttempts) {
        this.store = store;
        this.retry = new StoreRetry(maxAttempts);
    }

    <T> T run(String what, Supplier<T> step) {
        try {
            return retry.call(step);
        } catch (StoreRetry.GaveUp contended) {
            throw new IpamException(
                    IpamException.Kind.STORE_UNAVAILABLE,
                    what + ": " + contended.getMessage() + "; try again",
                    contended.getCause());
        } catch (StoreException.Unavailable down) {
            throw new IpamException(
                    IpamException.Kind.STORE_UNAVAILABLE,
                    what + ": state store " + store.describe() + " unavailable: " + down.getMessage(),
                    down);
        } catch (StoreException.InvalidArgument | StoreException.NotFound bad) {
            throw new IpamException(IpamException.Kind.INVALID_REQUEST, what + ": " + bad.getMessage(), bad);
        }
    }
}
