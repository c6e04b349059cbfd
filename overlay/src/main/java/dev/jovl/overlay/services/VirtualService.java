package dev.jovl.overlay.services;

import dev.jovl.net.Family;
import dev.jovl.net.IpAddress;
import java.util.List;
import java.util.Objects;

/**
 * A service with a virtual IP on one network: new connections to {@code vip} go to one of
 * {@code tasks} (the addresses of its running tasks on that network), in turn.
 *
 * @param name  the service's name, for logs and rule comments only
 * @param vip   an IPv4 address (the load balancer is IPv4 only)
 * @param tasks IPv4 addresses, kept sorted and without duplicates so that two views of the same
 *              service compare equal whatever order Docker listed them in
 */
public record VirtualService(String name, IpAddress vip, List<IpAddress> tasks) {
    public VirtualService {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(vip, "vip");
        if (vip.family() != Family.V4) {
            throw new IllegalArgumentException("service " + name + ": VIP " + vip + " is not IPv4");
        }
        for (IpAddress t : tasks) {
            if (t.family() != Family.V4) {
                throw new IllegalArgumentException("service " + name + ": task address " + t + " is not IPv4");
            }
        }
        tasks = tasks.stream().distinct().sorted().toList();
    }
}
