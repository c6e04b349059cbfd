package dev.jovl.driver;

import dev.jovl.driver.api.DriverApi.ActivateResponse;
import dev.jovl.driver.api.DriverApi.AllocateNetworkRequest;
import dev.jovl.driver.api.DriverApi.CreateEndpointRequest;
import dev.jovl.driver.api.DriverApi.CreateNetworkRequest;
import dev.jovl.driver.api.DriverApi.DiscoveryRequest;
import dev.jovl.driver.api.DriverApi.Empty;
import dev.jovl.driver.api.DriverApi.EndpointRequest;
import dev.jovl.driver.api.DriverApi.ExternalConnectivityRequest;
import dev.jovl.driver.api.DriverApi.JoinRequest;
import dev.jovl.driver.api.DriverApi.NetworkRequest;
import dev.jovl.driver.http.CoreErrors;
import dev.jovl.driver.http.Route;
import dev.jovl.ipam.IpamConfig;
import dev.jovl.ipam.IpamDriver;
import dev.jovl.ipam.protocol.IpamProtocol.ReleaseAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.ReleasePoolRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestPoolRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The plugin's URL space: {@code /<Subsystem>.<Method>} -> handler. */
public final class DriverRoutes {
    private final Map<String, Route<?>> routes = new LinkedHashMap<>();

    public DriverRoutes(NetworkDriverEndpoints driver, String scope, IpamConfig ipam) {
        addHandshake(scope, ipam);
        add("/NetworkDriver.CreateNetwork", CreateNetworkRequest.class, driver::createNetwork);
        add("/NetworkDriver.DeleteNetwork", NetworkRequest.class, driver::deleteNetwork);
        add("/NetworkDriver.AllocateNetwork", AllocateNetworkRequest.class, driver::allocateNetwork);
        add("/NetworkDriver.FreeNetwork", NetworkRequest.class, driver::freeNetwork);
        add("/NetworkDriver.CreateEndpoint", CreateEndpointRequest.class, driver::createEndpoint);
        add("/NetworkDriver.DeleteEndpoint", EndpointRequest.class, driver::deleteEndpoint);
        add("/NetworkDriver.EndpointOperInfo", EndpointRequest.class, driver::endpointOperInfo);
        add("/NetworkDriver.Join", JoinRequest.class, driver::join);
        add("/NetworkDriver.Leave", EndpointRequest.class, driver::leave);
        add("/NetworkDriver.DiscoverNew", DiscoveryRequest.class, (r, f) -> driver.discover(r, true));
        add("/NetworkDriver.DiscoverDelete", DiscoveryRequest.class, (r, f) -> driver.discover(r, false));
        add(
                "/NetworkDriver.ProgramExternalConnectivity",
                ExternalConnectivityRequest.class,
                driver::externalConnectivity);
        add(
                "/NetworkDriver.RevokeExternalConnectivity",
                ExternalConnectivityRequest.class,
                driver::externalConnectivity);
    }

    private DriverRoutes() {}

    /**
     * What the socket answers before the daemon has its store and kernel handles: the handshake
     * and every capability call, which depend on configuration only. Docker registers a driver
     * with whatever its GetCapabilities call returned, so none of them may wait for start-up.
     */
    public static Map<String, Route<?>> handshake(String scope, IpamConfig ipam) {
        DriverRoutes r = new DriverRoutes();
        r.addHandshake(scope, ipam);
        return r.routes();
    }

    private void addHandshake(String scope, IpamConfig ipam) {
        add("/Plugin.Activate", Empty.class, (r, f) -> new ActivateResponse(List.of("NetworkDriver", "IpamDriver")));
        add("/NetworkDriver.GetCapabilities", Empty.class, (r, f) -> NetworkDriverEndpoints.capabilities(scope));
        add("/IpamDriver.GetCapabilities", Empty.class, (r, f) -> IpamDriver.capabilities(ipam));
        add("/IpamDriver.GetDefaultAddressSpaces", Empty.class, (r, f) -> IpamDriver.defaultAddressSpaces(ipam));
    }

    /** The IPAM endpoints, served by the ipam module on the same socket. */
    public DriverRoutes withIpam(IpamDriver ipam) {
        return withIpam(ipam, (r, f) -> ipam.releaseAddress(r));
    }

    /** As above, with releases going through {@code release} (the daemon's {@link StaleReleaseGuard}). */
    public DriverRoutes withIpam(IpamDriver ipam, Route.Handler<ReleaseAddressRequest> release) {
        add("/IpamDriver.RequestPool", RequestPoolRequest.class, (r, f) -> ipam.requestPool(r));
        add("/IpamDriver.ReleasePool", ReleasePoolRequest.class, (r, f) -> ipam.releasePool(r));
        add("/IpamDriver.RequestAddress", RequestAddressRequest.class, (r, f) -> ipam.requestAddress(r));
        add("/IpamDriver.ReleaseAddress", ReleaseAddressRequest.class, release);
        return this;
    }

    public <Q> DriverRoutes add(String path, Class<Q> type, Route.Handler<Q> handler) {
        routes.put(path, Route.of(type, CoreErrors.translating(handler)));
        return this;
    }

    public Map<String, Route<?>> routes() {
        return Map.copyOf(routes);
    }
}
