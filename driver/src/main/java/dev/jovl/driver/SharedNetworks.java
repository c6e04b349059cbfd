package dev.jovl.driver;

import dev.jovl.overlay.NetworkId;
import dev.jovl.overlay.NetworkOptions;
import dev.jovl.overlay.OverlayService;
import dev.jovl.overlay.state.AddressPool;
import java.util.List;
import java.util.Optional;

/** Cluster-store mode: Docker's network id is the overlay's, on every host. */
public final class SharedNetworks implements Networks {
    private final OverlayService overlay;

    public SharedNetworks(OverlayService overlay) {
        this.overlay = overlay;
    }

    @Override
    public void create(
            NetworkId dockerId,
            NetworkOptions options,
            boolean ipv6Enabled,
            List<AddressPool> ipv4,
            List<AddressPool> ipv6) {
        overlay.createNetwork(dockerId, options, ipv4, ipv6);
    }

    @Override
    public void delete(NetworkId dockerId) {
        overlay.deleteNetwork(dockerId);
    }

    @Override
    public NetworkId overlayOf(NetworkId dockerId) {
        return dockerId;
    }

    @Override
    public Optional<NetworkId> existingOverlayOf(NetworkId dockerId) {
        return Optional.of(dockerId);
    }
}
