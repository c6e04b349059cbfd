package dev.jovl.overlay.testing;

import dev.jovl.kvstore.Store;
import dev.jovl.overlay.DriverSettings;
import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.NetworkLocks;
import dev.jovl.overlay.OverlayService;
import dev.jovl.overlay.SandboxCleanup;
import dev.jovl.overlay.VniRange;
import dev.jovl.overlay.peers.EndpointActivation;
import dev.jovl.overlay.peers.PeerSync;
import dev.jovl.overlay.state.ClusterState;
import dev.jovl.overlay.state.LocalEndpointJournal;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One host's overlay core over a shared store and a {@link FakeDataplane}: the same parts the
 * daemon wires, without the plugin socket, Docker or a kernel.
 */
public final class CoreHost implements AutoCloseable {
    public final LocalHost host;
    public final FakeDataplane kernel = new FakeDataplane();
    public final ClusterState state;
    public final NetworkLocks locks = new NetworkLocks();
    public final LocalEndpointJournal journal;
    public final PeerSync peers;
    public final SandboxCleanup cleanup;
    public final EndpointActivation activation;
    public final OverlayService overlay;

    /** @param vtep this host's underlay address; also its host id */
    public CoreHost(Store store, String vtep, Path runDir, VniRange vnis) {
        host = new LocalHost(vtep, vtep, 1500, 4789);
        state = new ClusterState(store);
        journal = new LocalEndpointJournal(runDir.resolve("endpoints"));
        cleanup = new SandboxCleanup(kernel, locks, Duration.ZERO);
        peers = new PeerSync(store, host, kernel, locks, Duration.ofMinutes(10), () -> {});
        cleanup.onSandboxRemoved(peers::forget);
        activation = new EndpointActivation(state, kernel, host, journal, peers::allEndpoints, Duration.ofMinutes(10));
        overlay = new OverlayService(
                state, host, new DriverSettings("global", vnis, 0), kernel, peers, locks, journal, activation, cleanup);
        peers.start();
    }

    @Override
    public void close() {
        cleanup.close();
        activation.close();
        peers.close();
    }
}
