package dev.jovl.kvstore;

import java.nio.charset.StandardCharsets;

/** The key and value rules of {@link Store}, checked before any backend is contacted. */
public final class KeyRules {
    private KeyRules() {}

    public static void checkKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new StoreException.InvalidArgument("empty key");
        }
        checkPrefix(key);
    }

    /** A prefix follows the key rules, except that it may be empty (everything). */
    public static void checkPrefix(String prefix) {
        if (prefix == null) {
            throw new StoreException.InvalidArgument("null key");
        }
        if (prefix.startsWith("/")) {
            throw new StoreException.InvalidArgument("key must not start with '/': " + abbreviate(prefix));
        }
        if (prefix.getBytes(StandardCharsets.UTF_8).length > Store.MAX_KEY_BYTES) {
            throw new StoreException.InvalidArgument(
                    "key longer than " + Store.MAX_KEY_BYTES + " bytes: " + abbreviate(prefix));
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw new StoreException.InvalidArgument(
                        "key has a character outside printable ASCII at " + i + ": " + abbreviate(prefix));
            }
        }
    }

    public static void checkValue(byte[] value) {
        if (value.length > Store.MAX_VALUE_BYTES) {
            throw new StoreException.InvalidArgument(
                    "value of " + value.length + " bytes; at most " + Store.MAX_VALUE_BYTES);
        }
    }

    public static void checkWatch(String prefix, long afterRevision) {
        checkPrefix(prefix);
        if (afterRevision < 0) {
            throw new StoreException.InvalidArgument("negative revision " + afterRevision);
        }
    }

    /** Leases shorter than a second could not be renewed reliably over a network. */
    public static void checkLeaseTtl(java.time.Duration ttl) {
        if (ttl == null || ttl.toMillis() < 1000) {
            throw new StoreException.InvalidArgument("lease TTL " + ttl + " is below 1 s");
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }
}
