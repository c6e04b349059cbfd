package dev.jovl.driver.dns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The names the responder answers itself, kept in memory and swapped as a whole: a lookup is one
 * hash-map read on an immutable snapshot, no lock. Built from {@link NameRecord}s: each record's
 * container name and aliases answer as {@code name} and {@code name.<overlay>}.
 *
 * <p>An unqualified {@code name} present on several overlays answers with all their addresses:
 * the query reaches jovl from Docker's embedded resolver, which does not say which networks the
 * asking container is on. {@code name.<overlay>} is exact.
 */
public final class NameTable {

    /** The addresses of one name: 4-byte and 16-byte arrays, in a stable order. */
    public record Addresses(List<byte[]> ipv4, List<byte[]> ipv6) {
    }

    private volatile Map<String, Addresses> byName = Map.of();

    /** The addresses of {@code name} (lower case, no trailing dot), or {@code null} if unknown. */
    public Addresses lookup(String name) {
        return name == null ? null : byName.get(name);
    }

    public int size() {
        return byName.size();
    }

    /** Replaces the whole table with one built from {@code records}. */
    public void replaceAll(Collection<NameRecord> records) {
        Map<String, Set<InetAddress>> v4 = new HashMap<>();
        Map<String, Set<InetAddress>> v6 = new HashMap<>();
        for (NameRecord record : records) {
            List<String> labels = new ArrayList<>();
            labels.add(record.name());
            labels.addAll(record.aliases());
            String overlay = record.overlay().toLowerCase(Locale.ROOT);
            for (String label : labels) {
                String plain = label.toLowerCase(Locale.ROOT);
                for (String key : List.of(plain, plain + "." + overlay)) {
                    if (record.ipv4() != null) {
                        v4.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(NameRecord.parse(record.ipv4()));
                    }
                    if (record.ipv6() != null) {
                        v6.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(NameRecord.parse(record.ipv6()));
                    }
                }
            }
        }
        Set<String> names = new LinkedHashSet<>(v4.keySet());
        names.addAll(v6.keySet());
        Map<String, Addresses> next = new HashMap<>(names.size() * 2);
        for (String name : names) {
            next.put(name, new Addresses(bytes(v4.get(name)), bytes(v6.get(name))));
        }
        byName = Map.copyOf(next);
    }

    private static List<byte[]> bytes(Set<InetAddress> addresses) {
        if (addresses == null) {
            return List.of();
        }
        return addresses.stream()
                .sorted((a, b) -> java.util.Arrays.compareUnsigned(a.getAddress(), b.getAddress()))
                .map(InetAddress::getAddress)
                .toList();
    }
}
