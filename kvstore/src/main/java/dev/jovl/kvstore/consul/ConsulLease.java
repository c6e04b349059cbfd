package dev.jovl.kvstore.consul;

import dev.jovl.kvstore.support.RenewedLease;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * A Consul session with {@code Behavior=delete}: when it is invalidated (not renewed within its
 * TTL; Consul may take up to twice the TTL) or destroyed, Consul deletes the keys it holds.
 */
final class ConsulLease extends RenewedLease {
    private final ConsulHttp http;
    private final String id;

    ConsulLease(
            ConsulHttp http,
            String id,
            Duration ttl,
            ScheduledExecutorService scheduler,
            Consumer<? super RenewedLease> onEnd) {
        super(ttl, scheduler, onEnd);
        this.http = http;
        this.id = id;
    }

    @Override
    protected boolean renewOnce() {
        ConsulHttp.Answer answer = http.put("v1/session/renew/" + id, new byte[0]);
        if (answer.status() == 404) {
            return false;
        }
        ConsulStore.expectOk(answer, "session renew " + id);
        return true;
    }

    @Override
    protected void revoke() {
        ConsulStore.expectOk(http.put("v1/session/destroy/" + id, new byte[0]), "session destroy " + id);
    }

    ConsulHttp http() {
        return http;
    }

    @Override
    public String id() {
        return id;
    }
}
