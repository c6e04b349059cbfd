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
     *
     * <p>{@code swarmTenure} counts the swarm allocators that took this pool over: each swarm
     * gateway request (a new leader's allocator starting, or the network's first allocation)
     * raises it. 0: never allocated by a swarm.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PoolState(List<String> holders, String gateway, List<String> gatewayHolders, long swarmTenure) {
        public PoolState {
            holders = holders == null ? List.of() : List.copyOf(holders);
            gatewayHolders = gatewayHolders == null ? List.of() : List.copyOf(gatewayHolders);
        }

        public PoolState withHolders(List<String> next) {
            return new PoolState(next, gateway, gatewayHolders, swarmTenure);
        }

        public PoolState withGateway(String nextGateway, List<String> nextGatewayHolders) {
            return new PoolState(holders, nextGateway, nextGatewayHolders, swarmTenure);
        }

        public PoolState withSwarmTenure(long tenure) {
            return new PoolState(holders, gateway, gatewayHolders, tenure);
        }
    }

    /**
     * One allocated address. {@code swarmTenure} is set only for addresses the swarm's allocator
     * holds (not one host): the tenure of the pool in which it last asked for it.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record AddressRecord(
            String address, String host, boolean gateway, String mac, String allocatedAt, Long swarmTenure) {

        public boolean swarmOwned() {
            return swarmTenure != null;
        }

        public AddressRecord withSwarmTenure(long tenure) {
            return new AddressRecord(address, host, gateway, mac, allocatedAt, tenure);
        }
    }
}
