package dev.jovl.ipam;

/**
 * Every failure of an IPAM request. The message is what the Docker user sees (the driver answers
 * HTTP 500 {@code {"Err": message}}), so it names the pool, the address and what to do.
 * A request that throws has changed nothing in the store.
 */
public final class IpamException extends RuntimeException {

    public enum Kind {
        /** no free address (or no free default subnet) is left */
        POOL_EXHAUSTED,
        /** the requested address is already allocated */
        ADDRESS_IN_USE,
        /** the requested address is not in the pool's subnet, or is its network/broadcast address */
        ADDRESS_OUTSIDE_POOL,
        /** the PoolID names no pool in the store */
        UNKNOWN_POOL,
        /** the requested subnet overlaps an existing pool (or the same subnet with another ip-range) */
        OVERLAPPING_SUBNET,
        /** the request itself is malformed */
        INVALID_REQUEST,
        /** the state store cannot be reached or stayed contended for too long; retrying may help */
        STORE_UNAVAILABLE
    }

    private final Kind kind;

    public IpamException(Kind kind, String message) {
        this(kind, message, null);
    }

    public IpamException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    static IpamException invalid(String message) {
        return new IpamException(Kind.INVALID_REQUEST, message);
    }
}
