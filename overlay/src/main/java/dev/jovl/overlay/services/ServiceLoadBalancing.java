package dev.jovl.overlay.services;

import dev.jovl.net.IpAddress;
import dev.jovl.overlay.Dataplane;
import dev.jovl.overlay.Ids;
import dev.jovl.overlay.NetworkLocks;
import dev.jovl.overlay.runtime.Supervisor;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VIP load balancer's reconcile loop: every period, for each network with a sandbox on this
 * host, asks the {@link ServiceDirectory} for its services, keeps of their tasks those that are
 * live endpoints in jovl's own view of the network, and makes the sandbox hold the matching
 * {@link LoadBalancerPlan}. The second filter is what makes a stopped task leave at once: Docker
 * keeps listing a task for seconds after it stopped (until its node has removed the endpoint and
 * gossiped it), while jovl's store loses the endpoint at DeleteEndpoint and every host's watch
 * sees it within milliseconds; a new task, likewise, is taken once its interface is up. A plan is written only when it differs from the last one written (one
 * atomic replace), and again every {@code reapplyEvery} so that rules or addresses changed behind
 * jovl's back are put right. A sandbox that never had a VIP and needs none is only looked at (its
 * bridge addresses), never rewritten: outside swarm mode the loop costs one directory question per
 * network.
 */
public final class ServiceLoadBalancing {
    private static final Logger log = LoggerFactory.getLogger(ServiceLoadBalancing.class);

    private record Applied(LoadBalancerPlan plan, long atNanos) {}

    private final Dataplane dataplane;
    private final NetworkLocks locks;
    private final ServiceDirectory directory;
    private final Function<String, Optional<Set<IpAddress>>> liveEndpoints;
    private final SandboxLoadBalancer kernel;
    private final Duration period;
    private final Duration reapplyEvery;
    private final LongSupplier nanoClock;
    private final Map<String, Applied> applied = new ConcurrentHashMap<>();

    public ServiceLoadBalancing(
            Dataplane dataplane,
            NetworkLocks locks,
            ServiceDirectory directory,
            Function<String, Optional<Set<IpAddress>>> liveEndpoints,
            SandboxLoadBalancer kernel,
            Duration period,
            Duration reapplyEvery) {
        this(dataplane, locks, directory, liveEndpoints, kernel, period, reapplyEvery, System::nanoTime);
    }

    ServiceLoadBalancing(
            Dataplane dataplane,
            NetworkLocks locks,
            ServiceDirectory directory,
            Function<String, Optional<Set<IpAddress>>> liveEndpoints,
            SandboxLoadBalancer kernel,
            Duration period,
            Duration reapplyEvery,
            LongSupplier nanoClock) {
        this.dataplane = dataplane;
        this.locks = locks;
        this.directory = directory;
        this.liveEndpoints = liveEndpoints;
        this.kernel = kernel;
        this.period = period;
        this.reapplyEvery = reapplyEvery;
        this.nanoClock = nanoClock;
    }

    /**
     * Declares the loop {@code service-lb} on the daemon's supervisor; the caller may wake it
     * (an endpoint left jovl's store) rather than wait for the period.
     */
    public Supervisor.Loop start(Supervisor loops) {
        return loops.every("service-lb", period, period, this::reconcileAll);
    }

    /**
     * One round over every sandbox. A network that fails does not stop the others; the first
     * failure is rethrown at the end so the supervisor (and {@code jovl status}) shows it.
     */
    public void reconcileAll() throws Exception {
        Set<String> sandboxes = dataplane.sandboxes();
        applied.keySet().retainAll(sandboxes); // a removed sandbox took its rules with it
        Exception first = null;
        for (String networkId : sandboxes) {
            try {
                reconcile(networkId);
            } catch (Exception e) {
                log.warn("network {}: service load balancer: {}", Ids.shortId(networkId), e.getMessage());
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Brings one network's sandbox to its plan; returns whether the kernel was written. */
    boolean reconcile(String networkId) throws Exception {
        Optional<NetworkServices> listed = directory.servicesOf(networkId);
        if (listed.isEmpty()) {
            return false; // unknown this time: keep what is installed
        }
        NetworkServices services = listed.get();
        if (!services.services().isEmpty()) {
            Optional<Set<IpAddress>> live = liveEndpoints.apply(networkId);
            if (live.isEmpty()) {
                return false; // jovl's own view is not loaded yet (a restart): keep what is installed
            }
            services = services.keepingTasks(live.get());
        }
        LoadBalancerPlan plan = LoadBalancerPlan.of(services);
        Applied last = applied.get(networkId);
        long now = nanoClock.getAsLong();
        boolean due = last == null || now - last.atNanos() >= reapplyEvery.toNanos();
        if (last != null && last.plan().equals(plan) && !due) {
            return false;
        }
        if (plan.isEmpty()
                && (last == null || last.plan().isEmpty())
                && kernel.installedVips(networkId).isEmpty()) {
            applied.put(networkId, new Applied(plan, now)); // nothing there, nothing wanted
            return false;
        }
        boolean written = locks.with(networkId, () -> dataplane.hasSandbox(networkId) && kernel.apply(networkId, plan));
        if (!written) {
            applied.remove(networkId);
            return false;
        }
        applied.put(networkId, new Applied(plan, now));
        if (last == null || !last.plan().equals(plan)) {
            log.info(
                    "network {}: service VIPs now {}{}",
                    Ids.shortId(networkId),
                    describe(services),
                    plan.skipped().isEmpty() ? "" : "; not balanced: " + plan.skipped());
        }
        return true;
    }

    private static String describe(NetworkServices services) {
        if (services.services().isEmpty()) {
            return "none";
        }
        return services.services().stream()
                .map(s -> s.name() + " " + s.vip() + " -> "
                        + (s.tasks().isEmpty()
                                ? "no task"
                                : s.tasks().stream().map(Object::toString).collect(Collectors.joining(","))))
                .collect(Collectors.joining("; "));
    }
}
