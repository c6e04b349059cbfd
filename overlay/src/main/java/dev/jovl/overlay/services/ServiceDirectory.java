package dev.jovl.overlay.services;

import java.util.Optional;

/**
 * Where this host learns the VIP services of a network (the driver asks Docker's API). The core
 * never sees Docker's wire format, only {@link NetworkServices}.
 */
@FunctionalInterface
public interface ServiceDirectory {
    /**
     * The network's services right now, {@link NetworkServices#NONE} if it has none (or the host
     * is not in swarm mode), or empty when the answer is unknown this time (Docker unreachable):
     * the load balancer then keeps what it has rather than dropping live services.
     */
    Optional<NetworkServices> servicesOf(String networkId) throws Exception;
}
