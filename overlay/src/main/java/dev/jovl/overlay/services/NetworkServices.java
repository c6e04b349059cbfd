package dev.jovl.overlay.services;

import dev.jovl.net.Cidr;
import java.util.Comparator;
import java.util.List;

/**
 * The VIP services of one network as its container runtime sees them, with the network's subnets
 * (a VIP is put on the sandbox's bridge with its subnet's prefix, which gives the sandbox the
 * route to the tasks).
 */
public record NetworkServices(List<Cidr> subnets, List<VirtualService> services) {
    /** No services: what a network outside swarm mode has. */
    public static final NetworkServices NONE = new NetworkServices(List.of(), List.of());

    public NetworkServices {
        subnets = subnets.stream().distinct().sorted().toList();
        services = services.stream()
                .sorted(Comparator.comparing(VirtualService::vip).thenComparing(VirtualService::name))
                .toList();
    }
}
