package dev.jovl.driver.http;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Per-method request and failure counters, for {@code jovl status}. */
public final class RequestStats {
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

    void record(String uri, int status, long nanos) {
        requests.computeIfAbsent(uri, k -> new LongAdder()).increment();
        if (status != 200) {
            failures.computeIfAbsent(uri, k -> new LongAdder()).increment();
        }
    }

    /** method -> [requests, failures], sorted by method. */
    public Map<String, long[]> snapshot() {
        Map<String, long[]> out = new TreeMap<>();
        requests.forEach((k, v) -> {
            LongAdder f = failures.get(k);
            out.put(k, new long[] {v.sum(), f == null ? 0 : f.sum()});
        });
        return out;
    }
}
