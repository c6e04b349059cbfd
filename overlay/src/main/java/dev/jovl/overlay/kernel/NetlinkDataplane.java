package dev.jovl.overlay.kernel;

import dev.jovl.net.Family;
import dev.jovl.net.IpAddress;
import dev.jovl.net.MacAddress;
import dev.jovl.netlink.BridgeSpec;
import dev.jovl.netlink.EntryBatch;
import dev.jovl.netlink.Errno;
import dev.jovl.netlink.FdbEntry;
import dev.jovl.netlink.FrameSender;
import dev.jovl.netlink.GratuitousArp;
import dev.jovl.netlink.Link;
import dev.jovl.netlink.Neighbour;
import dev.jovl.netlink.NeighbourAdvertisement;
import dev.jovl.netlink.NetNs;
import dev.jovl.netlink.NetlinkException;
import dev.jovl.netlink.NetlinkHandle;
import dev.jovl.netlink.NetnsDirectory;
import dev.jovl.netlink.VethSpec;
import dev.jovl.netlink.VxlanSpec;
import dev.jovl.overlay.Dataplane;
import dev.jovl.overlay.Ids;
import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.OverlayException;
import dev.jovl.overlay.SandboxNames;
import dev.jovl.overlay.runtime.Supervisor;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.NetworkRecord;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The overlay in the kernel, over rtnetlink (vxlan-native). Per network a named namespace under
 * the run directory holds {@code br0} and {@code vxlan0}; devices are created where they live:
 * {@code vxlan0} from the host namespace straight into the sandbox (its UDP socket stays on the
 * underlay), each veth from the sandbox with its container end born in the host namespace. Nothing
 * is ever moved (a move costs ~20 ms here). Everything is found by name, so a restarted daemon
 * adopts what is there.
 */
public final class NetlinkDataplane implements Dataplane {
    private static final Logger log = LoggerFactory.getLogger(NetlinkDataplane.class);

    private final NetlinkHandle hostHandle;
    private final NetNs hostNs;
    private final NetnsDirectory sandboxDir;
    private final HashedNamespaceNames hashedNames;
    private final LocalHost host;
    private final InetAddress vtep;
    private final Map<String, Sandbox> open = new ConcurrentHashMap<>();
    private final Supervisor loops;

    /**
     * An open sandbox: the namespace, a netlink handle working inside it, and the bridge's and
     * VXLAN device's ifindex once this process has checked them (0 until then), so the hot path
     * (Join, peer updates) does not re-check on every call.
     */
    private static final class Sandbox {
        private final NetNs ns;
        private final NetlinkHandle handle;
        private final CarrierWatcher carrier;
        private volatile int bridgeIndex;
        private volatile int vxlanIndex;
        private FrameSender frames; // guarded by this; opened on first use

        Sandbox(NetNs ns, NetlinkHandle handle, Supervisor loops) {
            this.ns = ns;
            this.handle = handle;
            this.carrier =
                    new CarrierWatcher(ns, handle, ns.path().getFileName().toString(), loops);
        }

        NetNs ns() {
            return ns;
        }

        NetlinkHandle handle() {
            return handle;
        }

        boolean verified() {
            return bridgeIndex != 0 && vxlanIndex != 0;
        }

        /** The sandbox's announcement socket: opened inside it once, then used from any thread. */
        synchronized FrameSender frames() {
            if (frames == null) {
                frames = ns.call(FrameSender::open);
            }
            return frames;
        }

        void close() {
            synchronized (this) {
                if (frames != null) {
                    frames.close();
                }
            }
            carrier.close();
            handle.close();
            ns.close();
        }
    }

    /**
     * @param hostNs     the namespace that holds the underlay and where Docker expects the
     *                   container end of each veth; the caller keeps ownership
     * @param hostHandle a netlink handle working in {@code hostNs}; the caller keeps ownership
     * @param loops      where the carrier watches of the sandboxes run
     */
    public NetlinkDataplane(
            NetNs hostNs, NetlinkHandle hostHandle, NetnsDirectory sandboxDir, LocalHost host, Supervisor loops) {
        this.loops = loops;
        this.hostNs = hostNs;
        this.hostHandle = hostHandle;
        this.sandboxDir = sandboxDir;
        this.hashedNames = new HashedNamespaceNames(sandboxDir.dir());
        this.host = host;
        this.vtep = literal(host.vtep());
    }

    // --------------------------------------------------------------------------------- sandboxes

    @Override
    public boolean hasSandbox(String networkId) {
        return open.containsKey(networkId) || sandboxDir.exists(SandboxNames.namespace(networkId));
    }

    @Override
    public Set<String> sandboxes() {
        Set<String> out = new HashSet<>();
        for (String name : sandboxDir.list()) {
            String networkId = SandboxNames.isHashed(name) ? hashedNames.networkOf(name) : SandboxNames.networkOf(name);
            if (networkId != null) {
                out.add(networkId);
            }
        }
        return out;
    }

    /** The network's sandbox, made complete: created if absent, adopted (and repaired) if present. */
    private Sandbox ensureSandbox(NetworkRecord network, boolean recheck) {
        Sandbox sb = openOrCreate(network.networkId());
        if (sb.verified() && !recheck) {
            return sb;
        }
        NetlinkHandle h = sb.handle();
        try {
            h.setUp("lo");
            Link bridge = h.findLink(SandboxNames.BRIDGE).orElse(null);
            if (bridge == null) {
                h.addLink(BridgeSpec.builder(SandboxNames.BRIDGE)
                        .mtu(network.mtu())
                        .up()
                        .build());
            } else if (!bridge.isUp()) {
                h.setUp(SandboxNames.BRIDGE);
            }
            ensureVxlan(network, sb);
            return sb;
        } catch (NetlinkException e) {
            throw OverlayException.failed(
                    "cannot build the sandbox of network " + Ids.shortId(network.networkId()) + ": " + e.getMessage(),
                    e);
        }
    }

    private void ensureVxlan(NetworkRecord network, Sandbox sb) {
        NetlinkHandle h = sb.handle();
        Optional<Link> existing = h.findLink(SandboxNames.VXLAN);
        if (existing.isPresent()
                && (existing.get().vxlan() == null
                        || existing.get().vxlan().vni() != network.vni()
                        || existing.get().vxlan().port() != host.vxlanPort())) {
            log.warn(
                    "network {}: {} has the wrong VNI or port; recreating it",
                    Ids.shortId(network.networkId()),
                    SandboxNames.VXLAN);
            h.deleteLink(SandboxNames.VXLAN);
            existing = Optional.empty();
        }
        if (existing.isEmpty()) {
            try {
                hostHandle.addLink(VxlanSpec.builder(SandboxNames.VXLAN)
                        .vni(network.vni())
                        .local(vtep)
                        .port(host.vxlanPort())
                        .learning(false)
                        .proxy(true)
                        .mtu(network.mtu())
                        .netns(sb.ns())
                        .build());
            } catch (NetlinkException e) {
                if (e.is(Errno.EEXIST)) {
                    throw OverlayException.failed(
                            "VNI " + network.vni() + " on UDP port " + host.vxlanPort()
                                    + " is already used by another VXLAN device in the host namespace",
                            e);
                }
                throw e;
            }
        }
        Link bridge = h.link(SandboxNames.BRIDGE);
        Link vx = h.link(SandboxNames.VXLAN);
        if (vx.masterIndex() != bridge.index()) {
            h.setMaster(SandboxNames.VXLAN, SandboxNames.BRIDGE);
        }
        if (!vx.isUp()) {
            h.setUp(SandboxNames.VXLAN);
        }
        sb.bridgeIndex = bridge.index();
        sb.vxlanIndex = vx.index();
    }

    private Sandbox openOrCreate(String networkId) {
        return open.computeIfAbsent(networkId, id -> {
            String name = SandboxNames.namespace(id);
            if (sandboxDir.exists(name)) {
                try {
                    return openSandbox(sandboxDir.open(name));
                } catch (RuntimeException e) {
                    // a file whose namespace died with its mount (e.g. the mount lived in a
                    // private mount namespace that is gone): nothing to adopt, start afresh
                    log.warn(
                            "network {}: {} is not a live namespace ({}); recreating it",
                            Ids.shortId(id),
                            sandboxDir.pathOf(name),
                            e.getMessage());
                    sandboxDir.delete(name);
                }
            }
            if (SandboxNames.isHashed(name)) {
                hashedNames.record(name, id); // before the namespace: a sandbox is never left unattributable
            }
            Sandbox sb = openSandbox(sandboxDir.create(name));
            log.info("network {}: sandbox namespace {} created", Ids.shortId(id), sandboxDir.pathOf(name));
            return sb;
        });
    }

    private Sandbox openSandbox(NetNs ns) {
        try {
            return new Sandbox(ns, NetlinkHandle.open(ns), loops);
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    /** The open sandbox if the network has one, without creating it. */
    private Optional<Sandbox> existing(String networkId) {
        Sandbox sb = open.get(networkId);
        if (sb != null) {
            return Optional.of(sb);
        }
        if (!sandboxDir.exists(SandboxNames.namespace(networkId))) {
            return Optional.empty();
        }
        return Optional.of(openOrCreate(networkId));
    }

    /**
     * Runs {@code work} with the network's sandbox (its namespace and a netlink handle inside it)
     * if the network has one; empty otherwise. For the other kernel adapters of this package
     * (the VIP load balancer); callers hold the network's lock.
     */
    <T> Optional<T> withSandbox(String networkId, java.util.function.BiFunction<NetNs, NetlinkHandle, T> work) {
        return existing(networkId).map(sb -> work.apply(sb.ns(), sb.handle()));
    }

    @Override
    public void repair(NetworkRecord network) {
        ensureSandbox(network, true);
    }

    @Override
    public void removeSandbox(String networkId) {
        Sandbox sb = open.remove(networkId);
        String name = SandboxNames.namespace(networkId);
        if (sb == null && sandboxDir.exists(name)) {
            try {
                sb = openSandbox(sandboxDir.open(name));
            } catch (RuntimeException e) {
                log.info("network {}: {} was not a live namespace any more", Ids.shortId(networkId), name);
            }
        }
        if (sb != null) {
            try {
                // Delete the VXLAN device explicitly: the kernel frees a dead namespace's devices
                // asynchronously, and until then the VNI stays taken on the underlay.
                // The rest (bridge, veths) goes with the namespace once the last reference to it
                // is dropped below; each explicit delete would wait for the kernel's RCU grace period.
                sb.handle().deleteLink(SandboxNames.VXLAN);
            } catch (NetlinkException e) {
                log.warn("network {}: cleaning the sandbox before removal: {}", Ids.shortId(networkId), e.getMessage());
            } finally {
                sb.close();
            }
        }
        if (SandboxNames.isHashed(name)) {
            hashedNames.forget(name);
        }
        if (sandboxDir.delete(name)) {
            log.info("network {}: sandbox namespace removed", Ids.shortId(networkId));
        }
    }

    // --------------------------------------------------------------------------------- endpoints

    @Override
    public String attach(NetworkRecord network, EndpointRecord endpoint) {
        Sandbox sb = ensureSandbox(network, false);
        String inner = SandboxNames.sandboxEnd(endpoint.endpointId());
        String outer = SandboxNames.hostEnd(endpoint.endpointId());
        NetlinkHandle h = sb.handle();
        if (h.findLink(inner).isPresent()) {
            return outer; // a resent Join: the pair exists (its outer end may already be in the container)
        }
        int bridge = sb.bridgeIndex;
        VethSpec spec = VethSpec.builder(inner, outer)
                .mtu(network.mtu())
                .master(bridge)
                .up()
                .peerNetns(hostNs)
                .peerMac(MacAddress.parse(endpoint.mac()))
                .build();
        try {
            h.addLink(spec);
        } catch (NetlinkException e) {
            if (!e.is(Errno.EEXIST) || hostHandle.findLink(outer).isEmpty()) {
                throw OverlayException.failed(
                        "cannot create the veth pair for endpoint " + Ids.shortId(endpoint.endpointId()) + ": "
                                + e.getMessage(),
                        e);
            }
            // an orphan outer end from an earlier attempt whose sandbox went away: replace it
            hostHandle.deleteLink(outer);
            h.addLink(spec);
        }
        return outer;
    }

    @Override
    public void detach(String networkId, String device) {
        String inner = SandboxNames.sandboxEndOfDevice(device);
        existing(networkId).ifPresent(sb -> sb.handle().deleteLink(inner));
        // if the sandbox end was already gone, the outer end may still be lying in the host namespace
        hostHandle.deleteLink(SandboxNames.hostEndOfDevice(device));
    }

    @Override
    public boolean removeHostEnd(String device) {
        return hostHandle.deleteLink(SandboxNames.hostEndOfDevice(device));
    }

    @Override
    public boolean hostEndPresent(String device) {
        return hostHandle.findLink(SandboxNames.hostEndOfDevice(device)).isPresent();
    }

    @Override
    public boolean hasCarrier(String networkId, String endpointId) {
        return existing(networkId)
                .flatMap(sb -> sb.handle().findLink(SandboxNames.sandboxEnd(endpointId)))
                .map(Link::hasCarrier)
                .orElse(false);
    }

    @Override
    public void whenCarrier(String networkId, String endpointId, Duration within, Runnable whenUp) {
        existing(networkId).ifPresent(sb -> sb.carrier.await(SandboxNames.sandboxEnd(endpointId), within, whenUp));
    }

    @Override
    public Set<String> attachedEndpoints(String networkId) {
        Set<String> out = new HashSet<>();
        existing(networkId).ifPresent(sb -> {
            for (Link l : sb.handle().links()) {
                String prefix = SandboxNames.deviceOf(l.name());
                if ("veth".equals(l.kind()) && prefix != null) {
                    out.add(prefix);
                }
            }
        });
        return out;
    }

    /** The /proc scan, shared by the sandboxes of one sweep (a few hundred readlinks each time). */
    private synchronized java.util.Collection<java.nio.file.Path> processNamespaces() {
        long now = System.nanoTime();
        if (processNamespaces == null || now - processNamespacesAt > 1_000_000_000L) {
            processNamespaces = List.copyOf(LiveNamespaces.withProcesses().values());
            processNamespacesAt = now;
        }
        return processNamespaces;
    }

    private List<java.nio.file.Path> processNamespaces;
    private long processNamespacesAt;

    @Override
    public Set<String> endpointsWithoutProcesses(String networkId) {
        Optional<Sandbox> sb = existing(networkId);
        if (sb.isEmpty() || !LiveNamespaces.visible()) {
            return Set.of();
        }
        Map<Integer, String> byPeerNamespace = new HashMap<>();
        for (Link l : sb.get().handle().links()) {
            String device = SandboxNames.deviceOf(l.name());
            if ("veth".equals(l.kind()) && device != null && l.linkNetnsId() >= 0) {
                byPeerNamespace.put(l.linkNetnsId(), device);
            }
        }
        if (byPeerNamespace.isEmpty()) {
            return Set.of();
        }
        Set<Integer> live = LiveNamespaces.idsIn(sb.get().handle(), processNamespaces());
        Set<String> dead = new HashSet<>();
        byPeerNamespace.forEach((nsid, device) -> {
            if (!live.contains(nsid)) {
                dead.add(device);
            }
        });
        return dead;
    }

    // ------------------------------------------------------------------------------------- peers

    @Override
    public PeerEntries dumpPeers(String networkId) {
        Optional<Sandbox> sb = existing(networkId);
        if (sb.isEmpty()) {
            return PeerEntries.NONE;
        }
        NetlinkHandle h = sb.get().handle();
        Optional<Link> vx = h.findLink(SandboxNames.VXLAN);
        if (vx.isEmpty() || vx.get().index() != sb.get().vxlanIndex) {
            sb.get().bridgeIndex = 0; // gone or replaced behind our back: check it all on next use
        }
        if (vx.isEmpty()) {
            return PeerEntries.NONE;
        }
        Map<String, String> neighbours = new HashMap<>();
        for (Neighbour n : h.neighbours(vx.get().index())) {
            if (n.isPermanent() && n.mac() != null) {
                neighbours.put(
                        IpAddress.fromBytes(n.ip().getAddress()).toString(),
                        n.mac().toString());
            }
        }
        Map<String, String> fdb = new HashMap<>();
        for (FdbEntry f : h.fdb(vx.get().index())) {
            if (f.isSelf() && f.isPermanent() && f.dst() != null) {
                fdb.put(
                        f.mac().toString(),
                        IpAddress.fromBytes(f.dst().getAddress()).toString());
            }
        }
        return new PeerEntries(neighbours, fdb);
    }

    @Override
    public void applyPeers(String networkId, PeerEntries remove, PeerEntries add) {
        Sandbox sb = existing(networkId)
                .orElseThrow(() -> new IllegalStateException("network " + networkId + " has no sandbox on this host"));
        NetlinkHandle h = sb.handle();
        int vx = sb.verified() ? sb.vxlanIndex : h.link(SandboxNames.VXLAN).index();
        EntryBatch batch = h.batch();
        // remove in reverse order of adding: forwarding first, then the neighbour that points at it
        remove.fdb().forEach((mac, dst) -> batch.deleteFdb(vx, MacAddress.parse(mac), literal(dst)));
        remove.neighbours().forEach((ip, mac) -> batch.deleteNeighbour(vx, literal(ip)));
        add.neighbours().forEach((ip, mac) -> batch.setNeighbour(vx, literal(ip), MacAddress.parse(mac)));
        add.fdb().forEach((mac, dst) -> batch.setFdb(vx, MacAddress.parse(mac), literal(dst)));
        batch.execute().throwIfFailed();
        // the bridge may have learned a removed MAC on the VXLAN port; let it forget at once
        remove.fdb().keySet().forEach(mac -> h.deleteBridgeFdb(vx, MacAddress.parse(mac)));
    }

    @Override
    public void announce(String networkId, Map<String, String> ipToMac) {
        Map<IpAddress, MacAddress> v4 = new HashMap<>();
        Map<IpAddress, MacAddress> v6 = new HashMap<>();
        ipToMac.forEach((ip, mac) -> {
            IpAddress a = IpAddress.parse(ip);
            (a.family() == Family.V4 ? v4 : v6).put(a, MacAddress.parse(mac));
        });
        Optional<Sandbox> sb = existing(networkId);
        if (sb.isEmpty()) {
            return;
        }
        Link bridge = sb.get().handle().link(SandboxNames.BRIDGE);
        FrameSender sender = sb.get().frames();
        GratuitousArp.announce(sender, bridge.index(), bridge.mac(), v4);
        NeighbourAdvertisement.announce(sender, bridge.index(), bridge.mac(), v6);
    }

    private static InetAddress literal(String ip) {
        return InetAddress.ofLiteral(ip);
    }

    @Override
    public void close() {
        open.values().forEach(Sandbox::close);
        open.clear();
    }
}
