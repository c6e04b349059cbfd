package dev.jovl.kvstore.support;

import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.StoreException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lease renewed in the background every third of its TTL, so two missed renewals still leave
 * it alive. The backend supplies one renewal and the revocation.
 */
public abstract class RenewedLease implements Lease {
    private static final Logger LOG = LoggerFactory.getLogger(RenewedLease.class);

    private final Duration ttl;
    private final ScheduledExecutorService scheduler;
    private final Consumer<? super RenewedLease> onEnd;
    private volatile ScheduledFuture<?> renewal;
    private volatile boolean dead;

    protected RenewedLease(Duration ttl, ScheduledExecutorService scheduler, Consumer<? super RenewedLease> onEnd) {
        this.ttl = ttl;
        this.scheduler = scheduler;
        this.onEnd = onEnd;
    }

    /** Renews once; false when the backend says the lease no longer exists. */
    protected abstract boolean renewOnce();

    /** Revokes the lease at the backend (absent already is fine). */
    protected abstract void revoke();

    /** Starts renewing; called once by the store after it registered the lease. */
    public void startRenewing() {
        long period = Math.max(100, ttl.toMillis() / 3);
        renewal = scheduler.scheduleWithFixedDelay(this::renew, period, period, TimeUnit.MILLISECONDS);
    }

    private void renew() {
        try {
            if (!renewOnce()) {
                LOG.warn("{} is gone (expired or revoked); its keys are deleted", this);
                dead = true;
                abandon();
            }
        } catch (StoreException e) {
            LOG.warn("renewing {} failed; retrying: {}", this, e.getMessage());
        } catch (RuntimeException | Error e) {
            // anything else escaping would cancel the periodic renewal for good, silently, and
            // the lease would expire while isAlive() still said true
            LOG.warn("renewing {} failed unexpectedly; retrying", this, e);
        }
    }

    @Override
    public Duration ttl() {
        return ttl;
    }

    /** False once the backend said the lease is gone, or after {@link #close()}. */
    @Override
    public boolean isAlive() {
        return !dead;
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
        dead = true;
        revoke();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + " " + id() + " (" + ttl + ")";
    }
}
