package dev.jovl.driver.docker;

import dev.jovl.driver.Networks;
import dev.jovl.overlay.NetworkId;
import dev.jovl.overlay.NetworkOptions;
import dev.jovl.overlay.OverlayException;
import dev.jovl.overlay.OverlayService;
import dev.jovl.overlay.state.AddressPool;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Standalone mode ({@code --scope local}) as a translation of ids: Docker's per-host network id
 * maps to the overlay's ({@link StandaloneOverlays#overlayId}, the same on every host), and the
 * overlay core does the rest under that id: one network record and VNI per overlay, every host's
 * endpoints side by side, peer sync unchanged.
 *
 * <ul>
 *   <li>CreateNetwork records the network, and with {@code -o jovl.network=NAME} joins the
 *       overlay at once (a mismatch or a taken VNI fails the {@code docker network create};
 *       nothing stays written). Without it the name is looked up in the background.</li>
 *   <li>CreateEndpoint, Join, EndpointOperInfo: the overlay, joined now at the latest (Docker
 *       knows the network's name by then), with the overlay's network record made if missing.</li>
 *   <li>Leave, DeleteEndpoint, external connectivity: only for networks that have joined; for
 *       others there is nothing to undo.</li>
 *   <li>DeleteNetwork: leaves the overlay; the last host to leave removes the overlay's records.</li>
 * </ul>
 */
public final class StandaloneNetworks implements Networks {
    private final OverlayService overlay;
    private final StandaloneOverlays overlays;

    public StandaloneNetworks(OverlayService overlay, StandaloneOverlays overlays) {
        this.overlay = overlay;
        this.overlays = overlays;
    }

    @Override
    public void create(
            NetworkId dockerId,
            NetworkOptions options,
            boolean ipv6Enabled,
            List<AddressPool> ipv4,
            List<AddressPool> ipv6) {
        NetworkSpec spec = NetworkSpec.of(ipv4, ipv6, options.generic(), options.internal(), ipv6Enabled);
        Optional<String> joined = refusing(() -> overlays.networkCreated(dockerId.value(), spec));
        if (joined.isPresent()) {
            try {
                ensureOverlayNetwork(joined.get(), spec);
            } catch (RuntimeException e) {
                // Docker fails the create and never sends DeleteNetwork: undo the join ourselves
                overlays.networkDeleted(dockerId.value());
                throw e;
            }
        }
    }

    @Override
    public void delete(NetworkId dockerId) {
        Optional<String> lastHostOf = refusing(() -> overlays.networkDeleted(dockerId.value()));
        if (lastHostOf.isPresent()) {
            overlay.deleteNetwork(new NetworkId(StandaloneOverlays.overlayId(lastHostOf.get())));
        }
    }

    @Override
    public NetworkId overlayOf(NetworkId dockerId) {
        Overlay joined = refusing(() -> overlays.overlayFor(dockerId.value()));
        ensureOverlayNetwork(joined.name(), joined.spec());
        return new NetworkId(StandaloneOverlays.overlayId(joined.name()));
    }

    @Override
    public Optional<NetworkId> existingOverlayOf(NetworkId dockerId) {
        return overlays.overlayOf(dockerId.value()).map(name -> new NetworkId(StandaloneOverlays.overlayId(name)));
    }

    /** The overlay's network record (VNI claim included), made from the overlay's spec if missing. */
    private void ensureOverlayNetwork(String name, NetworkSpec spec) {
        Map<String, String> generic = new LinkedHashMap<>(spec.options());
        generic.put(NetworkSpec.OVERLAY_OPTION, name);
        overlay.createNetwork(
                new NetworkId(StandaloneOverlays.overlayId(name)),
                NetworkOptions.of(generic, spec.internal()),
                spec.ipv4(),
                spec.ipv6());
    }

    /** Standalone-mode refusals are refused requests, with their message as it is. */
    private static <T> T refusing(Supplier<T> call) {
        try {
            return call.get();
        } catch (StandaloneNetworkException | IllegalArgumentException e) {
            throw OverlayException.invalid(e.getMessage());
        }
    }
}
