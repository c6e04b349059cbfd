package dev.jovl.kvstore.embedded;

import dev.jovl.kvstore.support.RenewedLease;
import java.time.Duration;
import java.util.function.Consumer;

/** A lease of the embedded store, renewed by the engine's timer; its expiry time is kept on disk. */
final class EmbeddedLease extends RenewedLease {
    private final EmbeddedEngine engine;
    private final String id;

    EmbeddedLease(EmbeddedEngine engine, String id, Duration ttl, Consumer<? super RenewedLease> onEnd) {
        super(ttl, engine.timer(), onEnd);
        this.engine = engine;
        this.id = id;
    }

    @Override
    protected boolean renewOnce() {
        return engine.renewLease(id);
    }

    @Override
    protected void revoke() {
        if (!engine.isClosed()) {
            engine.revokeLease(id);
        }
    }

    EmbeddedEngine engine() {
        return engine;
    }

    @Override
    public String id() {
        return id;
    }

    /** Asks the engine, so a lease that expired while this process was not renewing it reads dead. */
    @Override
    public boolean isAlive() {
        return super.isAlive() && engine.leaseExists(id);
    }
}
