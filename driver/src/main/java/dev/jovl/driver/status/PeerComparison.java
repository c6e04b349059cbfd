package dev.jovl.driver.status;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.jovl.overlay.Dataplane.PeerEntries;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** The store's peer entries for one sandbox beside the kernel's, row by row, differences marked. */
public final class PeerComparison {
    public static final String OK = "ok";
    /** in the store, not in the kernel */
    public static final String MISSING = "MISSING";
    /** in the kernel, not in the store */
    public static final String STALE = "STALE";
    /** both have it, with different values */
    public static final String DIFFERS = "DIFFERS";

    public record Row(
            @JsonProperty("Kind") String kind,
            @JsonProperty("Key") String key,
            @JsonProperty("Store") String store,
            @JsonProperty("Kernel") String kernel,
            @JsonProperty("Status") String status) {}

    private PeerComparison() {}

    public static List<Row> compare(PeerEntries store, PeerEntries kernel) {
        List<Row> rows = new ArrayList<>();
        rows(rows, "neigh", store.neighbours(), kernel.neighbours());
        rows(rows, "fdb", store.fdb(), kernel.fdb());
        return rows;
    }

    private static void rows(List<Row> out, String kind, Map<String, String> store, Map<String, String> kernel) {
        TreeSet<String> keys = new TreeSet<>(store.keySet());
        keys.addAll(kernel.keySet());
        for (String k : keys) {
            String s = store.get(k);
            String n = kernel.get(k);
            String status = s == null ? STALE : n == null ? MISSING : s.equals(n) ? OK : DIFFERS;
            out.add(new Row(kind, k, s, n, status));
        }
    }

    public static long differences(List<Row> rows) {
        return rows.stream().filter(r -> !r.status().equals(OK)).count();
    }
}
