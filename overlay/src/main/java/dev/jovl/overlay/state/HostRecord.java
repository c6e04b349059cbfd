package dev.jovl.overlay.state;

/**
 * A live jovl daemon, under {@code jovl/v1/hosts/<host>}, bound to its lease: the key vanishes
 * when the daemon stops renewing it.
 */
public record HostRecord(String host, String vtep, int vxlanPort, String version, long startedAtMillis) {}
