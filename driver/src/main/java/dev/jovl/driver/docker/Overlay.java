package dev.jovl.driver.docker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Map;
import java.util.TreeMap;

/**
 * One overlay in standalone mode, stored under {@code jovl/v1/overlays/<name>}: the spec every
 * host's Docker network of that name shares, and which Docker network on each host belongs to it.
 *
 * @param members host id to that host's Docker network id
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Overlay(String name, NetworkSpec spec, Map<String, String> members) {

    public Overlay {
        members = members == null ? Map.of() : Map.copyOf(new TreeMap<>(members));
    }

    Overlay withMember(String host, String networkId) {
        Map<String, String> next = new TreeMap<>(members);
        next.put(host, networkId);
        return new Overlay(name, spec, next);
    }

    Overlay withoutMember(String host) {
        Map<String, String> next = new TreeMap<>(members);
        next.remove(host);
        return new Overlay(name, spec, next);
    }
}
