package dev.jovl.examples.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When peer entries arrive in and leave the sandboxes' kernels, as the kernel announces them:
 * one {@code ip monitor neigh} per sandbox (entered with nsenter), each line stamped as it is read.
 * That stream carries both kinds of entry on {@code vxlan0}: a neighbour entry shows as
 * {@code IP dev vxlan0 lladdr MAC PERMANENT}, an FDB entry as {@code VTEP dev vxlan0 lladdr MAC NOARP
 * PERMANENT}; removals are prefixed {@code Deleted}. Only the first time of each event is kept.
 */
final class KernelEvents implements AutoCloseable {
    private final List<Process> monitors = new ArrayList<>();
    /** "N+ip", "N-ip", "F+mac", "F-mac" -> nanoTime it was read */
    private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();

    KernelEvents(List<Path> sandboxes) throws IOException {
        for (Path ns : sandboxes) {
            Process p = new ProcessBuilder("nsenter", "--net=" + ns, "ip", "monitor", "neigh")
                    .redirectErrorStream(true)
                    .start();
            monitors.add(p);
            Thread.ofPlatform().daemon().name("monitor-" + ns.getFileName()).start(() -> read(p));
        }
    }

    private void read(Process p) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                long t = System.nanoTime();
                String key = keyOf(line);
                if (key != null) {
                    firstSeen.putIfAbsent(key, t);
                }
            }
        } catch (IOException e) {
            // the monitor was stopped
        }
    }

    /** The event a monitor line reports, or null if it is not a peer entry on vxlan0. */
    static String keyOf(String line) {
        String[] t = line.trim().split("\\s+");
        boolean deleted = t.length > 0 && t[0].equals("Deleted");
        int i = deleted ? 1 : 0;
        if (t.length < i + 3 || !t[i + 1].equals("dev") || !t[i + 2].equals("vxlan0")) {
            return null;
        }
        String address = t[i];
        String mac = null;
        for (int k = i + 3; k + 1 < t.length; k++) {
            if (t[k].equals("lladdr")) {
                mac = t[k + 1];
            }
        }
        String sign = deleted ? "-" : "+";
        if (address.startsWith(FakeHosts.VTEP_PREFIX)) {
            return mac == null ? null : "F" + sign + mac;
        }
        // a neighbour entry being removed first shows as FAILED without a MAC: only its deletion counts
        if (!deleted && mac == null) {
            return null;
        }
        return "N" + sign + address;
    }

    /**
     * When both entries of a change were in (or both out of) the kernel, or -1 if one was not seen.
     */
    long completedAt(FakeHosts.Change c) {
        String sign = c.added() ? "+" : "-";
        Long n = firstSeen.get("N" + sign + c.endpoint().ip());
        Long f = firstSeen.get("F" + sign + c.endpoint().mac());
        return n == null || f == null ? -1 : Math.max(n, f);
    }

    @Override
    public void close() {
        monitors.forEach(Process::destroy);
    }
}
