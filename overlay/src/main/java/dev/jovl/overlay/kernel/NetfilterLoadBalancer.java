package dev.jovl.overlay.kernel;

import dev.jovl.netlink.LinkAddress;
import dev.jovl.netlink.NetNs;
import dev.jovl.netlink.NetlinkHandle;
import dev.jovl.overlay.Ids;
import dev.jovl.overlay.OverlayException;
import dev.jovl.overlay.SandboxNames;
import dev.jovl.overlay.services.LoadBalancerPlan;
import dev.jovl.overlay.services.SandboxLoadBalancer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The VIP load balancer with netfilter, inside a network's sandbox namespace (never the host's:
 * its firewall stays untouched). The VIPs go on {@code br0} over netlink; the {@code nat} table is
 * replaced in one step by {@code iptables-restore} (one nf_tables transaction with iptables-nft),
 * started from a thread that has joined the sandbox namespace so the process lives in it. The
 * sandbox forwards (the client's packets come in and go out on {@code br0}), sends no ICMP
 * redirects (a client told to reach the VIP through the task directly would lose the VIP), keeps
 * the other VIPs of a subnet when its first one goes ({@code promote_secondaries}), and passes
 * bridged IPv4 through netfilter ({@code bridge-nf-call-iptables}) so the tasks' answers, which
 * cross the bridge, meet their conntrack entry and get the VIP back as their source.
 */
public final class NetfilterLoadBalancer implements SandboxLoadBalancer {
    private static final long RESTORE_TIMEOUT_SECONDS = 20;
    /** iptables-nft first: one atomic nf_tables transaction, and no xtables lock file. */
    private static final List<String> RESTORE_CANDIDATES = List.of(
            "/usr/sbin/iptables-nft-restore",
            "/sbin/iptables-nft-restore",
            "/usr/sbin/iptables-restore",
            "/sbin/iptables-restore",
            "/usr/bin/iptables-restore");

    private final NetlinkDataplane dataplane;
    private final Path sysctls;
    private final List<String> restoreCandidates;

    /**
     * @param proc a procfs mount whose {@code sys/net} this process may write: {@code /proc}, or
     *             for a managed plugin (whose {@code /proc/sys} Docker mounts read-only) a second
     *             procfs mounted by its config. Either way {@code sys/net} shows the namespace of
     *             the thread that opens it, which is the sandbox's here.
     */
    public NetfilterLoadBalancer(NetlinkDataplane dataplane, Path proc) {
        this(dataplane, proc, RESTORE_CANDIDATES);
    }

    NetfilterLoadBalancer(NetlinkDataplane dataplane, Path proc, List<String> restoreCandidates) {
        this.dataplane = dataplane;
        this.sysctls = proc.resolve("sys/net");
        this.restoreCandidates = List.copyOf(restoreCandidates);
    }

    @Override
    public boolean apply(String networkId, LoadBalancerPlan plan) {
        return dataplane
                .withSandbox(networkId, (ns, handle) -> {
                    write(networkId, ns, handle, plan);
                    return true;
                })
                .orElse(false);
    }

    @Override
    public Set<String> installedVips(String networkId) {
        return dataplane.withSandbox(networkId, (ns, handle) -> vipsOn(handle)).orElse(Set.of());
    }

    private void write(String networkId, NetNs ns, NetlinkHandle handle, LoadBalancerPlan plan) {
        Set<String> present = vipsOn(handle);
        // addresses before rules, rules before removals: rules never name a VIP the bridge lacks
        if (!plan.isEmpty()) {
            ns.call(() -> {
                enableForwarding(networkId);
                return null;
            });
            for (String vip : plan.vips()) {
                if (!present.contains(vip)) {
                    handle.addAddress(SandboxNames.BRIDGE, address(vip), prefix(vip));
                }
            }
        }
        String restore = restoreCommand();
        ns.call(() -> {
            restore(networkId, restore, plan.rules());
            return null;
        });
        for (String vip : present) {
            if (!plan.vips().contains(vip)) {
                handle.deleteAddress(SandboxNames.BRIDGE, address(vip), prefix(vip));
            }
        }
    }

    /** The IPv4 addresses on the bridge: jovl puts none there but VIPs. */
    private static Set<String> vipsOn(NetlinkHandle handle) {
        Set<String> out = new HashSet<>();
        if (handle.findLink(SandboxNames.BRIDGE).isEmpty()) {
            return out;
        }
        for (LinkAddress a : handle.addresses(SandboxNames.BRIDGE)) {
            if (a.address() instanceof java.net.Inet4Address) {
                out.add(a.address().getHostAddress() + "/" + a.prefixLength());
            }
        }
        return out;
    }

    /** Runs on a thread inside the sandbox namespace: {@code sys/net} is that namespace's. */
    private void enableForwarding(String networkId) throws IOException {
        Path bridgeNf = sysctls.resolve("bridge/bridge-nf-call-iptables");
        if (!Files.exists(bridgeNf)) {
            throw OverlayException.failed("network " + Ids.shortId(networkId)
                    + ": bridge netfilter is not available (load the br_netfilter module: modprobe br_netfilter);"
                    + " without it the answers of balanced connections cannot be given the VIP back");
        }
        sysctl(bridgeNf, "1");
        sysctl(sysctls.resolve("ipv4/ip_forward"), "1");
        for (String conf : List.of("all", "default", SandboxNames.BRIDGE)) {
            sysctl(sysctls.resolve("ipv4/conf/" + conf + "/send_redirects"), "0");
            sysctl(sysctls.resolve("ipv4/conf/" + conf + "/promote_secondaries"), "1");
        }
    }

    private static void sysctl(Path file, String value) throws IOException {
        if (!Files.readString(file).strip().equals(value)) {
            Files.writeString(file, value);
        }
    }

    /** Runs on a thread inside the sandbox namespace: the process it starts is born there. */
    private static void restore(String networkId, String command, String rules)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectErrorStream(false)
                .start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(rules.getBytes(StandardCharsets.UTF_8));
        }
        if (!p.waitFor(RESTORE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw OverlayException.failed("network " + Ids.shortId(networkId) + ": " + command + " did not finish in "
                    + RESTORE_TIMEOUT_SECONDS + " s");
        }
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) {
            throw OverlayException.failed("network " + Ids.shortId(networkId) + ": " + command + " exited "
                    + p.exitValue() + ": " + err + "\n--- its input:\n" + rules);
        }
    }

    private String restoreCommand() {
        Optional<String> found = restoreCandidates.stream()
                .filter(c -> Files.isExecutable(Path.of(c)))
                .findFirst();
        return found.orElseThrow(() -> OverlayException.failed(
                "the VIP load balancer needs iptables-restore (iptables-nft), found none of " + restoreCandidates));
    }

    /** The address of a plan's {@code ip/prefix}. */
    private static InetAddress address(String vip) {
        String ip = vip.substring(0, vip.indexOf('/'));
        try {
            return InetAddress.ofLiteral(ip);
        } catch (IllegalArgumentException e) {
            throw OverlayException.invalid("not an IP address: " + ip);
        }
    }

    private static int prefix(String vip) {
        return Integer.parseInt(vip.substring(vip.indexOf('/') + 1));
    }
}
