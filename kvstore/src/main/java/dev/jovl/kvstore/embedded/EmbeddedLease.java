package dev.jovl.kvstore.embedded;

import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.StoreException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A lease of the embedded store, renewed every third of its TTL by the engine's timer. */
final class EmbeddedLease implements Lease {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedLease.class);

    private final EmbeddedEngine engine;
    private final String id;
    private final Duration ttl;
    private final Consumer<EmbeddedLease> onEnd;
    private volatile ScheduledFuture<?> renewal;
    private volatile boolean gone;

    EmbeddedLease(EmbeddedEngine engine, String id, Duration ttl, Consumer<EmbeddedLease> onEnd) {
        this.engine = engine;
        this.id = id;
        this.ttl = ttl;
        this.onEnd = onEnd;
    }

    void startRenewing() {
        long period = Math.max(100, ttl.toMillis() / 3);
        renewal = engine.timer().scheduleWithFixedDelay(this::renew, period, period, TimeUnit.MILLISECONDS);
    }

    private void renew() {
        try {
            if (!engine.renewLease(id)) {
                LOG.warn("lease {} expired before it could be renewed", id);
                gone = true;
                abandon();
            }
        } catch (StoreException e) {
            LOG.warn("renewing lease {} failed; retrying", id, e);
        }
    }

    EmbeddedEngine engine() {
        return engine;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Duration ttl() {
        return ttl;
    }

    @Override
    public boolean isAlive() {
        return !gone && engine.leaseExists(id);
    }

    @Override
    public void abandon() {
        ScheduledFuture<?> r = renewal;
        if (r != null) {
            r.cancel(false);
        }
        onEnd.accept(this);
    }

    @Override
    public void close() {
        abandon();
        gone = true;
        if (!engine.isClosed()) {
            engine.revokeLease(id);
        }
    }

    @Override
    public String toString() {
        return "embedded lease " + id + " (" + ttl + ")";
    }
}
