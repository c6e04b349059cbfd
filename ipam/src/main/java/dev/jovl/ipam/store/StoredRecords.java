package dev.jovl.ipam.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.jovl.kvstore.RecordJson;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The JSON values the IPAM keeps in the store, and their (de)serialisation. */
public final class StoredRecords {

    private StoredRecords() {}

    public static byte[] write(Object value) {
        return RecordJson.write(value);
    }

    public static <T> T read(byte[] bytes, Class<T> type) {
        try {
            return RecordJson.read(bytes, type, "the IPAM's keys");
        } catch (UncheckedIOException e) {
            throw new IllegalStateException("corrupt IPAM record (" + type.getSimpleName() + "): " + e.getMessage(), e);
        }
    }

    /** All PoolIDs; the one key every pool creation and deletion compares-and-sets. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PoolIndex(List<String> pools) {
        public PoolIndex {
            pools = pools == null ? List.of() : List.copyOf(pools);
        }

        public PoolIndex with(String poolId) {
            List<String> next = new ArrayList<>(pools);
            next.add(poolId);
            next.sort(null);
            return new PoolIndex(next);
        }

        public PoolIndex without(String poolId) {
            List<String> next = new ArrayList<>(pools);
            next.remove(poolId);
            return new PoolIndex(next);
        }
    }

    /** What a pool is; immutable for the life of the pool. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PoolDefinition(
            String poolId,
            String addressSpace,
            String subnet,
            String subRange,
            String generation,
            String createdBy,
            String createdAt) {}

    /**
     * Who holds the pool, and its gateway. Holders are kept in the order they came: in the global
     * address space a release from a host that is not a holder drops the oldest one.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PoolState(List<String> holders, String gateway, List<String> gatewayHolders) {
        public PoolState {
            holders = holders == null ? List.of() : List.copyOf(holders);
            gatewayHolders = gatewayHolders == null ? List.of() : List.copyOf(gatewayHolders);
        }
    }

    /** One allocated address. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record AddressRecord(String address, String host, boolean gateway, String mac, String allocatedAt) {}
}
