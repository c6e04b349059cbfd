package dev.jovl.overlay;

import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Op;
import dev.jovl.kvstore.RecordJson;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.Txn;
import dev.jovl.kvstore.retry.StoreRetry;
import dev.jovl.net.InterfaceAddress;
import dev.jovl.net.MacAddress;
import dev.jovl.overlay.state.AddressPool;
import dev.jovl.overlay.state.ClusterState;
import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.LocalEndpointJournal;
import dev.jovl.overlay.state.NetworkRecord;
import dev.jovl.overlay.state.StoreLayout;
import dev.jovl.overlay.state.Versioned;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The overlay's life cycle of networks and endpoints on this host: what Docker's NetworkDriver
 * methods do, in jovl's own terms (the driver module adapts Docker's wire format to it). Every
 * operation is idempotent (Docker resends a request when a connection breaks), takes values that
 * were checked when they were made, and writes the store with create-if-absent or
 * compare-and-set so that hosts racing on one key cannot corrupt it. Failures are
 * {@link OverlayException}s or the store's own exceptions.
 */
public final class OverlayService {
    private static final Logger log = LoggerFactory.getLogger(OverlayService.class);
    /** Lost races are retried from a fresh read. */
    private static final StoreRetry RETRY = new StoreRetry(StoreRetry.DEFAULT_ATTEMPTS);

    private static final int MAX_DELETES_PER_TXN = 60;

    private final ClusterState state;
    private final LocalHost host;
    private final DriverSettings settings;
    private final Dataplane dataplane;
    private final PeerProgramming peers;
    private final NetworkLocks locks;
    private final LocalEndpointJournal journal;
    private final SandboxCleanup cleanup;
    private final EndpointReadiness readiness;
    /**
     * Network records as last read from the store, so that endpoint requests need not read them
     * again: a network's record does not change while it lives, and CreateEndpoint's write is
     * conditional on the version seen here, so a network deleted or re-created elsewhere is noticed
     * (and re-read) there; Join then works on what that CreateEndpoint checked.
     */
    private final Map<String, Versioned<NetworkRecord>> knownNetworks = new ConcurrentHashMap<>();

    public OverlayService(
            ClusterState state,
            LocalHost host,
            DriverSettings settings,
            Dataplane dataplane,
            PeerProgramming peers,
            NetworkLocks locks,
            LocalEndpointJournal journal,
            EndpointReadiness readiness,
            SandboxCleanup cleanup) {
        this.journal = journal;
        this.readiness = readiness;
        this.cleanup = cleanup;
        this.state = state;
        this.host = host;
        this.settings = settings;
        this.dataplane = dataplane;
        this.peers = peers;
        this.locks = locks;
    }

    /** {@code global} (one network seen by every host through the store) or {@code local}. */
    public String scope() {
        return settings.scope();
    }

    // ------------------------------------------------------------------------------------ networks

    /**
     * Creates the network's record with a VNI of its own, unless it exists (a resend, or created
     * by another host in cluster-store mode).
     */
    public void createNetwork(NetworkId id, NetworkOptions options, List<AddressPool> ipv4, List<AddressPool> ipv6) {
        String networkId = id.value();
        int mtu = options.mtu() != null
                ? options.mtu()
                : settings.defaultMtu() > 0 ? settings.defaultMtu() : host.defaultOverlayMtu();
        if (mtu > host.defaultOverlayMtu()) {
            log.warn(
                    "network {}: MTU {} is above the underlay's MTU {} minus VXLAN's {} bytes; large packets "
                            + "will be dropped",
                    Ids.shortId(networkId),
                    mtu,
                    host.underlayMtu(),
                    host.overhead());
        }
        try {
            RETRY.run(() -> createOnce(networkId, options, mtu, ipv4, ipv6));
        } catch (StoreRetry.GaveUp e) {
            throw OverlayException.failed(
                    "could not claim a VNI for network " + networkId + ": lost " + e.attempts() + " races in a row");
        }
    }

    private void createOnce(
            String networkId, NetworkOptions options, int mtu, List<AddressPool> ipv4, List<AddressPool> ipv6) {
        knownNetworks.remove(networkId);
        Optional<Versioned<NetworkRecord>> existing = state.network(networkId);
        if (existing.isPresent()) {
            NetworkRecord n = existing.get().value();
            if (options.pinnedVni() != null && options.pinnedVni() != n.vni()) {
                throw OverlayException.invalid("network " + networkId + " already exists with VNI " + n.vni() + ", not "
                        + options.pinnedVni());
            }
            return; // a resend, or created by another host in cluster-store mode
        }
        Integer vni = options.pinnedVni() != null ? options.pinnedVni() : freeVni(networkId);
        NetworkRecord record = new NetworkRecord(
                networkId,
                vni,
                mtu,
                options.internal(),
                ipv4,
                ipv6,
                options.generic(),
                host.hostId(),
                System.currentTimeMillis(),
                false);
        claimVniAndCreate(record, options.pinnedVni() != null);
        log.info(
                "network {} created: VNI {}, MTU {}{}",
                Ids.shortId(networkId),
                vni,
                mtu,
                options.internal() ? ", internal" : "");
    }

    /**
     * Creates the network record together with the claim on its VNI, in one transaction.
     *
     * @throws StoreException.Conflict a race was lost: look again
     */
    private void claimVniAndCreate(NetworkRecord record, boolean pinned) {
        String vniKey = StoreLayout.vni(record.vni());
        Optional<Versioned<String>> holder = state.vniHolder(record.vni());
        NetworkRecord toWrite = record;
        Op claim;
        if (holder.isEmpty()) {
            claim = Op.create(vniKey, record.networkId());
        } else if (holder.get().value().equals(record.networkId())) {
            // claimed by AllocateNetwork on a swarm manager for this very network
            claim = Op.checkVersion(vniKey, holder.get().version());
            toWrite = new NetworkRecord(
                    record.networkId(),
                    record.vni(),
                    record.mtu(),
                    record.internal(),
                    record.ipv4Data(),
                    record.ipv6Data(),
                    record.options(),
                    record.createdBy(),
                    record.createdAtMillis(),
                    true);
        } else if (pinned) {
            throw OverlayException.invalid("VNI " + record.vni() + " is already used by network "
                    + holder.get().value());
        } else {
            throw new StoreException.Conflict(
                    vniKey,
                    "VNI " + record.vni() + " was claimed by network "
                            + holder.get().value() + " meanwhile");
        }
        state.commit(Txn.of(Op.create(StoreLayout.network(record.networkId()), RecordJson.write(toWrite)), claim));
    }

    /** A VNI of the range that nobody has claimed, starting at a point derived from the network id. */
    private int freeVni(String networkId) {
        Set<Integer> claimed = new HashSet<>(state.claimedVnis());
        VniRange range = settings.vniRange();
        int vni = range.startFor(networkId);
        for (int i = 0; i < range.size(); i++, vni = range.next(vni)) {
            if (!claimed.contains(vni)) {
                return vni;
            }
        }
        throw OverlayException.failed("every VNI of the range " + range + " is in use");
    }

    /** Removes the network's records (unless swarm allocated it: FreeNetwork does that) and its sandbox here. */
    public void deleteNetwork(NetworkId id) {
        String networkId = id.value();
        knownNetworks.remove(networkId);
        Optional<Versioned<NetworkRecord>> existing = state.network(networkId);
        if (existing.isPresent() && !existing.get().value().swarmAllocated()) {
            deleteEndpointRecords(networkId);
            deleteNetworkRecord(existing.get());
        }
        locks.run(networkId, () -> {
            cleanup.cancelRetirement(networkId); // at once, even while it is kept idle
            dataplane.removeSandbox(networkId);
            peers.forget(networkId);
            journal.forgetNetwork(networkId);
        });
    }

    private void deleteNetworkRecord(Versioned<NetworkRecord> network) {
        NetworkRecord n = network.value();
        Txn.Builder txn = Txn.builder().add(Op.delete(StoreLayout.network(n.networkId())));
        Optional<Versioned<String>> holder = state.vniHolder(n.vni());
        if (holder.isPresent() && holder.get().value().equals(n.networkId())) {
            txn.add(Op.deleteIfVersion(StoreLayout.vni(n.vni()), holder.get().version()));
        }
        state.commit(txn.build());
        log.info("network {} deleted, VNI {} released", Ids.shortId(n.networkId()), n.vni());
    }

    /** Endpoints left behind under a network that Docker deleted: none should remain in use. */
    private void deleteEndpointRecords(String networkId) {
        List<String> keys = new ArrayList<>();
        for (KeyValue kv :
                state.store().list(StoreLayout.endpointsOf(networkId)).entries()) {
            keys.add(kv.key());
        }
        for (int i = 0; i < keys.size(); i += MAX_DELETES_PER_TXN) {
            Txn.Builder txn = Txn.builder();
            keys.subList(i, Math.min(keys.size(), i + MAX_DELETES_PER_TXN)).forEach(k -> txn.add(Op.delete(k)));
            state.commit(txn.build());
        }
    }

    /**
     * Swarm managers only: claims a VNI for the network (the pinned one if given) before any worker
     * creates it, and says which.
     */
    public int allocateNetwork(NetworkId id, Integer pinned) {
        String networkId = id.value();
        try {
            return RETRY.call(() -> {
                Optional<Integer> mine = vniClaimedBy(networkId);
                if (mine.isPresent()) {
                    if (pinned != null && !pinned.equals(mine.get())) {
                        throw OverlayException.invalid("network " + networkId + " already has VNI " + mine.get());
                    }
                    return mine.get();
                }
                int vni = pinned != null ? pinned : freeVni(networkId);
                try {
                    state.store().create(StoreLayout.vni(vni), networkId.getBytes(StandardCharsets.UTF_8));
                } catch (StoreException.Conflict e) {
                    if (pinned != null) {
                        throw OverlayException.invalid("VNI " + vni + " is already used by network "
                                + state.vniHolder(vni).map(Versioned::value).orElse("?"));
                    }
                    throw e;
                }
                return vni;
            });
        } catch (StoreRetry.GaveUp e) {
            throw OverlayException.failed("could not claim a VNI for network " + networkId);
        }
    }

    /** Swarm managers only: the network is gone from the swarm; remove its records and VNI claim. */
    public void freeNetwork(NetworkId id) {
        String networkId = id.value();
        knownNetworks.remove(networkId);
        Optional<Versioned<NetworkRecord>> network = state.network(networkId);
        if (network.isPresent()) {
            deleteEndpointRecords(networkId);
            deleteNetworkRecord(network.get());
        }
        vniClaimedBy(networkId)
                .ifPresent(vni -> state.vniHolder(vni)
                        .filter(h -> h.value().equals(networkId))
                        .ifPresent(h -> state.commit(Txn.of(Op.deleteIfVersion(StoreLayout.vni(vni), h.version())))));
    }

    private Optional<Integer> vniClaimedBy(String networkId) {
        for (KeyValue kv : state.store().list(StoreLayout.VNIS).entries()) {
            if (kv.valueAsString().equals(networkId)) {
                try {
                    return Optional.of(Integer.parseInt(kv.key().substring(StoreLayout.VNIS.length())));
                } catch (NumberFormatException ignored) {
                    // not a claim of ours
                }
            }
        }
        return Optional.empty();
    }

    // ----------------------------------------------------------------------------------- endpoints

    /**
     * Stores the endpoint as pending (other hosts learn it once its interface is up, after Join).
     *
     * @return its MAC: the one given, else one derived from its address
     */
    public String createEndpoint(NetworkId nid, EndpointId eid, EndpointAddresses addresses) {
        String networkId = nid.value();
        String endpointId = eid.value();
        String ipv4 = addresses.ipv4();
        String ipv6 = addresses.ipv6();
        String givenMac = addresses.mac();
        NetworkRecord network = knownNetwork(networkId).value();
        Inputs.endpointAddress(ipv4, network.ipv4Data(), host.vtep(), "Interface.Address");
        Inputs.endpointAddress(ipv6, network.ipv6Data(), host.vtep(), "Interface.AddressIPv6");
        String mac = givenMac != null ? givenMac : generatedMac(networkId, endpointId, ipv4);
        // pending: other hosts learn it only once the container's interface is up (after Join)
        EndpointRecord record = new EndpointRecord(
                networkId,
                endpointId,
                ipv4,
                ipv6,
                mac,
                host.vtep(),
                host.hostId(),
                null,
                System.currentTimeMillis(),
                true);
        try {
            RETRY.run(() -> storeEndpoint(record));
        } catch (StoreRetry.GaveUp e) {
            throw OverlayException.failed("endpoint " + endpointId + " keeps changing under us", e.getCause());
        }
        journal.record(record);
        return mac;
    }

    /** Removes the endpoint's record now and its veth pair in the background. */
    public void deleteEndpoint(NetworkId nid, EndpointId eid) {
        String networkId = nid.value();
        String endpointId = eid.value();
        // store first: if it is unreachable nothing changes and the error says so
        state.deleteEndpoint(networkId, endpointId);
        journal.forget(networkId, endpointId);
        // The veth pair goes in the background (the kernel's unregistering waits ~20-40 ms), and
        // with its last veth the sandbox, after the idle grace: a veth dies with either end's
        // namespace, so none left means no container of this network runs here any more.
        cleanup.deleteLater(networkId, SandboxNames.devicePart(endpointId));
    }

    /**
     * Builds the network's sandbox here if needed and the endpoint's veth pair; the endpoint is
     * published to the other hosts once its container's interface is up.
     *
     * @return the name of the container end, in this host's namespace, for Docker to move
     */
    public String join(NetworkId nid, EndpointId eid) {
        String networkId = nid.value();
        String endpointId = eid.value();
        NetworkRecord network = knownNetwork(networkId).value();
        EndpointRecord endpoint = ownEndpoint(networkId, endpointId)
                .orElseThrow(() -> OverlayException.invalid(
                        "unknown endpoint " + endpointId + " on network " + networkId + " (no CreateEndpoint seen)"));
        if (!host.hostId().equals(endpoint.host())) {
            throw OverlayException.invalid(
                    "endpoint " + endpointId + " belongs to host " + endpoint.host() + ", not " + host.hostId());
        }
        cleanup.beforeJoin(networkId, endpointId);
        String srcName = locks.with(networkId, () -> {
            boolean fresh = !dataplane.hasSandbox(networkId);
            String name = dataplane.attach(network, endpoint);
            if (fresh) {
                peers.reconcile(networkId);
            }
            return name;
        });
        readiness.publishWhenUp(networkId, endpointId);
        return srcName;
    }

    /** Fails unless the endpoint is known to the store. */
    public void requireEndpoint(NetworkId nid, EndpointId eid) {
        if (ownEndpoint(nid.value(), eid.value()).isEmpty()) {
            throw OverlayException.invalid("unknown endpoint " + eid + " on network " + nid);
        }
    }

    // ------------------------------------------------------------------------------------- helpers

    /**
     * Writes a CreateEndpoint's record in one transaction in the usual case: created, on condition
     * that the network is still the one {@link #knownNetwork} saw. If that fails, the network and
     * the endpoint are read again: a resend with the same wiring changes nothing, another wiring
     * replaces the record (keeping its name and age), a network that is gone is an invalid request.
     */
    private void storeEndpoint(EndpointRecord record) {
        String networkId = record.networkId();
        Versioned<NetworkRecord> network = knownNetwork(networkId);
        try {
            state.createEndpointIn(network, record);
            return;
        } catch (StoreException.Conflict e) {
            knownNetworks.remove(networkId); // the network changed, or the endpoint exists: look
        }
        network = knownNetwork(networkId);
        Inputs.endpointAddress(record.ipv4(), network.value().ipv4Data(), host.vtep(), "Interface.Address");
        Inputs.endpointAddress(record.ipv6(), network.value().ipv6Data(), host.vtep(), "Interface.AddressIPv6");
        Optional<Versioned<EndpointRecord>> existing = state.endpoint(networkId, record.endpointId());
        if (existing.isEmpty()) {
            state.createEndpointIn(network, record);
        } else if (!existing.get().value().sameWiring(record)) {
            state.replaceEndpointIn(
                    network,
                    record.keepingNameAndAgeOf(existing.get().value()),
                    existing.get().version());
        }
    }

    /** The network's record, from what this host last read of it, else from the store. */
    private Versioned<NetworkRecord> knownNetwork(String networkId) {
        Versioned<NetworkRecord> known = knownNetworks.get(networkId);
        if (known != null) {
            return known;
        }
        Versioned<NetworkRecord> read = state.network(networkId)
                .orElseThrow(() -> OverlayException.invalid(
                        "unknown network " + networkId + ": not a jovl network (not in the store "
                                + state.store().describe() + ")"));
        knownNetworks.put(networkId, read);
        return read;
    }

    /**
     * This host's own endpoint as its CreateEndpoint last wrote it (the journal, kept until
     * DeleteEndpoint), else as the store has it.
     */
    private Optional<EndpointRecord> ownEndpoint(String networkId, String endpointId) {
        Optional<EndpointRecord> journalled = journal.get(networkId, endpointId);
        if (journalled.isPresent()) {
            return journalled;
        }
        return state.endpoint(networkId, endpointId).map(Versioned::value);
    }

    /**
     * The MAC of an endpoint Docker gave none: {@code 02:42:} + the IPv4 address, as Docker's own
     * overlay does. A container that comes back at the same address (on any host) then has the
     * same MAC, so the ARP caches of the containers talking to it stay right; only the FDB entry's
     * VTEP changes. Without IPv4, a locally administered MAC hashed from the ids. Either way a
     * resent CreateEndpoint gets the same MAC.
     */
    static String generatedMac(String networkId, String endpointId, String ipv4Cidr) {
        if (ipv4Cidr != null) {
            return MacAddress.fromIPv4(InterfaceAddress.parse(ipv4Cidr).address())
                    .toString();
        }
        byte[] h;
        try {
            h = MessageDigest.getInstance("SHA-256")
                    .digest((networkId + "/" + endpointId).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] b = java.util.Arrays.copyOf(h, 6);
        b[0] = (byte) ((b[0] & 0xfc) | 0x02); // locally administered, unicast
        return MacAddress.of(b).toString();
    }
}
