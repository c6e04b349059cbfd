package dev.jovl.overlay;

/**
 * What the core reports as it happens, for the daemon's metrics: the two convergence times, which
 * only the core can measure. Counts and sizes the core already keeps (drift fixes, reconciles,
 * watch reconnects, skipped records, peers programmed) are read from it at scrape time instead.
 *
 * <p>An interface of the core's rather than a metrics library in the core: the overlay stays free of
 * any exposition or HTTP code ({@code CoreBoundaryTest}), its tests need no registry, and the one
 * place that names metrics and chooses buckets is the driver's {@code metrics.DaemonMetrics}.
 */
public interface OverlayMetrics {
    /** Reports nothing: the default, and what tests use. */
    OverlayMetrics NONE = new OverlayMetrics() {};

    /**
     * A remote endpoint's record came from the store (the watch delivered it) and its neighbour and
     * FDB entries are now in this host's kernel, {@code nanos} later.
     */
    default void peersConverged(long nanos) {}

    /** A local container's interface came up and its record was published {@code nanos} later. */
    default void endpointPublished(long nanos) {}
}
