package dev.jovl.driver.dns;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The names of one container endpoint on one overlay, as stored under
 * {@code jovl/v1/names/<overlay>/<endpoint>} by the host that runs the container.
 *
 * @param overlay     the overlay (jovl network) name; in standalone mode the Docker network name
 * @param endpointId  Docker's endpoint id (unique per container run and network)
 * @param containerId the container's id, so a host can tell which of its records belong to what
 * @param name        the container name without Docker's leading {@code /}
 * @param aliases     network aliases ({@code --network-alias}, and Docker's short container id)
 * @param ipv4        the endpoint's IPv4 address without prefix, or {@code null}
 * @param ipv6        the endpoint's IPv6 address without prefix, or {@code null}
 * @param host        the host that wrote it (its jovl host id)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NameRecord(
        String overlay,
        String endpointId,
        String containerId,
        String name,
        List<String> aliases,
        String ipv4,
        String ipv6,
        String host) {

    /** What Docker accepts as a container or network name, and what a DNS label can carry. */
    private static final Pattern DOCKER_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}");

    private static final Pattern KEY_SEGMENT = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}");

    public NameRecord {
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
        requireSegment("overlay", overlay);
        requireSegment("endpointId", endpointId);
        requireSegment("host", host);
        if (name == null || !DOCKER_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bad container name: " + name);
        }
        for (String alias : aliases) {
            if (!DOCKER_NAME.matcher(alias).matches()) {
                throw new IllegalArgumentException("bad network alias: " + alias);
            }
        }
        if (ipv4 == null && ipv6 == null) {
            throw new IllegalArgumentException("endpoint " + endpointId + " has no address");
        }
        requireAddress(ipv4, Inet4Address.class);
        requireAddress(ipv6, Inet6Address.class);
    }

    private static void requireSegment(String what, String value) {
        if (value == null || !KEY_SEGMENT.matcher(value).matches()) {
            throw new IllegalArgumentException("bad " + what + ": " + value);
        }
    }

    private static void requireAddress(String literal, Class<? extends InetAddress> family) {
        if (literal == null) {
            return;
        }
        if (!literal.matches("[0-9a-fA-F.:]+") || !family.isInstance(parse(literal))) {
            throw new IllegalArgumentException("bad " + family.getSimpleName() + " literal: " + literal);
        }
    }

    /** Parses a numeric address literal (never a DNS lookup). */
    static InetAddress parse(String literal) {
        return InetAddress.ofLiteral(literal);
    }
}
