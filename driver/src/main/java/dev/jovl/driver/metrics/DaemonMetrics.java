package dev.jovl.driver.metrics;

import dev.jovl.driver.cli.DaemonOptions;
import dev.jovl.driver.dns.DnsServer;
import dev.jovl.driver.dns.UpstreamForwarder;
import dev.jovl.driver.http.RequestStats;
import dev.jovl.driver.status.HealthCheck;
import dev.jovl.overlay.OverlayMetrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every metric of one daemon, in one registry (several daemons in one test JVM keep theirs apart),
 * built with the Prometheus Java client. Names follow Prometheus' conventions: {@code jovl_} prefix,
 * base units ({@code _seconds}), {@code _total} on counters. No label takes an unbounded value: the
 * request method is the route (or {@code unknown}), store operations and error kinds are fixed sets,
 * watches are named by their store prefix, loops by their declared name ({@code carrier-<sandbox>}
 * tasks counted together as {@code carrier}), networks by their VNI and pools by their subnet (both
 * bounded by the networks and pools that exist), never an endpoint or network id.
 *
 * <p>Pushed: request, store and DNS counters and histograms, the two convergence histograms (through
 * {@link OverlayMetrics}). Read at scrape time through callbacks: everything the daemon already counts
 * or holds (peers programmed, sandboxes, drift, loops), and the {@link DaemonSnapshot} a supervised
 * loop refreshes (IPAM pools, health verdicts), so a scrape never waits for an unreachable store.
 */
public final class DaemonMetrics implements OverlayMetrics, RequestStats.Observer {
    /** Request latencies: Docker's calls take 1 ms to a few hundred ms, and time out after 30 s. */
    private static final double[] REQUEST_BUCKETS = {.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30};
    /** Convergence: milliseconds normally, up to a reconcile interval when an event was lost. */
    private static final double[] CONVERGENCE_BUCKETS = {
        .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30
    };

    private static final Logger log = LoggerFactory.getLogger(DaemonMetrics.class);

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final Histogram requestSeconds;
    private final Histogram converged;
    private final Histogram published;
    final Counter storeOperations;
    final Counter storeErrors;
    final Histogram storeSeconds;
    final Counter watchReconnects;
    final Counter watchResyncs;
    private final Counter dnsUpstreamErrors;
    private final Histogram dnsUpstreamSeconds;

    public DaemonMetrics(String version) {
        requests = Counter.builder()
                .name("jovl_plugin_requests_total")
                .help("Docker plugin requests answered, by method (the route, unknown for any other path) and outcome "
                        + "(ok, invalid: 4xx, error: 5xx)")
                .labelNames("method", "outcome")
                .register(registry);
        requestSeconds = Histogram.builder()
                .name("jovl_plugin_request_duration_seconds")
                .help("Time from a Docker plugin request read to its answer written, by method")
                .labelNames("method")
                .classicOnly()
                .classicUpperBounds(REQUEST_BUCKETS)
                .register(registry);
        converged = Histogram.builder()
                .name("jovl_peer_convergence_seconds")
                .help("Time from a remote endpoint's record arriving from the store (watch) to its neighbour and FDB "
                        + "entries being in this host's kernel")
                .classicOnly()
                .classicUpperBounds(CONVERGENCE_BUCKETS)
                .register(registry);
        published = Histogram.builder()
                .name("jovl_endpoint_publication_seconds")
                .help("Time from a local container's interface coming up (carrier) to its record being published "
                        + "as ready in the store")
                .classicOnly()
                .classicUpperBounds(CONVERGENCE_BUCKETS)
                .register(registry);
        storeOperations = Counter.builder()
                .name("jovl_store_operations_total")
                .help("Store operations, by operation (get, list, delete, txn, watch, lease)")
                .labelNames("op")
                .register(registry);
        storeErrors = Counter.builder()
                .name("jovl_store_errors_total")
                .help("Store operations that failed, by operation and kind (unavailable, conflict, not_found, "
                        + "invalid_argument, other); conflicts are lost compare-and-set races, retried")
                .labelNames("op", "kind")
                .register(registry);
        storeSeconds = Histogram.builder()
                .name("jovl_store_operation_duration_seconds")
                .help("Store operation latency, by operation")
                .labelNames("op")
                .classicOnly()
                .classicUpperBounds(REQUEST_BUCKETS)
                .register(registry);
        watchReconnects = Counter.builder()
                .name("jovl_store_watch_reconnects_total")
                .help("Store watches reconnected after a break, by watched prefix")
                .labelNames("watch")
                .register(registry);
        watchResyncs = Counter.builder()
                .name("jovl_store_watch_resyncs_total")
                .help("Store watches that lost events and were listed again, by watched prefix")
                .labelNames("watch")
                .register(registry);
        dnsUpstreamErrors = Counter.builder()
                .name("jovl_dns_upstream_errors_total")
                .help("Standalone DNS: upstream exchanges that failed, by kind (timeout, io, servfail)")
                .labelNames("kind")
                .register(registry);
        // every kind at 0 from the start: a family with no series is missing from the scrape, and
        // rate() misses the first failure
        UpstreamForwarder.ERROR_KINDS.forEach(dnsUpstreamErrors::labelValues);
        dnsUpstreamSeconds = Histogram.builder()
                .name("jovl_dns_upstream_duration_seconds")
                .help("Standalone DNS: time of each upstream exchange, failed ones included")
                .classicOnly()
                .classicUpperBounds(REQUEST_BUCKETS)
                .register(registry);
        Info.builder()
                .name("jovl_build_info")
                .help("jovl's version and the Java runtime it runs on")
                .labelNames("version", "java_version")
                .register(registry)
                .setLabelValues(version, System.getProperty("java.version", "unknown"));
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    // ------------------------------------------------------------------------------- pushed

    @Override
    public void answered(String route, int status, long nanos) {
        String outcome = status < 300 ? "ok" : status < 500 ? "invalid" : "error";
        requests.labelValues(route, outcome).inc();
        requestSeconds.labelValues(route).observe(seconds(nanos));
    }

    @Override
    public void peersConverged(long nanos) {
        converged.observe(seconds(nanos));
    }

    @Override
    public void endpointPublished(long nanos) {
        published.observe(seconds(nanos));
    }

    /** One upstream DNS exchange: {@code error} is null when it was answered, else its kind. */
    public void dnsUpstream(String error, long nanos) {
        dnsUpstreamSeconds.observe(seconds(nanos));
        if (error != null) {
            dnsUpstreamErrors.labelValues(error).inc();
        }
    }

    /**
     * {@code jovl_dns_queries_total{outcome}}, read from the standalone DNS responder when scraped;
     * every outcome at 0 when there is none (global scope, or {@code --dns-listen off}), so the
     * family is always there.
     */
    public void dnsQueries(Supplier<DnsServer.Stats> stats) {
        counter(
                "jovl_dns_queries_total",
                "Standalone DNS queries, by outcome (local: answered from container names, forwarded upstream, "
                        + "refused: REFUSED to a non-container client or SERVFAIL with too many forwards in flight, "
                        + "rate_limited: dropped, over the source's rate, malformed); 0 without the DNS responder",
                List.of("outcome"),
                cb -> {
                    DnsServer.Stats s = stats.get();
                    if (s == null) {
                        s = new DnsServer.Stats(0, 0, 0, 0, 0);
                    }
                    cb.call(s.answeredLocally(), "local");
                    cb.call(s.forwarded(), "forwarded");
                    cb.call(s.refused(), "refused");
                    cb.call(s.rateLimited(), "rate_limited");
                    cb.call(s.malformed(), "malformed");
                });
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }

    // -------------------------------------------------------------------------- read at scrape

    /** A counter whose value the daemon already keeps. */
    public void counter(String name, String help, Supplier<Number> value) {
        CounterWithCallback.builder()
                .name(name)
                .help(help)
                .callback(cb -> cb.call(value.get().doubleValue()))
                .register(registry);
    }

    /** A gauge read when scraped. */
    public void gauge(String name, String help, Supplier<Number> value) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .callback(cb -> cb.call(value.get().doubleValue()))
                .register(registry);
    }

    /** A labelled gauge read when scraped: {@code values} calls its argument once per series. */
    public void gauge(String name, String help, List<String> labels, Consumer<GaugeWithCallback.Callback> values) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .labelNames(labels.toArray(String[]::new))
                .callback(values::accept)
                .register(registry);
    }

    /** A labelled counter read when scraped. */
    public void counter(String name, String help, List<String> labels, Consumer<CounterWithCallback.Callback> values) {
        CounterWithCallback.builder()
                .name(name)
                .help(help)
                .labelNames(labels.toArray(String[]::new))
                .callback(values::accept)
                .register(registry);
    }

    /** The health verdicts as {@code jovl_health{subsystem}}: 1 healthy, 0 not. */
    public void health(Supplier<List<HealthCheck.Verdict>> verdicts) {
        gauge(
                "jovl_health",
                "Health verdict per subsystem (1 healthy, 0 unhealthy), as jovl status prints it",
                List.of("subsystem"),
                cb -> verdicts.get().forEach(v -> cb.call(v.healthy() ? 1 : 0, v.subsystem())));
    }

    /**
     * Fails now, with the reason, if {@code listen} cannot be bound (an address not on this host, a
     * port in use): the daemon checks this before it starts anything, since the exporter itself
     * starts last, after the daemon has begun serving Docker and writing to the store.
     */
    public static void checkCanListen(InetSocketAddress listen) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(listen);
        } catch (IOException e) {
            throw new IllegalStateException("--metrics-listen " + DaemonOptions.listenText(listen)
                    + ": cannot listen there (" + e.getMessage() + ")");
        }
    }

    /**
     * Serves {@code /metrics} (and {@code /-/healthy}) on {@code ADDR:PORT}, with the JVM and process
     * metrics added now: they are registered only when someone scrapes, so a daemon without
     * {@code --metrics-listen} loads no JMX at start.
     */
    public AutoCloseable serve(InetSocketAddress listen) throws IOException {
        JvmMetrics.builder().register(registry);
        HTTPServer server = HTTPServer.builder()
                .hostname(listen.getHostString())
                .port(listen.getPort())
                .registry(registry)
                .buildAndStart();
        log.info(
                "metrics on http://{}/metrics",
                DaemonOptions.listenText(new InetSocketAddress(listen.getAddress(), server.getPort())));
        return server::close;
    }
}
