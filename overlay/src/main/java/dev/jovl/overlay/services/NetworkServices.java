package dev.jovl.overlay.services;

import dev.jovl.net.Cidr;
import dev.jovl.net.IpAddress;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

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

    /** The same services with only the tasks whose address is in {@code live}. */
    public NetworkServices keepingTasks(Set<IpAddress> live) {
        return new NetworkServices(
                subnets,
                services.stream()
                        .map(s -> new VirtualService(
                                s.name(),
                                s.vip(),
                                s.tasks().stream().filter(live::contains).toList()))
                        .toList());
    }
}
