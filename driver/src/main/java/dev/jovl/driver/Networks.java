package dev.jovl.driver;

import dev.jovl.overlay.NetworkId;
import dev.jovl.overlay.NetworkOptions;
import dev.jovl.overlay.state.AddressPool;
import java.util.List;
import java.util.Optional;

/**
 * How Docker's networks map onto the overlay's. With a cluster store every host sees one Docker
 * network id, which is the overlay's ({@link SharedNetworks}); standalone daemons each have their
 * own id for a network that one overlay joins by name ({@code docker.StandaloneNetworks}).
 */
public interface Networks {

    /** Docker's CreateNetwork, with its options and pools checked. */
    void create(
            NetworkId dockerId,
            NetworkOptions options,
            boolean ipv6Enabled,
            List<AddressPool> ipv4,
            List<AddressPool> ipv6);

    /** Docker's DeleteNetwork. */
    void delete(NetworkId dockerId);

    /** The overlay network an endpoint of Docker network {@code dockerId} belongs to, made ready if need be. */
    NetworkId overlayOf(NetworkId dockerId);

    /** The overlay network of {@code dockerId} if it has one already: there is nothing to undo otherwise. */
    Optional<NetworkId> existingOverlayOf(NetworkId dockerId);
}
