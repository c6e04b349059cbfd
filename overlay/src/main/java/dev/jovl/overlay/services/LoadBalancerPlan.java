package dev.jovl.overlay.services;

import dev.jovl.net.Cidr;
import dev.jovl.net.IpAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a sandbox must hold to answer a network's VIPs: each VIP on the bridge (with its subnet's
 * prefix, so the sandbox has the route to the tasks) and the complete {@code nat} table as
 * {@code iptables-restore} input, replaced in one step.
 *
 * <p>The rules: a connection to a VIP (TCP or UDP, any port) jumps to the service's chain, which
 * DNATs it to the tasks in turn ({@code statistic --mode nth}: the first of every n new
 * connections to task 1, the first of the remaining n-1 to task 2, ...; the nat table sees only a
 * connection's first packet). The client's sandbox routes the rewritten packet to the task; the
 * task answers the client directly, and that answer crosses the client's sandbox bridge on its way
 * in, where bridge netfilter hands it to the same conntrack entry, which rewrites its source back
 * to the VIP. So no source NAT is needed, and tasks see the real client address.
 *
 * <p>A task that connects to its own service is balanced over the other tasks only (a chain per
 * task): picked itself, its packet would have to leave the bridge by the port it came in on, which
 * a bridge never does. A service whose only task calls its own VIP therefore cannot connect. A VIP
 * without tasks stays on the bridge: connections to it are refused at once rather than timing out.
 *
 * @param vips    {@code ip/prefix} of every VIP, in the order of the services
 * @param rules   {@code iptables-restore} input for the {@code nat} table
 * @param skipped services that could not be balanced, with the reason (for the log)
 */
public record LoadBalancerPlan(Set<String> vips, String rules, List<String> skipped) {
    /** Chains jovl makes: one per service, numbered in the plan's order. */
    static final String CHAIN_PREFIX = "JOVL-VIP-";

    private static final String BUILTIN_CHAINS =
            ":PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n";

    /** Nothing: no VIP on the bridge, an empty nat table. */
    public static final LoadBalancerPlan EMPTY =
            new LoadBalancerPlan(Set.of(), "*nat\n" + BUILTIN_CHAINS + "COMMIT\n", List.of());

    public LoadBalancerPlan {
        vips = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(vips));
        skipped = List.copyOf(skipped);
    }

    public boolean isEmpty() {
        return vips.isEmpty();
    }

    public static LoadBalancerPlan of(NetworkServices network) {
        Set<String> vips = new LinkedHashSet<>();
        List<String> skipped = new ArrayList<>();
        StringBuilder chains = new StringBuilder();
        StringBuilder prerouting = new StringBuilder();
        StringBuilder bodies = new StringBuilder();
        int index = 0;
        for (VirtualService s : network.services()) {
            Optional<Cidr> subnet =
                    network.subnets().stream().filter(c -> c.contains(s.vip())).findFirst();
            if (subnet.isEmpty()) {
                skipped.add(
                        s.name() + ": VIP " + s.vip() + " is in none of the network's subnets " + network.subnets());
                continue;
            }
            if (!vips.add(s.vip() + "/" + subnet.get().prefix())) {
                skipped.add(s.name() + ": VIP " + s.vip() + " is already another service's");
                continue;
            }
            List<IpAddress> tasks =
                    s.tasks().stream().filter(t -> !t.equals(s.vip())).toList();
            if (tasks.isEmpty()) {
                continue; // the VIP on the bridge refuses connections
            }
            String chain = CHAIN_PREFIX + (++index);
            String comment = " -m comment --comment \"jovl " + commentSafe(s.name()) + "\"";
            chains.append(':').append(chain).append(" - [0:0]\n");
            for (String proto : List.of("tcp", "udp")) {
                prerouting
                        .append("-A PREROUTING -d ")
                        .append(s.vip())
                        .append("/32 -p ")
                        .append(proto)
                        .append(comment)
                        .append(" -j ")
                        .append(chain)
                        .append('\n');
            }
            if (tasks.size() > 1) {
                for (int i = 0; i < tasks.size(); i++) {
                    String own = chain + "-" + (i + 1);
                    chains.append(':').append(own).append(" - [0:0]\n");
                    bodies.append("-A ")
                            .append(chain)
                            .append(" -s ")
                            .append(tasks.get(i))
                            .append("/32 -j ")
                            .append(own)
                            .append('\n');
                    List<IpAddress> others = new ArrayList<>(tasks);
                    others.remove(i);
                    rotation(bodies, own, others);
                }
            }
            rotation(bodies, chain, tasks);
        }
        if (vips.isEmpty()) {
            return skipped.isEmpty() ? EMPTY : new LoadBalancerPlan(Set.of(), EMPTY.rules(), skipped);
        }
        String rules = "*nat\n" + BUILTIN_CHAINS + chains + prerouting + bodies + "COMMIT\n";
        return new LoadBalancerPlan(vips, rules, skipped);
    }

    /** DNAT to {@code tasks} in turn: rule i takes the first of every (n - i) connections reaching it. */
    private static void rotation(StringBuilder out, String chain, List<IpAddress> tasks) {
        for (int i = 0; i < tasks.size(); i++) {
            out.append("-A ").append(chain);
            int remaining = tasks.size() - i;
            if (remaining > 1) {
                out.append(" -m statistic --mode nth --every ")
                        .append(remaining)
                        .append(" --packet 0");
            }
            out.append(" -j DNAT --to-destination ").append(tasks.get(i)).append('\n');
        }
    }

    /** Service names are Docker names already; anything else is dropped so the rule text stays well-formed. */
    private static String commentSafe(String name) {
        String kept = name.replaceAll("[^A-Za-z0-9_.-]", "");
        return kept.length() > 200 ? kept.substring(0, 200) : kept;
    }
}
