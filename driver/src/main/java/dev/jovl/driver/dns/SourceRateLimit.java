package dev.jovl.driver.dns;

import java.net.InetAddress;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per source address: {@code perSecond} queries a second, bursts up to
 * {@code burst}. At most {@code maxSources} buckets are kept; when full, buckets that have
 * refilled (sources quiet for a while) are dropped, and if none has, the newcomer is refused
 * until one has (a flood of spoofed sources cannot grow memory).
 */
final class SourceRateLimit {
    private final double perNano;
    private final double burst;
    private final int maxSources;
    private final Map<InetAddress, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        long lastNanos;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.lastNanos = now;
        }
    }

    SourceRateLimit(int perSecond, int burst, int maxSources) {
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.maxSources = maxSources;
    }

    /** Takes one token of {@code source}; false when it has none left. */
    boolean tryAcquire(InetAddress source) {
        long now = System.nanoTime();
        Bucket b = buckets.get(source);
        if (b == null) {
            if (buckets.size() >= maxSources && !evictRefilled(now)) {
                return false;
            }
            b = buckets.computeIfAbsent(source, s -> new Bucket(burst, now));
        }
        synchronized (b) {
            b.tokens = Math.min(burst, b.tokens + (now - b.lastNanos) * perNano);
            b.lastNanos = now;
            if (b.tokens < 1) {
                return false;
            }
            b.tokens -= 1;
            return true;
        }
    }

    private synchronized boolean evictRefilled(long now) {
        boolean any = false;
        for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
            Bucket b = it.next();
            synchronized (b) {
                if (b.tokens + (now - b.lastNanos) * perNano >= burst) {
                    it.remove();
                    any = true;
                }
            }
        }
        return any;
    }

    int sources() {
        return buckets.size();
    }
}
