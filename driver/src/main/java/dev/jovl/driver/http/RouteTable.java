package dev.jovl.driver.http;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The routes of the plugin socket, usable before the daemon has finished starting. Docker gives
 * a managed plugin about 9.5 s to listen, and a JVM on a busy host needs much of that, so the
 * socket opens first with the routes that need nothing (Activate, capabilities); requests for the
 * others wait, bounded, until the store and kernel handles are ready.
 */
public final class RouteTable {
    private final Map<String, Route<?>> early;
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile Map<String, Route<?>> all;
    private volatile String failure;

    public RouteTable(Map<String, Route<?>> early) {
        this.early = Map.copyOf(early);
    }

    public static RouteTable complete(Map<String, Route<?>> routes) {
        RouteTable t = new RouteTable(routes);
        t.ready(routes);
        return t;
    }

    /** Start-up finished: every route is served from now on. */
    public void ready(Map<String, Route<?>> routes) {
        all = Map.copyOf(routes);
        ready.countDown();
    }

    /** Start-up failed: waiting requests get this reason. */
    public void failed(String reason) {
        failure = reason;
        ready.countDown();
    }

    /** The route for {@code path} if it can be served without waiting, else {@code null}. */
    Route<?> immediate(String path) {
        Map<String, Route<?>> a = all;
        return a != null ? a.get(path) : early.get(path);
    }

    /** Whether {@code path} is a route now (requests are counted when answered): bounds the request statistics' keys. */
    public boolean knows(String path) {
        Map<String, Route<?>> a = all;
        return a != null ? a.containsKey(path) : early.containsKey(path);
    }

    boolean isReady() {
        return all != null;
    }

    /** Waits (bounded) for start-up; the route, or {@code null} for an unknown path. */
    Route<?> await(String path) {
        try {
            if (!ready.await(60, TimeUnit.SECONDS)) {
                throw PluginException.failed("jovl is still starting; try again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PluginException.failed("interrupted while jovl was starting");
        }
        if (all == null) {
            throw PluginException.failed("jovl failed to start: " + failure);
        }
        return all.get(path);
    }
}
