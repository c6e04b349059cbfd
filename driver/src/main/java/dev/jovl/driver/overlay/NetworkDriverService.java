package dev.jovl.driver.overlay;

import dev.jovl.driver.api.DriverApi.AllocateNetworkRequest;
import dev.jovl.driver.api.DriverApi.AllocateNetworkResponse;
import dev.jovl.driver.api.DriverApi.CapabilitiesResponse;
import dev.jovl.driver.api.DriverApi.CreateEndpointRequest;
import dev.jovl.driver.api.DriverApi.CreateEndpointResponse;
import dev.jovl.driver.api.DriverApi.CreateNetworkRequest;
import dev.jovl.driver.api.DriverApi.DiscoveryRequest;
import dev.jovl.driver.api.DriverApi.EndpointInterface;
import dev.jovl.driver.api.DriverApi.EndpointOperInfoResponse;
import dev.jovl.driver.api.DriverApi.EndpointRequest;
import dev.jovl.driver.api.DriverApi.ExternalConnectivityRequest;
import dev.jovl.driver.api.DriverApi.InterfaceName;
import dev.jovl.driver.api.DriverApi.IpamData;
import dev.jovl.driver.api.DriverApi.JoinRequest;
import dev.jovl.driver.api.DriverApi.JoinResponse;
import dev.jovl.driver.api.DriverApi.NetworkRequest;
import dev.jovl.driver.http.PluginException;
import dev.jovl.driver.http.RequestFacts;
import dev.jovl.driver.state.ClusterState;
import dev.jovl.driver.state.EndpointRecord;
import dev.jovl.driver.state.LocalEndpointJournal;
import dev.jovl.driver.state.NetworkRecord;
import dev.jovl.driver.state.StoreLayout;
import dev.jovl.driver.state.Versioned;
import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Op;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.Txn;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Docker's NetworkDriver endpoints. Every handler is idempotent (Docker resends a request when a
 * connection breaks), validates its input before touching anything, and writes the store with
 * create-if-absent or compare-and-set so that hosts racing on one key cannot corrupt it.
 */
public final class NetworkDriverService {
    private static final Logger log = LoggerFactory.getLogger(NetworkDriverService.class);
    /** Lost races are retried from a fresh read this many times before giving up. */
    private static final int MAX_ATTEMPTS = 8;
    private static final int MAX_DELETES_PER_TXN = 60;

    private final ClusterState state;
    private final LocalHost host;
    private final DriverSettings settings;
    private final Dataplane dataplane;
    private final PeerProgramming peers;
    private final NetworkLocks locks;
    private final LocalEndpointJournal journal;
    private final EndpointReadiness readiness;

    public NetworkDriverService(ClusterState state, LocalHost host, DriverSettings settings, Dataplane dataplane,
                                PeerProgramming peers, NetworkLocks locks, LocalEndpointJournal journal,
                                EndpointReadiness readiness) {
        this.journal = journal;
        this.readiness = readiness;
        this.state = state;
        this.host = host;
        this.settings = settings;
        this.dataplane = dataplane;
        this.peers = peers;
        this.locks = locks;
    }

    public CapabilitiesResponse capabilities() {
        return capabilities(settings.scope());
    }

    /** ConnectivityScope is always global: containers on different hosts share the network. */
    public static CapabilitiesResponse capabilities(String scope) {
        return new CapabilitiesResponse(scope, "global", false);
    }

    // ------------------------------------------------------------------------------------ networks

    public Map<String, Object> createNetwork(CreateNetworkRequest r, RequestFacts facts) {
        String networkId = Inputs.requireId(r.networkId(), "NetworkID");
        facts.about(networkId, null);
        NetworkOptions options = NetworkOptions.parse(r.options());
        List<IpamData> ipv4 = checkPools(r.ipv4Data(), "IPv4Data", false);
        List<IpamData> ipv6 = checkPools(r.ipv6Data(), "IPv6Data", true);
        int mtu = options.mtu() != null ? options.mtu()
                : settings.defaultMtu() > 0 ? settings.defaultMtu() : host.defaultOverlayMtu();
        if (mtu > host.defaultOverlayMtu()) {
            log.warn("network {}: MTU {} is above the underlay's MTU {} minus VXLAN's {} bytes; large packets "
                    + "will be dropped", RequestFacts.shortId(networkId), mtu, host.underlayMtu(), host.overhead());
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Versioned<NetworkRecord>> existing = state.network(networkId);
            if (existing.isPresent()) {
                NetworkRecord n = existing.get().value();
                if (options.pinnedVni() != null && options.pinnedVni() != n.vni()) {
                    throw PluginException.badRequest("network " + networkId + " already exists with VNI " + n.vni()
                            + ", not " + options.pinnedVni());
                }
                return Map.of(); // a resend, or created by another host in cluster-store mode
            }
            Integer vni = options.pinnedVni() != null ? options.pinnedVni() : freeVni(networkId);
            NetworkRecord record = new NetworkRecord(networkId, vni, mtu, options.internal(), ipv4, ipv6,
                    options.generic(), host.hostId(), System.currentTimeMillis(), false);
            if (claimVniAndCreate(record, options.pinnedVni() != null)) {
                log.info("network {} created: VNI {}, MTU {}{}", RequestFacts.shortId(networkId), vni, mtu,
                        options.internal() ? ", internal" : "");
                return Map.of();
            }
        }
        throw PluginException.failed("could not claim a VNI for network " + networkId
                + ": lost " + MAX_ATTEMPTS + " races in a row");
    }

    /**
     * Creates the network record together with the claim on its VNI, in one transaction.
     *
     * @return false if a race was lost and the caller should look again
     */
    private boolean claimVniAndCreate(NetworkRecord record, boolean pinned) {
        String vniKey = StoreLayout.vni(record.vni());
        Optional<Versioned<String>> holder = state.vniHolder(record.vni());
        NetworkRecord toWrite = record;
        Op claim;
        if (holder.isEmpty()) {
            claim = Op.create(vniKey, record.networkId());
        } else if (holder.get().value().equals(record.networkId())) {
            // claimed by AllocateNetwork on a swarm manager for this very network
            claim = Op.checkVersion(vniKey, holder.get().version());
            toWrite = new NetworkRecord(record.networkId(), record.vni(), record.mtu(), record.internal(),
                    record.ipv4Data(), record.ipv6Data(), record.options(), record.createdBy(),
                    record.createdAtMillis(), true);
        } else if (pinned) {
            throw PluginException.badRequest("VNI " + record.vni() + " is already used by network "
                    + holder.get().value());
        } else {
            return false;
        }
        try {
            state.commit(Txn.of(Op.create(StoreLayout.network(record.networkId()), ClusterState.toJson(toWrite)),
                    claim));
            return true;
        } catch (StoreException.Conflict e) {
            return false;
        }
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
        throw PluginException.failed("every VNI of the range " + range + " is in use");
    }

    public Map<String, Object> deleteNetwork(NetworkRequest r, RequestFacts facts) {
        String networkId = Inputs.requireId(r.networkId(), "NetworkID");
        facts.about(networkId, null);
        Optional<Versioned<NetworkRecord>> existing = state.network(networkId);
        if (existing.isPresent() && !existing.get().value().swarmAllocated()) {
            deleteEndpointRecords(networkId);
            deleteNetworkRecord(existing.get());
        }
        locks.run(networkId, () -> {
            dataplane.removeSandbox(networkId);
            peers.forget(networkId);
        });
        return Map.of();
    }

    private void deleteNetworkRecord(Versioned<NetworkRecord> network) {
        NetworkRecord n = network.value();
        Txn.Builder txn = Txn.builder().add(Op.delete(StoreLayout.network(n.networkId())));
        Optional<Versioned<String>> holder = state.vniHolder(n.vni());
        if (holder.isPresent() && holder.get().value().equals(n.networkId())) {
            txn.add(Op.deleteIfVersion(StoreLayout.vni(n.vni()), holder.get().version()));
        }
        state.commit(txn.build());
        log.info("network {} deleted, VNI {} released", RequestFacts.shortId(n.networkId()), n.vni());
    }

    /** Endpoints left behind under a network that Docker deleted: none should remain in use. */
    private void deleteEndpointRecords(String networkId) {
        List<String> keys = new ArrayList<>();
        for (KeyValue kv : state.store().list(StoreLayout.endpointsOf(networkId)).entries()) {
            keys.add(kv.key());
        }
        for (int i = 0; i < keys.size(); i += MAX_DELETES_PER_TXN) {
            Txn.Builder txn = Txn.builder();
            keys.subList(i, Math.min(keys.size(), i + MAX_DELETES_PER_TXN)).forEach(k -> txn.add(Op.delete(k)));
            state.commit(txn.build());
        }
    }

    public AllocateNetworkResponse allocateNetwork(AllocateNetworkRequest r, RequestFacts facts) {
        String networkId = Inputs.requireId(r.networkId(), "NetworkID");
        facts.about(networkId, null);
        Map<String, String> options = new LinkedHashMap<>(r.options() == null ? Map.of() : r.options());
        Integer pinned = NetworkOptions.pinnedVni(options);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Integer> mine = vniClaimedBy(networkId);
            if (mine.isPresent()) {
                if (pinned != null && !pinned.equals(mine.get())) {
                    throw PluginException.badRequest("network " + networkId + " already has VNI " + mine.get());
                }
                options.put(NetworkOptions.VNI, Integer.toString(mine.get()));
                return new AllocateNetworkResponse(options);
            }
            int vni = pinned != null ? pinned : freeVni(networkId);
            try {
                state.store().create(StoreLayout.vni(vni), networkId.getBytes(StandardCharsets.UTF_8));
            } catch (StoreException.Conflict e) {
                if (pinned != null) {
                    throw PluginException.badRequest("VNI " + vni + " is already used by network "
                            + state.vniHolder(vni).map(Versioned::value).orElse("?"));
                }
            }
        }
        throw PluginException.failed("could not claim a VNI for network " + networkId);
    }

    public Map<String, Object> freeNetwork(NetworkRequest r, RequestFacts facts) {
        String networkId = Inputs.requireId(r.networkId(), "NetworkID");
        facts.about(networkId, null);
        Optional<Versioned<NetworkRecord>> network = state.network(networkId);
        if (network.isPresent()) {
            deleteEndpointRecords(networkId);
            deleteNetworkRecord(network.get());
        }
        vniClaimedBy(networkId).ifPresent(vni -> state.vniHolder(vni)
                .filter(h -> h.value().equals(networkId))
                .ifPresent(h -> state.commit(Txn.of(Op.deleteIfVersion(StoreLayout.vni(vni), h.version())))));
        return Map.of();
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

    public CreateEndpointResponse createEndpoint(CreateEndpointRequest r, RequestFacts facts) {
        String networkId = Inputs.requireId(r.networkId(), "NetworkID");
        String endpointId = Inputs.requireId(r.endpointId(), "EndpointID");
        facts.about(networkId, endpointId);
        EndpointInterface iface = r.iface() == null ? new EndpointInterface(null, null, null) : r.iface();
        String ipv4 = Inputs.optionalCidr(iface.address(), "Interface.Address", false);
        String ipv6 = Inputs.optionalCidr(iface.addressIpv6(), "Interface.AddressIPv6", true);
        String givenMac = Inputs.optionalMac(iface.macAddress(), "Interface.MacAddress");
        requireNetwork(networkId);
        String mac = givenMac != null ? givenMac : generatedMac(networkId, endpointId, ipv4);
        // pending: other hosts learn it only once the container's interface is up (after Join)
        EndpointRecord record = new EndpointRecord(networkId, endpointId, ipv4, ipv6, mac, host.vtep(),
                host.hostId(), null, System.currentTimeMillis(), true);
        for (int attempt = 0; ; attempt++) {
            Optional<Versioned<EndpointRecord>> existing = state.endpoint(networkId, endpointId);
            try {
                if (existing.isEmpty()) {
                    state.createEndpoint(record);
                } else if (!existing.get().value().sameWiring(record)) {
                    EndpointRecord old = existing.get().value();
                    state.replaceEndpoint(new EndpointRecord(networkId, endpointId, ipv4, ipv6, mac, host.vtep(),
                            host.hostId(), old.name(), old.createdAtMillis(), true), existing.get().version());
                }
                journal.record(record);
                break;
            } catch (StoreException.Conflict e) {
                if (attempt + 1 >= MAX_ATTEMPTS) {
                    throw PluginException.failed("endpoint " + endpointId + " keeps changing under us", e);
                }
            }
        }
        // Docker refuses answers that touch fields it filled in: only a MAC it left empty
        return new CreateEndpointResponse(givenMac == null ? new EndpointInterface(null, null, mac) : null);
    }

    public Map<String, Object> deleteEndpoint(EndpointRequest r, RequestFacts facts) {
        String networkId = Inputs.requireId(r.networkId(), "NetworkID");
        String endpointId = Inputs.requireId(r.endpointId(), "EndpointID");
        facts.about(networkId, endpointId);
        // store first: if it is unreachable nothing changes and the error says so
        state.deleteEndpoint(networkId, endpointId);
        journal.forget(networkId, endpointId);
        locks.run(networkId, () -> {
            dataplane.detach(networkId, endpointId);
            // The sandbox goes with its last container: a veth dies with either end's namespace,
            // so none left means no container of this network runs here any more.
            if (dataplane.hasSandbox(networkId) && dataplane.attachedEndpoints(networkId).isEmpty()) {
                dataplane.removeSandbox(networkId);
                peers.forget(networkId);
                log.info("network {}: last local container gone, sandbox removed", RequestFacts.shortId(networkId));
            }
        });
        return Map.of();
    }

    public JoinResponse join(JoinRequest r, RequestFacts facts) {
        String networkId = Inputs.requireId(r.networkId(), "NetworkID");
        String endpointId = Inputs.requireId(r.endpointId(), "EndpointID");
        facts.about(networkId, endpointId);
        NetworkRecord network = requireNetwork(networkId);
        EndpointRecord endpoint = state.endpoint(networkId, endpointId).map(Versioned::value)
                .orElseThrow(() -> PluginException.badRequest("unknown endpoint " + endpointId + " on network "
                        + networkId + " (no CreateEndpoint seen)"));
        if (!host.hostId().equals(endpoint.host())) {
            throw PluginException.badRequest("endpoint " + endpointId + " belongs to host " + endpoint.host()
                    + ", not " + host.hostId());
        }
        String srcName = locks.with(networkId, () -> {
            boolean fresh = !dataplane.hasSandbox(networkId);
            String name = dataplane.attach(network, endpoint);
            if (fresh) {
                peers.reconcile(networkId);
            }
            return name;
        });
        readiness.publishWhenUp(networkId, endpointId);
        // No Gateway, like Docker's overlay: Docker then gives the container docker_gwbridge for
        // outside access (unless the network is --internal), and the overlay stays pure L2.
        return new JoinResponse(new InterfaceName(srcName, "eth"), null, null, null, false);
    }

    public Map<String, Object> leave(EndpointRequest r, RequestFacts facts) {
        String networkId = Inputs.requireId(r.networkId(), "NetworkID");
        String endpointId = Inputs.requireId(r.endpointId(), "EndpointID");
        facts.about(networkId, endpointId);
        // The interface is still inside the container here; Docker moves it back after we answer,
        // and DeleteEndpoint removes the pair. Nothing to undo yet.
        return Map.of();
    }

    public EndpointOperInfoResponse endpointOperInfo(EndpointRequest r, RequestFacts facts) {
        String networkId = Inputs.requireId(r.networkId(), "NetworkID");
        String endpointId = Inputs.requireId(r.endpointId(), "EndpointID");
        facts.about(networkId, endpointId);
        if (state.endpoint(networkId, endpointId).isEmpty()) {
            throw PluginException.badRequest("unknown endpoint " + endpointId + " on network " + networkId);
        }
        return new EndpointOperInfoResponse(Map.of());
    }

    public Map<String, Object> externalConnectivity(ExternalConnectivityRequest r, RequestFacts facts) {
        facts.about(Inputs.requireId(r.networkId(), "NetworkID"), Inputs.requireId(r.endpointId(), "EndpointID"));
        // Sent only for a gateway endpoint; jovl never answers a Gateway, so there is nothing to do.
        return Map.of();
    }

    public Map<String, Object> discover(DiscoveryRequest r, RequestFacts facts, boolean isNew) {
        // Peers come from the store, not from Docker's node discovery; log it for diagnosis.
        log.debug("node discovery {}: type {} {}", isNew ? "new" : "delete", r.discoveryType(), r.discoveryData());
        return Map.of();
    }

    // ------------------------------------------------------------------------------------- helpers

    /** A network known to the store; in cluster-store mode it may have been created on another host. */
    private NetworkRecord requireNetwork(String networkId) {
        return state.network(networkId).map(Versioned::value)
                .orElseThrow(() -> PluginException.badRequest("unknown network " + networkId
                        + ": not a jovl network (not in the store " + state.store().describe() + ")"));
    }

    private static List<IpamData> checkPools(List<IpamData> pools, String field, boolean ipv6) {
        if (pools == null) {
            return List.of();
        }
        List<IpamData> out = new ArrayList<>();
        for (int i = 0; i < pools.size(); i++) {
            IpamData d = pools.get(i);
            if (d == null) {
                throw PluginException.badRequest(field + "[" + i + "] is null");
            }
            String pool = Inputs.optionalCidr(d.pool(), field + "[" + i + "].Pool", ipv6);
            if (pool == null) {
                throw PluginException.badRequest(field + "[" + i + "].Pool is missing");
            }
            Inputs.optionalCidr(d.gateway(), field + "[" + i + "].Gateway", ipv6);
            if (d.auxAddresses() != null) {
                for (Map.Entry<String, String> aux : d.auxAddresses().entrySet()) {
                    Inputs.optionalCidr(aux.getValue(), field + "[" + i + "].AuxAddresses." + aux.getKey(), ipv6);
                }
            }
            out.add(d);
        }
        return out;
    }

    /**
     * The MAC of an endpoint Docker gave none: {@code 02:42:} + the IPv4 address, as Docker's own
     * overlay does. A container that comes back at the same address (on any host) then has the
     * same MAC, so the ARP caches of the containers talking to it stay right; only the FDB entry's
     * VTEP changes. Without IPv4, a locally administered MAC hashed from the ids. Either way a
     * resent CreateEndpoint gets the same MAC.
     */
    static String generatedMac(String networkId, String endpointId, String ipv4Cidr) {
        byte[] b = new byte[6];
        if (ipv4Cidr != null) {
            byte[] ip = Inputs.literal(ipv4Cidr.substring(0, ipv4Cidr.indexOf('/')), "address").getAddress();
            b[0] = 0x02;
            b[1] = 0x42;
            System.arraycopy(ip, 0, b, 2, 4);
        } else {
            byte[] h;
            try {
                h = MessageDigest.getInstance("SHA-256")
                        .digest((networkId + "/" + endpointId).getBytes(StandardCharsets.UTF_8));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            System.arraycopy(h, 0, b, 0, 6);
            b[0] = (byte) ((b[0] & 0xfc) | 0x02); // locally administered, unicast
        }
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
    }
}
