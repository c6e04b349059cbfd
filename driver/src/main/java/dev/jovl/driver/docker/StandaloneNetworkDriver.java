package dev.jovl.driver.docker;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jovl.driver.DriverRoutes;
import dev.jovl.driver.api.DriverApi.CreateEndpointRequest;
import dev.jovl.driver.api.DriverApi.CreateNetworkRequest;
import dev.jovl.driver.api.DriverApi.EndpointRequest;
import dev.jovl.driver.api.DriverApi.ExternalConnectivityRequest;
import dev.jovl.driver.api.DriverApi.IpamData;
import dev.jovl.driver.api.DriverApi.JoinRequest;
import dev.jovl.driver.api.DriverApi.NetworkRequest;
import dev.jovl.driver.http.PluginException;
import dev.jovl.driver.http.RequestFacts;
import dev.jovl.driver.overlay.Inputs;
import dev.jovl.driver.overlay.NetworkDriverService;
import dev.jovl.driver.overlay.NetworkOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The network-driver endpoints in standalone mode ({@code --scope local}): Docker's per-host
 * network id is translated to the overlay's id ({@link StandaloneOverlays#overlayId}, the same
 * on every host), and the ordinary driver does the rest under that id: one network record and
 * VNI per overlay, every host's endpoints side by side, peer sync unchanged.
 *
 * <ul>
 *   <li>CreateNetwork validates, records the network, and with {@code -o jovl.network=NAME}
 *       joins the overlay at once (a mismatch or a taken VNI fails the {@code docker network
 *       create}; nothing stays written). Without it the name is looked up in the background.</li>
 *   <li>CreateEndpoint, Join, EndpointOperInfo: the overlay, joined now at the latest (Docker
 *       knows the network's name by then), with the driver's network record made if missing.</li>
 *   <li>Leave, DeleteEndpoint, external connectivity: only for networks that have joined; for
 *       others there is nothing to undo and the answer is success (Docker resends).</li>
 *   <li>DeleteNetwork: leaves the overlay; the last host to leave removes the overlay's records.</li>
 * </ul>
 */
public final class StandaloneNetworkDriver {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final NetworkDriverService driver;
    private final StandaloneOverlays overlays;

    public StandaloneNetworkDriver(NetworkDriverService driver, StandaloneOverlays overlays) {
        this.driver = driver;
        this.overlays = overlays;
    }

    /** Replaces the network-scoped routes of {@code routes} with the translating ones. */
    public void install(DriverRoutes routes) {
        routes.add("/NetworkDriver.CreateNetwork", CreateNetworkRequest.class, this::createNetwork);
        routes.add("/NetworkDriver.DeleteNetwork", NetworkRequest.class, this::deleteNetwork);
        routes.add("/NetworkDriver.CreateEndpoint", CreateEndpointRequest.class, (r, f) -> driver.createEndpoint(
                new CreateEndpointRequest(joinedOverlayId(r.networkId(), f), r.endpointId(), r.iface(), r.options()), f));
        routes.add("/NetworkDriver.Join", JoinRequest.class, (r, f) -> driver.join(
                new JoinRequest(joinedOverlayId(r.networkId(), f), r.endpointId(), r.sandboxKey(), r.options()), f));
        routes.add("/NetworkDriver.EndpointOperInfo", EndpointRequest.class, (r, f) -> driver.endpointOperInfo(
                new EndpointRequest(joinedOverlayId(r.networkId(), f), r.endpointId()), f));
        routes.add("/NetworkDriver.Leave", EndpointRequest.class, (r, f) -> ifJoined(r.networkId(), f,
                id -> driver.leave(new EndpointRequest(id, r.endpointId()), f)));
        routes.add("/NetworkDriver.DeleteEndpoint", EndpointRequest.class, (r, f) -> ifJoined(r.networkId(), f,
                id -> driver.deleteEndpoint(new EndpointRequest(id, r.endpointId()), f)));
        routes.add("/NetworkDriver.ProgramExternalConnectivity", ExternalConnectivityRequest.class,
                (r, f) -> ifJoined(r.networkId(), f, id -> driver.externalConnectivity(
                        new ExternalConnectivityRequest(id, r.endpointId(), r.options()), f)));
        routes.add("/NetworkDriver.RevokeExternalConnectivity", ExternalConnectivityRequest.class,
                (r, f) -> ifJoined(r.networkId(), f, id -> driver.externalConnectivity(
                        new ExternalConnectivityRequest(id, r.endpointId(), r.options()), f)));
    }

    Map<String, Object> createNetwork(CreateNetworkRequest r, RequestFacts facts) {
        String networkId = Inputs.requireId(r.networkId(), "NetworkID");
        facts.about(networkId, null);
        // the driver's own checks first: bad input is refused before anything is written
        NetworkOptions.parse(r.options());
        checkPools(r.ipv4Data(), "IPv4Data", false);
        checkPools(r.ipv6Data(), "IPv6Data", true);
        NetworkSpec spec;
        try {
            spec = NetworkSpec.fromCreateNetwork(JSON.valueToTree(r));
        } catch (IllegalArgumentException e) {
            throw PluginException.badRequest(e.getMessage());
        }
        Optional<String> joined = translating(() -> overlays.networkCreated(networkId, spec));
        if (joined.isPresent()) {
            try {
                ensureOverlayNetwork(joined.get(), spec, facts);
            } catch (RuntimeException e) {
                // Docker fails the create and never sends DeleteNetwork: undo the join ourselves
                overlays.networkDeleted(networkId);
                throw e;
            }
        }
        facts.about(networkId, null);
        return Map.of();
    }

    Map<String, Object> deleteNetwork(NetworkRequest r, RequestFacts facts) {
        String networkId = Inputs.requireId(r.networkId(), "NetworkID");
        facts.about(networkId, null);
        Optional<String> lastHostOf = translating(() -> overlays.networkDeleted(networkId));
        if (lastHostOf.isPresent()) {
            driver.deleteNetwork(new NetworkRequest(StandaloneOverlays.overlayId(lastHostOf.get())), facts);
        }
        return Map.of();
    }

    /** The overlay id of Docker network {@code networkId}, joining the overlay now if needed. */
    private String joinedOverlayId(String networkId, RequestFacts facts) {
        String id = Inputs.requireId(networkId, "NetworkID");
        Overlay overlay = translating(() -> overlays.overlayFor(id));
        ensureOverlayNetwork(overlay.name(), overlay.spec(), facts);
        return StandaloneOverlays.overlayId(overlay.name());
    }

    private Map<String, Object> ifJoined(String networkId, RequestFacts facts,
                                         java.util.function.Function<String, Object> handler) {
        String id = Inputs.requireId(networkId, "NetworkID");
        facts.about(id, null);
        Optional<String> name = overlays.overlayOf(id);
        if (name.isEmpty()) {
            return Map.of();
        }
        Object answer = handler.apply(StandaloneOverlays.overlayId(name.get()));
        @SuppressWarnings("unchecked")
        Map<String, Object> map = answer instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        return map;
    }

    /**
     * The driver's network record for the overlay (VNI claim included), created from the
     * overlay's spec if missing; the driver returns at once when it exists.
     */
    private void ensureOverlayNetwork(String name, NetworkSpec spec, RequestFacts facts) {
        Map<String, Object> options = new LinkedHashMap<>();
        Map<String, String> generic = new LinkedHashMap<>(spec.options());
        generic.put(NetworkSpec.OVERLAY_OPTION, name);
        options.put(NetworkOptions.GENERIC, generic);
        options.put(NetworkOptions.INTERNAL, spec.internal());
        options.put("com.docker.network.enable_ipv6", spec.ipv6Enabled());
        driver.createNetwork(new CreateNetworkRequest(StandaloneOverlays.overlayId(name), options,
                ipamData(spec.ipv4()), ipamData(spec.ipv6())), facts);
    }

    private static List<IpamData> ipamData(List<NetworkSpec.Pool> pools) {
        List<IpamData> out = new ArrayList<>();
        for (NetworkSpec.Pool p : pools) {
            out.add(new IpamData(null, p.pool(), p.gateway(), p.aux().isEmpty() ? null : p.aux()));
        }
        return out;
    }

    private static void checkPools(List<IpamData> pools, String field, boolean ipv6) {
        if (pools == null) {
            return;
        }
        for (int i = 0; i < pools.size(); i++) {
            IpamData d = pools.get(i);
            if (d == null || Inputs.optionalCidr(d.pool(), field + "[" + i + "].Pool", ipv6) == null) {
                throw PluginException.badRequest(field + "[" + i + "].Pool is missing");
            }
            Inputs.optionalCidr(d.gateway(), field + "[" + i + "].Gateway", ipv6);
        }
    }

    /** Standalone-mode refusals become Docker errors with their message as it is. */
    private static <T> T translating(Supplier<T> call) {
        try {
            return call.get();
        } catch (StandaloneNetworkException | IllegalArgumentException e) {
            throw PluginException.badRequest(e.getMessage());
        }
    }
}
