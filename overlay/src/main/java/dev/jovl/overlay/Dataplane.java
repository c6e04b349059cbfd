package dev.jovl.overlay;

import dev.jovl.overlay.state.EndpointRecord;
import dev.jovl.overlay.state.NetworkRecord;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * What the overlay needs from the kernel on this host: per network a sandbox namespace holding
 * {@code br0} and {@code vxlan0}, one veth per local endpoint, and the peer entries of remote
 * endpoints. Every method is idempotent; callers serialise calls per network.
 */
public interface Dataplane extends AutoCloseable {

    /**
     * Makes sure the network's sandbox exists and the endpoint has its veth pair: the sandbox end
     * on {@code br0}, the container end in this host's namespace (Docker moves it).
     *
     * @return the name of the container end
     */
    String attach(NetworkRecord network, EndpointRecord endpoint);

    /**
     * Makes an existing sandbox complete again (bridge, VXLAN device, both up and wired) without
     * recreating what is there; creates the sandbox if it is missing.
     */
    void repair(NetworkRecord network);

    /**
     * Removes a veth pair wherever its container end is; absent is fine.
     *
     * @param device the pair's {@link SandboxNames#devicePart device part}
     */
    void detach(String networkId, String device);

    /**
     * Deletes a veth pair through its container end if that is in this host's namespace (where
     * Docker puts it back after Leave), touching no sandbox; absent is fine.
     *
     * @param device the pair's {@link SandboxNames#devicePart device part}
     * @return whether there was such a link
     */
    boolean removeHostEnd(String device);

    /**
     * Device parts of the sandbox's veths whose container end is in a namespace where no process
     * lives: a container torn down without Docker deleting its endpoint. Empty when that cannot be
     * told (the host's processes are not in sight), so a caller never mistakes "unknown" for "dead".
     */
    default Set<String> endpointsWithoutProcesses(String networkId) {
        return Set.of();
    }

    /** Whether a pair's container end ({@code device} part) is in this host's namespace, i.e. in no container. */
    boolean hostEndPresent(String device);

    /**
     * Whether the endpoint's container end is up: its sandbox end has carrier (Docker has moved
     * the container end into the container, configured and raised it). False if there is no such veth.
     */
    boolean hasCarrier(String networkId, String endpointId);

    /**
     * Runs {@code whenUp} once {@link #hasCarrier} becomes true for the endpoint (at once if it is),
     * without polling; never if its veth goes away or {@code within} passes first. {@code whenUp}
     * runs on a watcher thread and must hand any slow work on.
     */
    void whenCarrier(String networkId, String endpointId, Duration within, Runnable whenUp);

    /** Whether the network's sandbox exists on this host. */
    boolean hasSandbox(String networkId);

    /** Networks that have a sandbox on this host, as found in the kernel. */
    Set<String> sandboxes();

    /** Removes the network's sandbox and everything in it; absent is fine. */
    void removeSandbox(String networkId);

    /** The {@link SandboxNames#devicePart device parts} of the veths in the network's sandbox. */
    Set<String> attachedEndpoints(String networkId);

    /** The peer entries the kernel has in the network's sandbox right now. */
    PeerEntries dumpPeers(String networkId);

    /**
     * Applies a change of peer entries to the network's sandbox: removes what {@code remove} holds,
     * then writes (create-or-replace) what {@code add} holds. Missing entries on removal are fine.
     */
    void applyPeers(String networkId, PeerEntries remove, PeerEntries add);

    /**
     * Tells the containers of the network's sandbox that these IPv4 addresses now live at these
     * MACs (a gratuitous ARP on {@code br0}), so that a cache still holding an address's old MAC
     * (the address moved to another container) is corrected at once rather than after it goes
     * stale (~30 s). IPv6 addresses are left out. Best effort: a failure is the caller's to log.
     */
    void announce(String networkId, Map<String, String> ipToMac);

    @Override
    void close();

    /**
     * Permanent neighbour entries (IP -> MAC) and FDB entries (MAC -> VTEP) on a sandbox's
     * {@code vxlan0}.
     */
    record PeerEntries(Map<String, String> neighbours, Map<String, String> fdb) {
        public PeerEntries {
            // not Map.copyOf: its open addressing probes linearly, and addresses of one subnet
            // have neighbouring hash codes, so lookups in a network of thousands of peers walked
            // long runs (a third of the daemon's CPU at 5,000 peers per network under churn)
            neighbours = Collections.unmodifiableMap(new HashMap<>(neighbours));
            fdb = Collections.unmodifiableMap(new HashMap<>(fdb));
        }

        public static final PeerEntries NONE = new PeerEntries(Map.of(), Map.of());

        public boolean isEmpty() {
            return neighbours.isEmpty() && fdb.isEmpty();
        }

        public int size() {
            return neighbours.size() + fdb.size();
        }
    }
}
