package dev.jovl.driver.testing;

import java.time.Duration;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes (for state that converges through the store). */
public final class Eventually {
    private Eventually() {}

    public static void assertThat(String what, Duration within, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + within.toNanos();
        Throwable last = null;
        while (true) {
            try {
                if (condition.get()) {
                    return;
                }
            } catch (RuntimeException | AssertionError e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within.toMillis() + " ms: " + what, last);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
