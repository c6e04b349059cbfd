package dev.jovl.driver.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * At most one log line a second for a kind of event a client can repeat at will (refused
 * connections, requests for paths no route serves), with the count of those left out since the
 * last line: a flood of them cannot flood the log.
 */
final class ThrottledWarning {
    private final AtomicLong last = new AtomicLong(System.nanoTime() - 2_000_000_000L);
    private final AtomicLong suppressed = new AtomicLong();

    /**
     * Whether to log this one now; if so, {@link #suppressed()} says how many were left out
     * before it.
     */
    boolean tryLog() {
        long now = System.nanoTime();
        long previous = last.get();
        if (now - previous > 1_000_000_000L && last.compareAndSet(previous, now)) {
            return true;
        }
        suppressed.incrementAndGet();
        return false;
    }

    /** The count left out since the last logged line, reset by the call. */
    long suppressed() {
        return suppressed.getAndSet(0);
    }
}
