package dev.jovl.driver;

import dev.jovl.ipam.IpamDriver;
import dev.jovl.ipam.IpamException;
import dev.jovl.ipam.protocol.IpamProtocol.EmptyResponse;
import dev.jovl.ipam.protocol.IpamProtocol.ReleaseAddressRequest;
import dev.jovl.overlay.Ids;
import dev.jovl.overlay.state.EndpointRecord;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ReleaseAddress, except for an address a live container holds.
 *
 * <p>Docker releases an endpoint's address after DeleteEndpoint, which has removed the endpoint's
 * record; so a ready record that still holds the address belongs to another container. That
 * happens when Docker cleans up late: an endpoint jovl released itself because its container
 * vanished during a store outage ({@code VanishedEndpoints}) is deleted by dockerd's next start or a
 * {@code network disconnect -f}, after the address may have gone to a new container (a fixed
 * {@code --ip} re-used at once). ReleaseAddress names no endpoint, so releasing it then would free the
 * new container's address and let a third one get it too. Such a release is answered as done and
 * changes nothing.
 */
public final class StaleReleaseGuard {
    private static final Logger log = LoggerFactory.getLogger(StaleReleaseGuard.class);

    private final IpamDriver ipam;
    private final LiveAddressHolders holders;

    public StaleReleaseGuard(IpamDriver ipam, LiveAddressHolders holders) {
        this.ipam = ipam;
        this.holders = holders;
    }

    public EmptyResponse release(ReleaseAddressRequest request) {
        String ip = plain(request.address());
        if (!ip.isEmpty()) {
            Optional<EndpointRecord> live = holders.holder(request.poolId(), ip, null);
            if (live.isPresent() && !swarmAllocated(request.poolId(), ip)) {
                log.warn(
                        "ReleaseAddress {} of pool {} ignored: endpoint {} of host {} holds it now (a late release "
                                + "of an endpoint that was already cleaned up)",
                        dev.jovl.net.LogText.escape(ip),
                        dev.jovl.net.LogText.escape(request.poolId()),
                        Ids.shortId(live.get().endpointId()),
                        live.get().host());
                return EmptyResponse.INSTANCE;
            }
        }
        return ipam.releaseAddress(request);
    }

    /**
     * A swarm's VIP and task addresses are released by the leading manager when swarmkit frees
     * them, which may come before the task's endpoint is gone on its node: swarmkit's raft state is
     * their owner, so its releases are never second-guessed.
     */
    private boolean swarmAllocated(String poolId, String ip) {
        try {
            return ipam.allocations(poolId).stream()
                    .anyMatch(a -> a.swarm() && a.address().equals(ip));
        } catch (IpamException e) {
            return false;
        }
    }

    private static String plain(String address) {
        if (address == null) {
            return "";
        }
        int slash = address.indexOf('/');
        return slash < 0 ? address : address.substring(0, slash);
    }
}
