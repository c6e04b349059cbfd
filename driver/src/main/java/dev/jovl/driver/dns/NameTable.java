package dev.jovl.driver.dns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The names the responder answers itself, kept in memory. Each record's container name and
 * aliases answer as {@code name} and {@code name.<overlay>}.
 *
 * <p>A lookup is one read of a concurrent hash map, no lock. Changes are applied per record and
 * recompute only the names that record carries, so one container starting among thousands
 * costs microseconds, not a rebuild.
 *
 * <p>An unqualified {@code name} present on several overlays answers with all their addresses:
 * the query reaches jovl from Docker's embedded resolver, which does not say which networks the
 * asking container is on. {@code name.<overlay>} is exact.
 */
public final class NameTable {

    /** The addresses of one name: 4-byte and 16-byte arrays, in a stable order. */
    public record Addresses(List<byte[]> ipv4, List<byte[]> ipv6) {}

    private final ConcurrentHashMap<String, Addresses> byName = new ConcurrentHashMap<>();
    /** Guarded by {@code this}: the records by identity ({@code overlay/endpoint}). */
    private final Map<String, NameRecord> records = new HashMap<>();
    /** Guarded by {@code this}: which records carry each name. */
    private final Map<String, Set<String>> recordsByName = new HashMap<>();

    /** The addresses of {@code name} (lower case, no trailing dot), or {@code null} if unknown. */
    public Addresses lookup(String name) {
        return name == null ? null : byName.get(name);
    }

    /** How many names (spellings) are answered. */
    public int size() {
        return byName.size();
    }

    /** Adds or replaces one record. */
    public synchronized void put(NameRecord record) {
        String id = identity(record.overlay(), record.endpointId());
        NameRecord before = records.put(id, record);
        if (record.equals(before)) {
            return;
        }
        Set<String> touched = new HashSet<>();
        if (before != null) {
            for (String name : namesOf(before)) {
                unlink(name, id);
                touched.add(name);
            }
        }
        for (String name : namesOf(record)) {
            recordsByName.computeIfAbsent(name, n -> new HashSet<>()).add(id);
            touched.add(name);
        }
        touched.forEach(this::recompute);
    }

    /** Removes the record of one endpoint, if present. */
    public synchronized void remove(String overlay, String endpointId) {
        String id = identity(overlay, endpointId);
        NameRecord gone = records.remove(id);
        if (gone == null) {
            return;
        }
        for (String name : namesOf(gone)) {
            unlink(name, id);
            recompute(name);
        }
    }

    /** Makes the table hold exactly {@code all}. */
    public synchronized void replaceAll(Collection<NameRecord> all) {
        Set<String> keep = new HashSet<>();
        for (NameRecord r : all) {
            keep.add(identity(r.overlay(), r.endpointId()));
        }
        for (NameRecord r : new ArrayList<>(records.values())) {
            if (!keep.contains(identity(r.overlay(), r.endpointId()))) {
                remove(r.overlay(), r.endpointId());
            }
        }
        all.forEach(this::put);
    }

    private static String identity(String overlay, String endpointId) {
        return overlay + "/" + endpointId;
    }

    private static Set<String> namesOf(NameRecord record) {
        String overlay = record.overlay().toLowerCase(Locale.ROOT);
        Set<String> names = new LinkedHashSet<>();
        List<String> labels = new ArrayList<>();
        labels.add(record.name());
        labels.addAll(record.aliases());
        for (String label : labels) {
            String plain = label.toLowerCase(Locale.ROOT);
            names.add(plain);
            names.add(plain + "." + overlay);
        }
        return names;
    }

    private void unlink(String name, String id) {
        Set<String> ids = recordsByName.get(name);
        if (ids != null) {
            ids.remove(id);
            if (ids.isEmpty()) {
                recordsByName.remove(name);
            }
        }
    }

    private void recompute(String name) {
        Set<String> ids = recordsByName.get(name);
        if (ids == null) {
            byName.remove(name);
            return;
        }
        Set<InetAddress> v4 = new LinkedHashSet<>();
        Set<InetAddress> v6 = new LinkedHashSet<>();
        for (String id : ids) {
            NameRecord r = records.get(id);
            if (r.ipv4() != null) {
                v4.add(NameRecord.parse(r.ipv4()));
            }
            if (r.ipv6() != null) {
                v6.add(NameRecord.parse(r.ipv6()));
            }
        }
        byName.put(name, new Addresses(sorted(v4), sorted(v6)));
    }

    private static List<byte[]> sorted(Set<InetAddress> addresses) {
        return addresses.stream()
                .map(InetAddress::getAddress)
                .sorted(Arrays::compareUnsigned)
                .toList();
    }
}
