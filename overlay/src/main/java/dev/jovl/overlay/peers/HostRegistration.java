package dev.jovl.overlay.peers;

import dev.jovl.kvstore.Lease;
import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.runtime.Supervisor;
import dev.jovl.overlay.state.ClusterState;
import dev.jovl.overlay.state.HostRecord;
import dev.jovl.overlay.state.StoreLayout;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code jovl/v1/hosts/<host>} alive, bound to a lease the store renews in the background:
 * when this daemon dies the key vanishes after the TTL, which is how other hosts notice. If the
 * lease is lost (store unreachable for longer than the TTL) or the key disappears, a new lease
 * is granted and the record written again.
 */
public final class HostRegistration implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HostRegistration.class);

    private final ClusterState state;
    private final HostRecord record;
    private final Duration ttl;
    private final Runnable afterReRegistering;
    private volatile Lease lease;
    private volatile boolean registered;

    /**
     * @param afterReRegistering runs (on the lease thread) when the record had to be written
     *                           again: other hosts may have reaped this one meanwhile
     */
    public HostRegistration(
            ClusterState state, LocalHost host, Duration ttl, String version, Runnable afterReRegistering) {
        this.afterReRegistering = afterReRegistering;
        this.state = state;
        this.ttl = ttl;
        this.record = new HostRecord(host.hostId(), host.vtep(), host.vxlanPort(), version, System.currentTimeMillis());
    }

    /**
     * Declares the loop that registers in the background and keeps checking (never blocking
     * start-up on the store); stopping it (an orderly shutdown) revokes the record ({@link #close()}).
     */
    public void start(Supervisor loops) {
        Duration period = Duration.ofMillis(Math.max(500, ttl.toMillis() / 3));
        loops.every("host-lease", Duration.ZERO, period, this::check).onStop(this);
    }

    private void check() {
        Lease l = lease;
        boolean keyThere =
                registered && state.store().get(StoreLayout.host(record.host())).isPresent();
        if (l != null && l.isAlive() && keyThere) {
            return;
        }
        if (l == null || !l.isAlive()) {
            if (l != null) {
                l.abandon();
            }
            l = state.store().grantLease(ttl);
            lease = l;
        }
        state.putHost(record, l);
        if (!registered) {
            log.info("registered host {} (VTEP {}) with a {} s lease", record.host(), record.vtep(), ttl.toSeconds());
            registered = true;
        } else {
            log.warn("host record {} was gone; registered again", record.host());
            afterReRegistering.run();
        }
    }

    public boolean isRegistered() {
        Lease l = lease;
        return registered && l != null && l.isAlive();
    }

    /**
     * An orderly shutdown revokes the record: the store then says at once what is true, that no
     * daemon serves this host now, instead of keeping a stale record for up to the TTL. Running
     * containers lose nothing by it: other hosts keep their peer entries and reap this host's
     * endpoints only after the dead-host grace (60 s by default), counted from the record's end,
     * so a restart or an upgrade within it goes unnoticed. A crash still leaves the record to
     * expire after the TTL. (Revoking also makes the store's content settle when the daemon exits,
     * so what an operator or a script reads right after a stop stays true.)
     */
    @Override
    public void close() {
        Lease l = lease;
        if (l != null) {
            try {
                l.close();
            } catch (RuntimeException e) {
                log.warn("cannot revoke the host lease: {}", e.toString());
            }
        }
    }
}
