package dev.jovl.overlay.testing;

import dev.jovl.kvstore.Eventually;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** The core tests' wait: a condition within 10 s (a bound against hanging, not a timing claim). */
public final class Await {
    private Await() {}

    public static void eventually(BooleanSupplier condition, String what) {
        try {
            Eventually.await(Duration.ofSeconds(10), what, condition);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
