package dev.jovl.overlay.state;

/** A record read from the store with the version it had, for compare-and-set. */
public record Versioned<T>(T value, long version) {}
