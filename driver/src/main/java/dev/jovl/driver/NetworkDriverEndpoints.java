package dev.jovl.driver;

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
import dev.jovl.driver.http.RequestFacts;
import dev.jovl.overlay.EndpointAddresses;
import dev.jovl.overlay.EndpointId;
import dev.jovl.overlay.Inputs;
import dev.jovl.overlay.NetworkId;
import dev.jovl.overlay.NetworkOptions;
import dev.jovl.overlay.OverlayException;
import dev.jovl.overlay.OverlayService;
import dev.jovl.overlay.state.AddressPool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Docker's NetworkDriver methods on the overlay core: each reads Docker's wire record into checked
 * core values (a bad field is refused before anything is touched), calls {@link OverlayService}
 * and writes Docker's answer. Errors pass through to {@link CoreErrors}.
 */
public final class NetworkDriverEndpoints {
    private static final Logger log = LoggerFactory.getLogger(NetworkDriverEndpoints.class);

    private final OverlayService overlay;
    private final Networks networks;
    private final CreateNetworkCheck createCheck;

    /** @param networks how Docker's network ids map to the overlay's (cluster store or standalone) */
    public NetworkDriverEndpoints(OverlayService overlay, Networks networks) {
        this(overlay, networks, CreateNetworkCheck.NONE);
    }

    /** @param createCheck what Docker must satisfy before a network is created (scope global: a shared store or swarm) */
    public NetworkDriverEndpoints(OverlayService overlay, Networks networks, CreateNetworkCheck createCheck) {
        this.overlay = overlay;
        this.networks = networks;
        this.createCheck = createCheck;
    }

    /** ConnectivityScope is always global: containers on different hosts share the network. */
    public static CapabilitiesResponse capabilities(String scope) {
        return new CapabilitiesResponse(scope, "global", false);
    }

    public Map<String, Object> createNetwork(CreateNetworkRequest r, RequestFacts facts) {
        NetworkId id = network(r.networkId(), facts);
        NetworkOptions options = NetworkOptions.parse(r.options());
        boolean ipv6Enabled = NetworkOptions.flag(r.options(), NetworkOptions.ENABLE_IPV6);
        createCheck.check();
        networks.create(
                id,
                options,
                ipv6Enabled,
                pools(r.ipv4Data(), "IPv4Data", false),
                pools(r.ipv6Data(), "IPv6Data", true));
        return Map.of();
    }

    public Map<String, Object> deleteNetwork(NetworkRequest r, RequestFacts facts) {
        networks.delete(network(r.networkId(), facts));
        return Map.of();
    }

    /** The returned options replace the driver options swarm workers receive: they carry the VNI. */
    public AllocateNetworkResponse allocateNetwork(AllocateNetworkRequest r, RequestFacts facts) {
        NetworkId id = network(r.networkId(), facts);
        Map<String, String> options = new LinkedHashMap<>(r.options() == null ? Map.of() : r.options());
        int vni = overlay.allocateNetwork(id, NetworkOptions.pinnedVni(options));
        options.put(NetworkOptions.VNI, Integer.toString(vni));
        return new AllocateNetworkResponse(options);
    }

    public Map<String, Object> freeNetwork(NetworkRequest r, RequestFacts facts) {
        overlay.freeNetwork(network(r.networkId(), facts));
        return Map.of();
    }

    public CreateEndpointResponse createEndpoint(CreateEndpointRequest r, RequestFacts facts) {
        NetworkId dockerId = network(r.networkId(), facts);
        EndpointId eid = endpoint(r.endpointId(), facts);
        EndpointInterface iface = r.iface() == null ? new EndpointInterface(null, null, null) : r.iface();
        EndpointAddresses addresses =
                EndpointAddresses.checked(iface.address(), iface.addressIpv6(), iface.macAddress(), "Interface.");
        String mac = overlay.createEndpoint(networks.overlayOf(dockerId), eid, addresses);
        // Docker refuses answers that touch fields it filled in: only a MAC it left empty
        return new CreateEndpointResponse(addresses.mac() == null ? new EndpointInterface(null, null, mac) : null);
    }

    public Map<String, Object> deleteEndpoint(EndpointRequest r, RequestFacts facts) {
        NetworkId dockerId = network(r.networkId(), facts);
        EndpointId eid = endpoint(r.endpointId(), facts);
        networks.existingOverlayOf(dockerId).ifPresent(id -> overlay.deleteEndpoint(id, eid));
        return Map.of();
    }

    public JoinResponse join(JoinRequest r, RequestFacts facts) {
        NetworkId dockerId = network(r.networkId(), facts);
        EndpointId eid = endpoint(r.endpointId(), facts);
        String srcName = overlay.join(networks.overlayOf(dockerId), eid);
        // No Gateway, like Docker's overlay: Docker then gives the container docker_gwbridge for
        // outside access (unless the network is --internal), and the overlay stays pure L2.
        return new JoinResponse(new InterfaceName(srcName, "eth"), null, null, null, false);
    }

    public Map<String, Object> leave(EndpointRequest r, RequestFacts facts) {
        network(r.networkId(), facts);
        endpoint(r.endpointId(), facts);
        // The interface is still inside the container here; Docker moves it back after we answer,
        // and DeleteEndpoint removes the pair. Nothing to undo yet.
        return Map.of();
    }

    public EndpointOperInfoResponse endpointOperInfo(EndpointRequest r, RequestFacts facts) {
        NetworkId dockerId = network(r.networkId(), facts);
        EndpointId eid = endpoint(r.endpointId(), facts);
        overlay.requireEndpoint(networks.overlayOf(dockerId), eid);
        return new EndpointOperInfoResponse(Map.of());
    }

    public Map<String, Object> externalConnectivity(ExternalConnectivityRequest r, RequestFacts facts) {
        network(r.networkId(), facts);
        endpoint(r.endpointId(), facts);
        // Sent only for a gateway endpoint; jovl never answers a Gateway, so there is nothing to do.
        return Map.of();
    }

    public Map<String, Object> discover(DiscoveryRequest r, boolean isNew) {
        // Peers come from the store, not from Docker's node discovery; log it for diagnosis.
        log.debug(
                "node discovery {}: type {} {}",
                isNew ? "new" : "delete",
                r.discoveryType(),
                dev.jovl.net.LogText.escape(String.valueOf(r.discoveryData())));
        return Map.of();
    }

    // ------------------------------------------------------------------------------------- helpers

    private static NetworkId network(String value, RequestFacts facts) {
        NetworkId id = new NetworkId(value);
        facts.about(id.value(), null);
        return id;
    }

    private static EndpointId endpoint(String value, RequestFacts facts) {
        EndpointId id = new EndpointId(value);
        facts.about(null, id.value());
        return id;
    }

    /** Docker's IPv4Data/IPv6Data as checked core pools. */
    public static List<AddressPool> pools(List<IpamData> data, String field, boolean ipv6) {
        if (data == null) {
            return List.of();
        }
        List<AddressPool> out = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            IpamData d = data.get(i);
            if (d == null) {
                throw OverlayException.invalid(field + "[" + i + "] is null");
            }
            out.add(Inputs.pool(
                    d.addressSpace(), d.pool(), d.gateway(), d.auxAddresses(), field + "[" + i + "]", ipv6));
        }
        return out;
    }
}
