package dev.jovl.kvstore;

import java.nio.charset.StandardCharsets;

/**
 * One operation of a {@link Txn}. Conditions ({@code expectedVersion}) use the key's version, where
 * {@code 0} means absent; {@link Kind#PUT} and {@link Kind#DELETE} have none.
 *
 * @param lease for writes, the lease to bind the key to, or {@code null}
 */
public record Op(Kind kind, String key, byte[] value, long expectedVersion, Lease lease) {

    public enum Kind {
        /** write only if absent */
        CREATE,
        /** write unconditionally */
        PUT,
        /** write only if the version matches */
        COMPARE_AND_SET,
        /** delete unconditionally (absent is fine) */
        DELETE,
        /** delete only if the version matches (absent fails) */
        DELETE_IF_VERSION,
        /** write nothing; only require the version to match (0: require absence) */
        CHECK_VERSION
    }

    public Op {
        KeyRules.checkKey(key);
        if (value != null) {
            KeyRules.checkValue(value);
        }
        boolean writes = kind == Kind.CREATE || kind == Kind.PUT || kind == Kind.COMPARE_AND_SET;
        if (writes != (value != null)) {
            throw new StoreException.InvalidArgument(
                    kind + " on " + key + (writes ? " needs a value" : " takes no value"));
        }
        if (expectedVersion < 0) {
            throw new StoreException.InvalidArgument("negative version " + expectedVersion + " for " + key);
        }
        if (lease != null && !writes) {
            throw new StoreException.InvalidArgument(kind + " on " + key + " cannot take a lease");
        }
    }

    public static Op create(String key, byte[] value) {
        return new Op(Kind.CREATE, key, value, 0, null);
    }

    public static Op create(String key, String value) {
        return create(key, value.getBytes(StandardCharsets.UTF_8));
    }

    public static Op put(String key, byte[] value) {
        return new Op(Kind.PUT, key, value, 0, null);
    }

    public static Op compareAndSet(String key, long expectedVersion, byte[] value) {
        return new Op(Kind.COMPARE_AND_SET, key, value, expectedVersion, null);
    }

    public static Op delete(String key) {
        return new Op(Kind.DELETE, key, null, 0, null);
    }

    public static Op deleteIfVersion(String key, long expectedVersion) {
        return new Op(Kind.DELETE_IF_VERSION, key, null, expectedVersion, null);
    }

    public static Op checkVersion(String key, long expectedVersion) {
        return new Op(Kind.CHECK_VERSION, key, null, expectedVersion, null);
    }

    /** This write, bound to {@code lease}. */
    public Op withLease(Lease lease) {
        return new Op(kind, key, value, expectedVersion, lease);
    }

    @Override
    public String toString() {
        return kind + " " + key
                + (kind == Kind.COMPARE_AND_SET || kind == Kind.DELETE_IF_VERSION || kind == Kind.CHECK_VERSION
                        ? " @" + expectedVersion
                        : "");
    }
}
