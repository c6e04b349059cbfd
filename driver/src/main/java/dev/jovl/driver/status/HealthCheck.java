package dev.jovl.driver.status;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.jovl.kvstore.Store;
import dev.jovl.overlay.Dataplane;
import dev.jovl.overlay.Dataplane.PeerEntries;
import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.peers.HostRegistration;
import dev.jovl.overlay.peers.PeerSync;
import dev.jovl.overlay.runtime.Supervisor;
import dev.jovl.overlay.state.StoreLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * One verdict per subsystem, the same for {@code jovl status} (which exits non-zero when one is
 * unhealthy) and the {@code jovl_health} metric: the store answers, the peer watch follows it, every
 * sandbox holds what the store asks for, Docker's event stream is connected (standalone mode), and
 * no supervised loop is failing.
 */
public final class HealthCheck {
    public static final String STORE = "store";
    public static final String WATCH = "watch";
    public static final String KERNEL = "kernel";
    public static final String DOCKER_EVENTS = "docker_events";
    public static final String LOOPS = "loops";

    public record Verdict(
            @JsonProperty("Subsystem") String subsystem,
            @JsonProperty("Healthy") boolean healthy,
            @JsonProperty("Detail") String detail) {}

    private final Store store;
    private final LocalHost host;
    private final HostRegistration registration;
    private final PeerSync peers;
    private final Dataplane dataplane;
    private final Supervisor loops;
    private final BooleanSupplier dockerEvents;

    /** @param dockerEvents whether Docker's event stream is connected; {@code null} outside standalone mode */
    public HealthCheck(
            Store store,
            LocalHost host,
            HostRegistration registration,
            PeerSync peers,
            Dataplane dataplane,
            Supervisor loops,
            BooleanSupplier dockerEvents) {
        this.store = store;
        this.host = host;
        this.registration = registration;
        this.peers = peers;
        this.dataplane = dataplane;
        this.loops = loops;
        this.dockerEvents = dockerEvents;
    }

    /** Checks every subsystem now (the store with one read of this host's record). */
    public List<Verdict> check() {
        return assemble(store(), kernel());
    }

    /**
     * The verdicts for a scrape: the store's and the kernel's as {@code earlier} (a full
     * {@link #check} made by a loop, so a scrape never waits for a store that does not answer; left
     * out until there is one), the others (watch, Docker events, loops: read from memory) now, so
     * they are never behind what {@code jovl status} says.
     */
    public List<Verdict> withLatest(List<Verdict> earlier) {
        return assemble(find(earlier, STORE), find(earlier, KERNEL));
    }

    private static Verdict find(List<Verdict> verdicts, String subsystem) {
        return verdicts.stream()
                .filter(v -> v.subsystem().equals(subsystem))
                .findFirst()
                .orElse(null);
    }

    private List<Verdict> assemble(Verdict store, Verdict kernel) {
        List<Verdict> out = new ArrayList<>();
        if (store != null) {
            out.add(store);
        }
        out.add(
                peers.watchCurrent()
                        ? new Verdict(WATCH, true, "current")
                        : new Verdict(
                                WATCH, false, peers.isLoaded() ? "disconnected or re-listing" : "not loaded yet"));
        if (kernel != null) {
            out.add(kernel);
        }
        if (dockerEvents != null) {
            boolean up = dockerEvents.getAsBoolean();
            out.add(new Verdict(DOCKER_EVENTS, up, up ? "connected" : "not connected to Docker's event stream"));
        }
        out.add(loops());
        return out;
    }

    public static boolean allHealthy(List<Verdict> verdicts) {
        return verdicts.stream().allMatch(Verdict::healthy);
    }

    private Verdict store() {
        try {
            boolean mine = store.get(StoreLayout.host(host.hostId())).isPresent();
            boolean registered = registration.isRegistered();
            return new Verdict(STORE, true, "reachable" + (mine && registered ? "" : ", host not registered yet"));
        } catch (RuntimeException e) {
            return new Verdict(STORE, false, "unreachable: " + e.getMessage());
        }
    }

    private Verdict kernel() {
        int sandboxes = 0;
        long differences = 0;
        try {
            for (String networkId : dataplane.sandboxes()) {
                PeerEntries desired = peers.desired(networkId);
                PeerEntries kernel = dataplane.dumpPeers(networkId);
                differences += PeerComparison.differences(PeerComparison.compare(desired, kernel));
                sandboxes++;
            }
        } catch (RuntimeException e) {
            return new Verdict(KERNEL, false, "cannot read the sandboxes: " + e.getMessage());
        }
        String counts = sandboxes + (sandboxes == 1 ? " sandbox" : " sandboxes");
        return differences == 0
                ? new Verdict(KERNEL, true, "in sync with the store (" + counts + ")")
                : new Verdict(
                        KERNEL,
                        false,
                        differences + " entries differ from the store (" + counts
                                + "; the next reconcile repairs them)");
    }

    private Verdict loops() {
        List<String> failing = new ArrayList<>();
        int running = 0;
        for (Supervisor.LoopStatus l : loops.status()) {
            if (l.state() == Supervisor.State.RESTARTING) {
                failing.add(l.name() + " (" + l.lastFailure() + ")");
            } else {
                running++;
            }
        }
        return failing.isEmpty()
                ? new Verdict(LOOPS, true, running + " running")
                : new Verdict(LOOPS, false, "restarting: " + String.join(", ", failing));
    }
}
