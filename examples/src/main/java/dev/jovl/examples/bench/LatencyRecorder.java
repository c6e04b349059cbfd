package dev.jovl.examples.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Latencies per plugin method, then percentiles. Thread-safe. */
final class LatencyRecorder {
    private final Map<String, List<Long>> nanosByMethod = new TreeMap<>();

    synchronized void record(String method, long nanos) {
        nanosByMethod.computeIfAbsent(method, k -> new ArrayList<>()).add(nanos);
    }

    synchronized String table() {
        StringBuilder b = new StringBuilder(String.format(
                Locale.ROOT, "%-42s %7s %9s %9s %9s %9s%n", "method", "count", "p50 ms", "p90 ms", "p99 ms", "max ms"));
        nanosByMethod.forEach((m, list) -> {
            long[] v = list.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(v);
            b.append(String.format(
                    Locale.ROOT,
                    "%-42s %7d %9.2f %9.2f %9.2f %9.2f%n",
                    m,
                    v.length,
                    pct(v, 50),
                    pct(v, 90),
                    pct(v, 99),
                    v[v.length - 1] / 1e6));
        });
        return b.toString();
    }

    private static double pct(long[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }
}
