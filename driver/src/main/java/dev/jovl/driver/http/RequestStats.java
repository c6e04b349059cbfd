package dev.jovl.driver.http;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * Per-route request and failure counters, for {@code jovl status}, and the hook the daemon's
 * metrics hang on. Keyed by the route ({@code NetworkDriver.Join}), never the raw URI: a path no
 * route serves counts as {@link #UNKNOWN}, so what a client sends cannot grow this map.
 */
public final class RequestStats {
    /** The key of every request for a path that no route serves. */
    public static final String UNKNOWN = "unknown";

    /** Told of every answered request. */
    public interface Observer {
        /**
         * @param route   the route name without its slash ({@code NetworkDriver.Join}) or {@link #UNKNOWN}
         * @param status  the HTTP status answered
         */
        void answered(String route, int status, long nanos);
    }

    private final Predicate<String> isRoute;
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    private volatile Observer observer = (route, status, nanos) -> {};

    /** Counts every path under its own name (tests, and servers whose paths are all routes). */
    public RequestStats() {
        this(path -> true);
    }

    /** @param isRoute whether a request path (without query) is a route, as the router sees it */
    public RequestStats(Predicate<String> isRoute) {
        this.isRoute = isRoute;
    }

    public void observe(Observer observer) {
        this.observer = observer;
    }

    /** The bounded name a request is counted under. */
    public String routeOf(String uri) {
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        if (!path.startsWith("/") || !isRoute.test(path)) {
            return UNKNOWN;
        }
        return path.substring(1);
    }

    /** Counts one answered request under its route. */
    public void record(String uri, int status, long nanos) {
        String route = routeOf(uri);
        requests.computeIfAbsent(route, k -> new LongAdder()).increment();
        if (status != 200) {
            failures.computeIfAbsent(route, k -> new LongAdder()).increment();
        }
        observer.answered(route, status, nanos);
    }

    /** route -> [requests, failures], sorted by route. */
    public Map<String, long[]> snapshot() {
        Map<String, long[]> out = new TreeMap<>();
        requests.forEach((k, v) -> {
            LongAdder f = failures.get(k);
            out.put(k, new long[] {v.sum(), f == null ? 0 : f.sum()});
        });
        return out;
    }
}
