package dev.jovl.driver.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The JSON messages of Docker's remote NetworkDriver protocol (libnetwork
 * {@code drivers/remote/api/api.go}), with Docker's exact field names. Requests are read
 * leniently about case and unknown fields (as Docker's Go decoder is) but strictly about types.
 */
public final class DriverApi {
    private DriverApi() {}

    // ---- plugin handshake ----

    public record ActivateResponse(
            @JsonProperty("Implements") List<String> implementsList) {}

    /** Empty request bodies (Activate, GetCapabilities) are read into this. */
    public record Empty() {}

    public record CapabilitiesResponse(
            @JsonProperty("Scope") String scope,
            @JsonProperty("ConnectivityScope") String connectivityScope,
            @JsonProperty("GwAllocChecker") boolean gwAllocChecker) {}

    // ---- networks ----

    /** One IPAM pool of a network, as Docker passes it to CreateNetwork and AllocateNetwork. */
    public record IpamData(
            @JsonProperty("AddressSpace") String addressSpace,
            @JsonProperty("Pool") String pool,
            @JsonProperty("Gateway") String gateway,
            @JsonProperty("AuxAddresses") Map<String, String> auxAddresses) {}

    public record CreateNetworkRequest(
            @JsonProperty("NetworkID") String networkId,
            @JsonProperty("Options") Map<String, Object> options,
            @JsonProperty("IPv4Data") List<IpamData> ipv4Data,
            @JsonProperty("IPv6Data") List<IpamData> ipv6Data) {}

    /** DeleteNetwork, FreeNetwork. */
    public record NetworkRequest(@JsonProperty("NetworkID") String networkId) {}

    /** Swarm managers only: the returned options replace the driver options workers receive. */
    public record AllocateNetworkRequest(
            @JsonProperty("NetworkID") String networkId,
            @JsonProperty("Options") Map<String, String> options,
            @JsonProperty("IPv4Data") List<IpamData> ipv4Data,
            @JsonProperty("IPv6Data") List<IpamData> ipv6Data) {}

    public record AllocateNetworkResponse(
            @JsonProperty("Options") Map<String, String> options) {}

    // ---- endpoints ----

    /** The container interface: CIDR addresses from IPAM and a MAC when the user gave one. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record EndpointInterface(
            @JsonProperty("Address") String address,
            @JsonProperty("AddressIPv6") String addressIpv6,
            @JsonProperty("MacAddress") String macAddress) {}

    public record CreateEndpointRequest(
            @JsonProperty("NetworkID") String networkId,
            @JsonProperty("EndpointID") String endpointId,
            @JsonProperty("Interface") EndpointInterface iface,
            @JsonProperty("Options") Map<String, Object> options) {}

    /** Only the fields Docker left empty may be filled in; {@code null} means "nothing to add". */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record CreateEndpointResponse(
            @JsonProperty("Interface") EndpointInterface iface) {}

    /** Leave, DeleteEndpoint, EndpointOperInfo, RevokeExternalConnectivity. */
    public record EndpointRequest(
            @JsonProperty("NetworkID") String networkId,
            @JsonProperty("EndpointID") String endpointId) {}

    public record EndpointOperInfoResponse(
            @JsonProperty("Value") Map<String, Object> value) {}

    public record JoinRequest(
            @JsonProperty("NetworkID") String networkId,
            @JsonProperty("EndpointID") String endpointId,
            @JsonProperty("SandboxKey") String sandboxKey,
            @JsonProperty("Options") Map<String, Object> options) {}

    public record InterfaceName(
            @JsonProperty("SrcName") String srcName,
            @JsonProperty("DstPrefix") String dstPrefix) {}

    public record StaticRoute(
            @JsonProperty("Destination") String destination,
            @JsonProperty("RouteType") int routeType,
            @JsonProperty("NextHop") String nextHop) {}

    public record JoinResponse(
            @JsonProperty("InterfaceName") InterfaceName interfaceName,
            @JsonProperty("Gateway") String gateway,
            @JsonProperty("GatewayIPv6") String gatewayIpv6,
            @JsonProperty("StaticRoutes") List<StaticRoute> staticRoutes,
            @JsonProperty("DisableGatewayService") boolean disableGatewayService) {}

    public record ExternalConnectivityRequest(
            @JsonProperty("NetworkID") String networkId,
            @JsonProperty("EndpointID") String endpointId,
            @JsonProperty("Options") Map<String, Object> options) {}

    // ---- discovery ----

    public record DiscoveryRequest(
            @JsonProperty("DiscoveryType") int discoveryType,
            @JsonProperty("DiscoveryData") Map<String, Object> discoveryData) {}
}
