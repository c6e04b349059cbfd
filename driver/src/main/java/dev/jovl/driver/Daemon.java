package dev.jovl.driver;

import dev.jovl.driver.api.DriverApi.ActivateResponse;
import dev.jovl.driver.api.DriverApi.Empty;
import dev.jovl.driver.cli.DaemonOptions;
import dev.jovl.driver.docker.DockerEngineClient;
import dev.jovl.driver.docker.DockerFactsCache;
import dev.jovl.driver.docker.GlobalScopeGuard;
import dev.jovl.driver.docker.StandaloneMode;
import dev.jovl.driver.docker.SwarmServiceDirectory;
import dev.jovl.driver.http.Json;
import dev.jovl.driver.http.PluginServer;
import dev.jovl.driver.http.RequestStats;
import dev.jovl.driver.http.RouteTable;
import dev.jovl.driver.metrics.DaemonGauges;
import dev.jovl.driver.metrics.DaemonMetrics;
import dev.jovl.driver.metrics.MeteredStore;
import dev.jovl.driver.status.HealthCheck;
import dev.jovl.driver.status.StatusApi.PeersRequest;
import dev.jovl.driver.status.StatusService;
import dev.jovl.ipam.IpamConfig;
import dev.jovl.ipam.IpamDriver;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.net.PrivateFiles;
import dev.jovl.netlink.NetNs;
import dev.jovl.netlink.NetlinkHandle;
import dev.jovl.netlink.NetnsDirectory;
import dev.jovl.overlay.DriverSettings;
import dev.jovl.overlay.LocalHost;
import dev.jovl.overlay.NetworkLocks;
import dev.jovl.overlay.OverlayService;
import dev.jovl.overlay.SandboxCleanup;
import dev.jovl.overlay.kernel.NetfilterLoadBalancer;
import dev.jovl.overlay.kernel.NetlinkDataplane;
import dev.jovl.overlay.kernel.UnderlayProbe;
import dev.jovl.overlay.peers.DeadHostReaper;
import dev.jovl.overlay.peers.EndpointActivation;
import dev.jovl.overlay.peers.HostRegistration;
import dev.jovl.overlay.peers.NetworkRemovalWatch;
import dev.jovl.overlay.peers.PeerSync;
import dev.jovl.overlay.peers.SandboxAdoption;
import dev.jovl.overlay.peers.VanishedEndpoints;
import dev.jovl.overlay.runtime.Supervisor;
import dev.jovl.overlay.services.ServiceLoadBalancing;
import dev.jovl.overlay.state.ClusterState;
import dev.jovl.overlay.state.LocalEndpointJournal;
import dev.jovl.overlay.state.StoreLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One jovl daemon: the store, the kernel handles, the request handlers, the plugin socket and the
 * background loops (host lease, peer sync, sweeps, dead-host reaping), wired together. The socket
 * listens before anything waits for the store: Docker gives a managed plugin about 9.5 s to appear.
 * Every background loop runs on one {@link Supervisor}, declared below in the order they start;
 * they stop in reverse, after the socket and before what they use (clean-up, kernel, store).
 */
public final class Daemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);
    /**
     * How often local endpoints are checked for a vanished container, and how long one must stay
     * vanished before it is released: a sweep costs one link dump per sandbox (the records come from
     * the watch), and 15 s is far longer than any Join or deletion in progress takes.
     */
    private static final java.time.Duration VANISHED_ENDPOINT_SWEEP = java.time.Duration.ofSeconds(5);

    private static final java.time.Duration VANISHED_ENDPOINT_GRACE = java.time.Duration.ofSeconds(15);
    public static final String VERSION = "0.1.0";
    /** Docker's API is a local socket: a request that takes longer than this is a stuck daemon. */
    private static final Duration DOCKER_TIMEOUT = Duration.ofSeconds(5);
    /** How long Docker's swarm state is trusted before /info is asked again. */
    private static final Duration DOCKER_FACTS_MAX_AGE = Duration.ofSeconds(5);
    /**
     * How often the VIP balancer reads each network's service table: a task that stops leaves the
     * rotation, and a new one joins it, within this plus Docker's own gossip delay.
     */
    private static final Duration SERVICE_LB_PERIOD = Duration.ofMillis(500);

    private final List<AutoCloseable> closeInOrder;
    private final LocalHost host;
    private final PluginServer server;

    private Daemon(List<AutoCloseable> closeInOrder, LocalHost host, PluginServer server) {
        this.closeInOrder = closeInOrder;
        this.host = host;
        this.server = server;
    }

    /** A daemon whose host namespace is {@code --host-netns}, else the one this process runs in. */
    public static Daemon start(DaemonOptions options) {
        return start(options, options.hostNetns());
    }

    /**
     * @param hostNamespace the namespace to treat as this host's (its underlay, where Docker looks
     *                      for the container ends), or {@code null} for the process's own; tests
     *                      use it to run several "hosts" in one JVM
     */
    public static Daemon start(DaemonOptions options, Path hostNamespace) {
        return start(options, hostNamespace, null);
    }

    /**
     * @param sharedStore a store to use instead of opening {@code options.store()}; the caller
     *                    keeps ownership (tests run several "hosts" on one store this way)
     */
    public static Daemon start(DaemonOptions options, Path hostNamespace, Store sharedStore) {
        long t0 = System.nanoTime();
        if (options.metricsListen() != null) {
            DaemonMetrics.checkCanListen(options.metricsListen()); // before anything starts
        }
        List<AutoCloseable> opened = new ArrayList<>();
        // Jackson takes a few hundred ms to initialise: do it beside the socket set-up, not in
        // front of Docker's first request
        Thread.ofPlatform().daemon().name("jovl-warm-json").start(Daemon::warmUpJson);
        IpamConfig ipamConfig = IpamConfig.defaults().withKeyPrefix(StoreLayout.IPAM);
        RouteTable table = new RouteTable(DriverRoutes.handshake(options.scope(), ipamConfig));
        try {
            // listen first: Docker gives a managed plugin ~9.5 s, and the rest may wait for the store
            ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
            opened.add(handlers::shutdownNow);
            RequestStats stats = new RequestStats(table::knows);
            PluginServer server = PluginServer.start(options.socket(), table, handlers, stats);
            opened.add(server);
            long listeningMs = (System.nanoTime() - t0) / 1_000_000;
            // metrics only when asked for (a daemon without --metrics-listen loads none of it), and
            // after the socket listens: the client's classes and configuration take ~100 ms to load
            // (a request answered before this, such as Activate, is in jovl status but not in the metrics)
            DaemonMetrics metrics = options.metricsListen() == null ? null : new DaemonMetrics(VERSION);
            if (metrics != null) {
                stats.observe(metrics);
            }

            NetNs hostNs = hostNamespace == null ? NetNs.self() : NetNs.open(hostNamespace);
            opened.add(hostNs);
            NetlinkHandle hostHandle = NetlinkHandle.open(hostNs);
            opened.add(hostHandle);
            UnderlayProbe.Underlay underlay = UnderlayProbe.probe(hostHandle, options.advertise());
            String hostId = options.hostId().isBlank() ? underlay.vtep() : options.hostId();
            LocalHost host = new LocalHost(hostId, underlay.vtep(), underlay.mtu(), options.vxlanPort());
            DriverSettings settings = new DriverSettings(options.scope(), options.vniRange(), options.mtu());

            Store openedStore =
                    sharedStore != null ? sharedStore : Stores.open(options.store(), options.storeSecurity());
            if (sharedStore == null) {
                opened.add(openedStore);
            }
            Store store = metrics == null ? openedStore : new MeteredStore(openedStore, metrics);
            ClusterState state = new ClusterState(store);
            // sandboxes and the endpoint journal: 0700 whatever the umask
            try {
                PrivateFiles.directory(options.runDir());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot create the run-dir " + options.runDir(), e);
            }
            Supervisor loops = new Supervisor();
            NetlinkDataplane dataplane = new NetlinkDataplane(
                    hostNs, hostHandle, new NetnsDirectory(options.runDir().resolve("netns")), host, loops);
            opened.add(dataplane);
            NetworkLocks locks = new NetworkLocks();
            IpamDriver ipam = new IpamDriver(store, ipamConfig, hostId);
            LocalEndpointJournal journal =
                    new LocalEndpointJournal(options.runDir().resolve("endpoints"));
            SandboxCleanup cleanup = new SandboxCleanup(dataplane, locks, options.sandboxIdleGrace());
            // the peer view is filled by PeerSync's watch, made below; the holders read it only later
            java.util.concurrent.atomic.AtomicReference<PeerSync> peerView =
                    new java.util.concurrent.atomic.AtomicReference<>();
            LiveAddressHolders holders =
                    new LiveAddressHolders(state, () -> peerView.get().allEndpoints());
            IpamEndpointAddresses endpointAddresses = new IpamEndpointAddresses(ipam, hostId, holders);
            StaleReleaseGuard releases = new StaleReleaseGuard(ipam, holders);
            SandboxAdoption adoption =
                    new SandboxAdoption(state, host, dataplane, locks, journal, endpointAddresses, cleanup);
            PeerSync peers =
                    new PeerSync(store, host, dataplane, locks, options.reconcileInterval(), adoption::adoptAll);
            peerView.set(peers);
            VanishedEndpoints vanished = new VanishedEndpoints(
                    state,
                    peers::endpointsOf,
                    host,
                    dataplane,
                    locks,
                    journal,
                    cleanup,
                    endpointAddresses,
                    VANISHED_ENDPOINT_GRACE);
            cleanup.onSandboxRemoved(peers::forget);
            opened.add(cleanup); // closed before the dataplane it uses
            NetworkRemovalWatch removals = new NetworkRemovalWatch(store, locks, cleanup);
            HostRegistration registration =
                    new HostRegistration(state, host, options.leaseTtl(), VERSION, adoption::adoptAll);
            EndpointActivation activation = new EndpointActivation(
                    state, dataplane, host, journal, peers::allEndpoints, options.reconcileInterval());
            opened.add(activation);
            OverlayService overlay =
                    new OverlayService(state, host, settings, dataplane, peers, locks, journal, activation, cleanup);
            Networks networks = new SharedNetworks(overlay);
            StandaloneMode standalone = null;
            if (settings.scope().equals("local")) {
                standalone = StandaloneMode.start(
                        new StandaloneMode.Settings(
                                options.dockerSocket(), options.dnsListen(), options.dnsUpstream(), options.leaseTtl()),
                        store,
                        hostId,
                        underlay.vtep(),
                        hostNs,
                        overlay);
                opened.add(standalone);
                networks = standalone.networks();
            }
            // scope global: Docker's /info decides whether a network may be made (Docker 23+
            // without a cluster store), and in swarm mode its service table feeds the VIP balancer
            CreateNetworkCheck createCheck = CreateNetworkCheck.NONE;
            ServiceLoadBalancing serviceLb = null;
            if (settings.scope().equals("global")) {
                DockerEngineClient docker = new DockerEngineClient(options.dockerSocket(), DOCKER_TIMEOUT);
                DockerFactsCache dockerFacts = new DockerFactsCache(docker, DOCKER_FACTS_MAX_AGE);
                createCheck = new GlobalScopeGuard(dockerFacts);
                serviceLb = new ServiceLoadBalancing(
                        dataplane,
                        locks,
                        new SwarmServiceDirectory(docker, dockerFacts),
                        id -> peers.isLoaded() ? Optional.of(peers.readyIpv4Addresses(id)) : Optional.empty(),
                        new NetfilterLoadBalancer(dataplane, options.sysctlProc()),
                        SERVICE_LB_PERIOD,
                        options.reconcileInterval());
            }
            HealthCheck health = new HealthCheck(
                    store,
                    host,
                    registration,
                    peers,
                    dataplane,
                    loops,
                    standalone == null ? null : standalone::dockerEventsConnected);
            StatusService status = new StatusService(
                    state, host, settings, dataplane, peers, registration, stats::snapshot, loops, health);
            opened.add(loops); // stopped first (after the socket): the loops use everything above
            DriverRoutes routes = new DriverRoutes(
                            new NetworkDriverEndpoints(overlay, networks, createCheck), settings.scope(), ipamConfig)
                    .withIpam(ipam, (r, f) -> releases.release(r))
                    .add("/Jovl.Status", Empty.class, (r, f) -> status.status())
                    .add("/Jovl.Peers", PeersRequest.class, (r, f) -> status.peers(r));
            DeadHostReaper reaper = new DeadHostReaper(
                    state,
                    host,
                    peers,
                    registration,
                    options.deadHostGrace(),
                    deadHost -> log.warn(
                            "released {} addresses of dead host {}", ipam.releaseAddressesOwnedBy(deadHost), deadHost));
            table.ready(routes.routes());

            // the loops, in the order they start (stopped in reverse); carrier watches join later
            registration.start(loops); // host-lease: register, and keep the record alive
            peers.start(loops); // peer-sync: first listing and watch (adopting sandboxes), then reconciles
            loops.every("sandbox-sweep", options.reconcileInterval(), options.reconcileInterval(), adoption::sweepAll);
            // vanished-endpoints: containers gone without Docker telling (a stop during a store outage)
            loops.every("vanished-endpoints", VANISHED_ENDPOINT_SWEEP, VANISHED_ENDPOINT_SWEEP, vanished::sweep);
            removals.start(loops); // network-removal-watch
            activation.start(loops); // endpoint-sweep
            if (serviceLb != null) {
                // service-lb: VIPs of swarm services in the sandboxes; a change of the endpoint
                // view (a task's DeleteEndpoint) runs it at once
                Supervisor.Loop lb = serviceLb.start(loops);
                peers.onViewChange(changed -> lb.wakeUp());
            }
            if (standalone != null) {
                standalone.startLoops(loops); // name-lease, name-feed
            }
            reaper.start(loops); // dead-host-reaper: last, it trusts the registration and the peer view
            if (metrics != null) {
                peers.reportTo(metrics);
                activation.reportTo(metrics);
                DaemonGauges.bind(
                        metrics, state, host, peers, dataplane, ipam, loops, health, standalone); // metrics-refresh
            }
            loops.start();
            if (metrics != null) {
                try {
                    opened.add(metrics.serve(options.metricsListen()));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(
                            "--metrics-listen " + DaemonOptions.listenText(options.metricsListen()) + ": "
                                    + e.getMessage(),
                            e);
                }
            }
            log.info(
                    "jovl {} listening after {} ms, up in {} ms (JVM start not counted): host {}, VTEP {} on {} (MTU {}), VXLAN port {}, scope {}, store {}",
                    VERSION,
                    listeningMs,
                    (System.nanoTime() - t0) / 1_000_000,
                    hostId,
                    underlay.vtep(),
                    underlay.interfaceName(),
                    underlay.mtu(),
                    options.vxlanPort(),
                    options.scope(),
                    store.describe());
            List<AutoCloseable> closeOrder = new ArrayList<>(opened);
            java.util.Collections.reverse(closeOrder);
            closeOrder.remove(server); // stop taking requests before anything they need goes away
            closeOrder.add(0, server);
            return new Daemon(closeOrder, host, server);
        } catch (RuntimeException e) {
            table.failed(e.getMessage());
            java.util.Collections.reverse(opened);
            closeQuietly(opened);
            throw e;
        }
    }

    private static void warmUpJson() {
        try {
            Json.MAPPER.writeValueAsBytes(new ActivateResponse(List.of("NetworkDriver")));
            Json.MAPPER.readValue("{}", Empty.class);
        } catch (java.io.IOException e) {
            log.debug("JSON warm-up: {}", e.toString());
        }
    }

    public LocalHost host() {
        return host;
    }

    public Path socket() {
        return server.socketPath();
    }

    /**
     * Stops serving and lets go of the store and the kernel handles. The kernel state stays:
     * containers keep talking while the daemon is away, and the next start adopts it.
     */
    @Override
    public void close() {
        closeQuietly(closeInOrder);
        log.info("jovl stopped");
    }

    private static void closeQuietly(List<AutoCloseable> resources) {
        for (AutoCloseable c : resources) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("while stopping: {}", e.toString());
            }
        }
    }
}
