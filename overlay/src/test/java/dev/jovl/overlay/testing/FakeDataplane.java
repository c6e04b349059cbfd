package dev.jovl.overlay.testing;

import dev.jovl.overlay.Dataplane;
import dev.jovl.overlay.SandboxNames;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.NetworkRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kernel as the overlay core sees it, in memory: sandboxes with their veths and peer
 * entries. Lets the core's decisions be tested as a normal user, with no namespace and no
 * netlink; the real adapter ({@code kernel.NetlinkDataplane}) is tested in namespaces as root.
 * Carrier is up as soon as a veth exists unless a test says otherwise.
 */
public final class FakeDataplane implements Dataplane {

    /** One network's sandbox: its VNI, the veths on its bridge, the peer entries on its VXLAN device. */
    public static final class Sandbox {
        public final int vni;
        public final Set<String> veths = new TreeSet<>();
        public final Map<String, String> neighbours = new HashMap<>();
        public final Map<String, String> fdb = new HashMap<>();

        Sandbox(int vni) {
            this.vni = vni;
        }
    }

    private final Map<String, Sandbox> sandboxes = new ConcurrentHashMap<>();
    /** endpoint id parts whose container end is still in the host namespace (not in a container) */
    private final Set<String> hostEnds = ConcurrentHashMap.newKeySet();

    private final List<String> calls = new ArrayList<>();
    private volatile boolean carrier = true;
    private volatile RuntimeException failNextAttach;

    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    public Sandbox sandbox(String networkId) {
        return sandboxes.get(networkId);
    }

    public void carrier(boolean up) {
        carrier = up;
    }

    /** The next {@link #attach} throws {@code e} (as the kernel refusing a veth would). */
    public void failNextAttach(RuntimeException e) {
        failNextAttach = e;
    }

    private synchronized void call(String what) {
        calls.add(what);
    }

    @Override
    public String attach(NetworkRecord network, EndpointRecord endpoint) {
        call("attach " + endpoint.endpointId());
        RuntimeException fail = failNextAttach;
        if (fail != null) {
            failNextAttach = null;
            throw fail;
        }
        Sandbox s = sandboxes.computeIfAbsent(network.networkId(), id -> new Sandbox(network.vni()));
        String part = SandboxNames.devicePart(endpoint.endpointId());
        s.veths.add(part);
        hostEnds.add(part);
        return SandboxNames.hostEnd(endpoint.endpointId());
    }

    @Override
    public void repair(NetworkRecord network) {
        call("repair " + network.networkId());
        sandboxes.computeIfAbsent(network.networkId(), id -> new Sandbox(network.vni()));
    }

    @Override
    public void detach(String networkId, String part) {
        call("detach " + part);
        Sandbox s = sandboxes.get(networkId);
        if (s != null) {
            s.veths.remove(part);
        }
        hostEnds.remove(part);
    }

    @Override
    public boolean removeHostEnd(String part) {
        boolean had = hostEnds.remove(part);
        if (had) {
            sandboxes.values().forEach(s -> s.veths.remove(part));
        }
        return had;
    }

    @Override
    public boolean hostEndPresent(String part) {
        return hostEnds.contains(part);
    }

    /** Docker moved the container end into the container. */
    public void moveIntoContainer(String endpointId) {
        hostEnds.remove(SandboxNames.devicePart(endpointId));
    }

    /** Docker tore the container's namespace down and put the container end back in the host's. */
    public void movedBackToHost(String endpointId) {
        hostEnds.add(SandboxNames.devicePart(endpointId));
    }

    /** The container's namespace is gone, and with it both ends of its veth pair (no call recorded). */
    public void containerDied(String endpointId) {
        String part = SandboxNames.devicePart(endpointId);
        hostEnds.remove(part);
        sandboxes.values().forEach(s -> s.veths.remove(part));
    }

    @Override
    public boolean hasCarrier(String networkId, String endpointId) {
        Sandbox s = sandboxes.get(networkId);
        return carrier && s != null && s.veths.contains(SandboxNames.devicePart(endpointId));
    }

    @Override
    public void whenCarrier(String networkId, String endpointId, Duration within, Runnable whenUp) {
        if (hasCarrier(networkId, endpointId)) {
            whenUp.run();
        }
    }

    @Override
    public boolean hasSandbox(String networkId) {
        return sandboxes.containsKey(networkId);
    }

    @Override
    public Set<String> sandboxes() {
        return Set.copyOf(sandboxes.keySet());
    }

    @Override
    public void removeSandbox(String networkId) {
        call("removeSandbox " + networkId);
        sandboxes.remove(networkId);
    }

    @Override
    public Set<String> attachedEndpoints(String networkId) {
        Sandbox s = sandboxes.get(networkId);
        return s == null ? Set.of() : Set.copyOf(s.veths);
    }

    @Override
    public PeerEntries dumpPeers(String networkId) {
        Sandbox s = sandboxes.get(networkId);
        return s == null ? PeerEntries.NONE : new PeerEntries(s.neighbours, s.fdb);
    }

    @Override
    public void applyPeers(String networkId, PeerEntries remove, PeerEntries add) {
        call("applyPeers " + networkId + " -" + remove.size() + " +" + add.size());
        Sandbox s = sandboxes.get(networkId);
        if (s == null) {
            return;
        }
        remove.neighbours().keySet().forEach(s.neighbours::remove);
        remove.fdb().keySet().forEach(s.fdb::remove);
        s.neighbours.putAll(add.neighbours());
        s.fdb.putAll(add.fdb());
    }

    private final List<Map<String, String>> announcements = new ArrayList<>();

    @Override
    public synchronized void announce(String networkId, Map<String, String> ipToMac) {
        call("announce " + networkId + " " + new java.util.TreeMap<>(ipToMac));
        announcements.add(Map.copyOf(ipToMac));
    }

    /** Every address -> MAC announced so far, in order. */
    public synchronized List<Map<String, String>> announcements() {
        return List.copyOf(announcements);
    }

    @Override
    public void close() {}
}
