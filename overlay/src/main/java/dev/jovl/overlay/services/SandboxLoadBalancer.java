package dev.jovl.overlay.services;

import java.util.Set;

/**
 * The kernel side of the VIP load balancer, inside a network's sandbox namespace: the VIPs on
 * {@code br0} and the NAT rules. Implemented with netfilter in {@code overlay.kernel}; callers
 * serialise calls per network.
 */
public interface SandboxLoadBalancer {

    /**
     * Makes the sandbox hold exactly this plan: its VIPs on the bridge and its rules, replacing
     * the previous rules in one step. Returns false if the network has no sandbox (nothing done).
     */
    boolean apply(String networkId, LoadBalancerPlan plan);

    /** The VIP addresses ({@code ip/prefix}) on the sandbox's bridge; empty without a sandbox. */
    Set<String> installedVips(String networkId);
}
