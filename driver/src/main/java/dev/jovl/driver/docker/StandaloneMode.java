package dev.jovl.driver.docker;

import dev.jovl.driver.Networks;
import dev.jovl.driver.dns.DnsServer;
import dev.jovl.driver.dns.HostContainerClients;
import dev.jovl.driver.dns.NameFeed;
import dev.jovl.driver.dns.NameRegistry;
import dev.jovl.driver.dns.NameTable;
import dev.jovl.driver.dns.UpstreamForwarder;
import dev.jovl.driver.dns.UpstreamServers;
import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.Store;
import dev.jovl.netlink.NetNs;
import dev.jovl.overlay.OverlayService;
import dev.jovl.overlay.runtime.Supervisor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything {@code --scope local} adds to the daemon: overlays joined by network name, the
 * container names learned from Docker and kept in the store, and the DNS responder that answers
 * them on every host. Started by the daemon after its driver, closed before it.
 */
public final class StandaloneMode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StandaloneMode.class);
    private static final Duration DOCKER_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(2);
    public static final String DNS_OFF = "off";

    /**
     * @param dnsListen   {@code ADDR[:PORT]}; empty: the VTEP address, port 53; {@code off}: no DNS
     * @param dnsUpstream comma-separated {@code ADDR[:PORT]}; empty: the nameservers of
     *                    /etc/resolv.conf, without jovl's own address
     */
    public record Settings(Path dockerSocket, String dnsListen, String dnsUpstream, Duration leaseTtl) {}

    private final List<AutoCloseable> closeInOrder = new ArrayList<>();
    private final Store store;
    private final Duration leaseTtl;
    private volatile Lease nameLease;
    private NameRegistry registry;
    private NameTable table;
    private volatile NameFeed feed;
    private volatile boolean republish;
    private ContainerNamePublisher publisher;
    private DnsServer dns;
    private UpstreamForwarder dnsForwarder;
    private Networks networks;
    private DockerEventStream events;

    private StandaloneMode(Store store, Duration leaseTtl) {
        this.store = store;
        this.leaseTtl = leaseTtl;
    }

    /**
     * Wires standalone mode into a daemon: maps Docker's networks to overlays ({@link #networks()}), starts following Docker
     * and, unless {@code off}, the DNS responder in {@code hostNs} on the VTEP address (or the
     * configured one). Nothing here waits for the store or Docker: both are retried in the
     * background (the store by the loops of {@link #startLoops}).
     *
     * @throws IllegalArgumentException a malformed {@code --dns-listen} or {@code --dns-upstream}
     * @throws IllegalStateException    an explicitly configured DNS address cannot be bound
     */
    public static StandaloneMode start(
            Settings settings, Store store, String hostId, String vtep, NetNs hostNs, OverlayService overlay) {
        StandaloneMode mode = new StandaloneMode(store, settings.leaseTtl());
        try {
            mode.wire(settings, hostId, vtep, hostNs, overlay);
            return mode;
        } catch (RuntimeException e) {
            mode.close();
            throw e;
        }
    }

    private void wire(Settings settings, String hostId, String vtep, NetNs hostNs, OverlayService overlay) {
        DockerEngineClient docker = new DockerEngineClient(settings.dockerSocket(), DOCKER_TIMEOUT);
        closeInOrder.add(docker);
        StandaloneOverlays overlays = new StandaloneOverlays(store, docker, hostId);
        closeInOrder.add(overlays);
        networks = new StandaloneNetworks(overlay, overlays);

        registry = new NameRegistry(store);
        publisher = new ContainerNamePublisher(docker, registry, overlays, hostId, this::currentLease);
        events = docker.watchEvents(new DockerEventListener() {
            @Override
            public void onConnected() {
                try {
                    overlays.dropNetworksDockerForgot();
                } catch (DockerApiException | RuntimeException e) {
                    log.warn("checking this host's networks against Docker failed: {}", e.getMessage());
                }
                publisher.onConnected();
            }

            @Override
            public void onEvent(DockerEvent event) {
                publisher.onEvent(event);
            }
        });

        if (DNS_OFF.equals(settings.dnsListen())) {
            log.info("standalone mode without DNS responder (--dns-listen off)");
            return;
        }
        table = new NameTable();
        InetSocketAddress listen = settings.dnsListen().isBlank()
                ? new InetSocketAddress(literal(vtep), UpstreamServers.DNS_PORT)
                : UpstreamServers.parseAddress(settings.dnsListen(), UpstreamServers.DNS_PORT);
        List<InetSocketAddress> upstream;
        try {
            upstream = settings.dnsUpstream().isBlank()
                    ? UpstreamServers.fromResolvConf(Path.of("/etc/resolv.conf"))
                    : UpstreamServers.parseList(settings.dnsUpstream());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /etc/resolv.conf: " + e.getMessage(), e);
        }
        UpstreamForwarder forwarder =
                new UpstreamForwarder(UpstreamServers.excludingSelf(upstream, listen), UPSTREAM_TIMEOUT);
        dnsForwarder = forwarder;
        try {
            dns = hostNs.call(() -> DnsServer.start(
                    listen,
                    table,
                    forwarder,
                    new HostContainerClients(hostNs, literal(vtep)),
                    DnsServer.Limits.DEFAULT));
            closeInOrder.add(dns);
        } catch (RuntimeException e) {
            if (!settings.dnsListen().isBlank()) {
                throw new IllegalStateException("--dns-listen " + settings.dnsListen() + ": " + e.getMessage(), e);
            }
            // the default address: serve networks anyway, and say loudly that names will not resolve
            log.error(
                    "no DNS responder: {}. Container names will not resolve across hosts; set --dns-listen",
                    e.getMessage());
        }
    }

    /**
     * Declares the loops of standalone mode: {@code docker-events} (Docker's event stream, reconnected
     * when it breaks), {@code name-lease} (names re-published when their
     * lease was lost) and, with a DNS responder, {@code name-feed} (the names of every host, kept
     * current; its first listing is retried until the store answers).
     */
    public void startLoops(Supervisor loops) {
        loops.every("docker-events", Duration.ZERO, DockerEventStream.RECONNECT, events::session)
                .onStop(events);
        loops.every(
                "name-lease",
                leaseTtl.dividedBy(3),
                Duration.ofMillis(Math.max(500, leaseTtl.toMillis() / 3)),
                this::keepLease);
        if (table != null) {
            loops.task("name-feed", () -> feed = NameFeed.start(registry, table))
                    .onStop(() -> {
                        if (feed != null) {
                            feed.close();
                        }
                    });
        }
    }

    /** The lease the names are bound to; a new one when the old is gone. */
    private Lease currentLease() {
        Lease l = nameLease;
        if (l == null || !l.isAlive()) {
            synchronized (this) {
                l = nameLease;
                if (l == null || !l.isAlive()) {
                    if (l != null) {
                        l.abandon();
                    }
                    l = store.grantLease(leaseTtl);
                    nameLease = l;
                }
            }
        }
        return l;
    }

    /**
     * Notices a lost lease (store unreachable longer than its TTL: the names it held are gone) and
     * writes this host's names again under a new one.
     */
    private void keepLease() throws DockerApiException {
        Lease l = nameLease;
        if (l != null && !l.isAlive()) {
            republish = true;
        }
        if (!republish) {
            return;
        }
        currentLease();
        publisher.resync();
        republish = false; // only now: a failed attempt is run again by the supervisor
        log.info("names re-published under a new lease");
    }

    /** Docker's per-host networks as overlays joined by name. */
    public Networks networks() {
        return networks;
    }

    /** The DNS responder, if one runs (for status output and tests). */
    public DnsServer dns() {
        return dns;
    }

    /** Where the DNS responder forwards other names, if it runs (for metrics). */
    public UpstreamForwarder dnsForwarder() {
        return dns == null ? null : dnsForwarder;
    }

    /** Whether Docker's event stream is connected now (health). */
    public boolean dockerEventsConnected() {
        return events != null && events.connected();
    }

    private static InetAddress literal(String address) {
        return UpstreamServers.parseAddress(address, UpstreamServers.DNS_PORT).getAddress();
    }

    @Override
    public synchronized void close() {
        List<AutoCloseable> order = new ArrayList<>(closeInOrder);
        Collections.reverse(order);
        for (AutoCloseable c : order) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("while stopping standalone mode: {}", e.toString());
            }
        }
        Lease l = nameLease;
        if (l != null) {
            // not revoked: containers go on running while jovl restarts, so their names stay for
            // the lease's TTL and the next start re-publishes them under its own lease
            l.abandon();
        }
    }
}
