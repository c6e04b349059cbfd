package dev.jovl.overlay.peers;

/**
 * Waits between retries of a store call that failed: doubling from a first wait up to a ceiling.
 * An interrupt ends the wait early and stays set, so the caller's loop sees it.
 */
final class Backoff {
    private final long ceilingMillis;
    private long nextMillis;

    Backoff(long firstMillis, long ceilingMillis) {
        this.nextMillis = firstMillis;
        this.ceilingMillis = ceilingMillis;
    }

    void pause() {
        try {
            Thread.sleep(nextMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        nextMillis = Math.min(nextMillis * 2, ceilingMillis);
    }
}
