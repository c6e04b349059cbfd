package dev.jovl.kvstore;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One stored key: its value, its version (the revision of its last write) and the id of the lease
 * it is bound to ({@code ""} when none).
 */
public record KeyValue(String key, byte[] value, long version, String leaseId) {

    public KeyValue {
        leaseId = leaseId == null ? "" : leaseId;
    }

    public String valueAsString() {
        return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyValue kv
                && kv.key.equals(key)
                && Arrays.equals(kv.value, value)
                && kv.version == version
                && kv.leaseId.equals(leaseId);
    }

    @Override
    public int hashCode() {
        return key.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "KeyValue[" + key + "@" + version + ", " + value.length + " bytes"
                + (leaseId.isEmpty() ? "" : ", lease " + leaseId) + "]";
    }
}
