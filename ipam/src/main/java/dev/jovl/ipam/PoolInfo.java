package dev.jovl.ipam;

import java.util.List;

/**
 * A pool as listed for {@code jovl status}.
 *
 * @param poolId         the PoolID Docker knows it by
 * @param subnet         the subnet, CIDR
 * @param ipRange        the {@code --ip-range} sub-pool, or null
 * @param gateway        the reserved gateway address (plain), or null
 * @param holders        hosts holding the pool, oldest first
 * @param gatewayHolders hosts that requested the gateway
 * @param createdBy      host that created the pool
 * @param createdAt      ISO-8601 instant
 */
public record PoolInfo(
        String poolId,
        String subnet,
        String ipRange,
        String gateway,
        List<String> holders,
        List<String> gatewayHolders,
        String createdBy,
        String createdAt) {}
