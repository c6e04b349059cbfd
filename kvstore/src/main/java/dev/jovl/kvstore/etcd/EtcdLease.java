package dev.jovl.kvstore.etcd;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.support.RenewedLease;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * An etcd lease. etcd answers a keep-alive of an expired or revoked lease with TTL 0: from then
 * on the lease is dead and renewal stops.
 */
final class EtcdLease extends RenewedLease {
    private final EtcdGateway gateway;
    private final long id;

    EtcdLease(
            EtcdGateway gateway,
            long id,
            Duration ttl,
            ScheduledExecutorService scheduler,
            Consumer<? super RenewedLease> onEnd) {
        super(ttl, scheduler, onEnd);
        this.gateway = gateway;
        this.id = id;
    }

    @Override
    protected boolean renewOnce() {
        return gateway.call("v3/lease/keepalive", idBody(), EtcdGateway.Call.READ)
                        .path("result")
                        .path("TTL")
                        .asLong(0)
                > 0;
    }

    @Override
    protected void revoke() {
        try {
            gateway.call("v3/lease/revoke", idBody(), EtcdGateway.Call.WRITE);
        } catch (StoreException.NotFound alreadyGone) {
            // expired before we revoked it: the keys are gone either way
        }
    }

    private ObjectNode idBody() {
        return EtcdJson.object().put("ID", Long.toString(id));
    }

    EtcdGateway gateway() {
        return gateway;
    }

    long numericId() {
        return id;
    }

    @Override
    public String id() {
        return EtcdJson.leaseHex(id);
    }
}
