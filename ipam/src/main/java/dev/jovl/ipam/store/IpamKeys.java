package dev.jovl.ipam.store;

import java.math.BigInteger;

/**
 * The IPAM's key layout under one prefix (default {@code jovl/v1/ipam}):
 * <pre>
 * index                          every PoolID; compare-and-set by every pool create/delete, which
 *                                makes the overlap check and the pick of a free subnet race-free
 * pools/&lt;PoolID&gt;               PoolDefinition, written once, deleted once
 * holders/&lt;PoolID&gt;             PoolState: hosts holding the pool, the gateway and its holders
 * state/&lt;PoolID&gt;/&lt;gen&gt;/claim   the block after the last one claimed; written by claims only
 * state/&lt;PoolID&gt;/&lt;gen&gt;/b/&lt;blk&gt;  BlockValue: bitmap and owner host of one block (BlockLayout),
 *                                present only while one of its addresses is allocated
 * state/&lt;PoolID&gt;/&lt;gen&gt;/a/&lt;ip&gt;   AddressRecord (owner host, gateway flag, MAC)
 * state/&lt;PoolID&gt;/&lt;gen&gt;/m/&lt;mac&gt;  the address handed to that MAC (makes resent requests idempotent)
 * </pre>
 * {@code gen} is a random generation per pool incarnation: a pool released and created again
 * never sees leftovers of the old one, even if their cleanup was interrupted.
 */
public record IpamKeys(String prefix) {

    public String index() {
        return prefix + "/index";
    }

    public String poolsPrefix() {
        return prefix + "/pools/";
    }

    public String pool(String poolId) {
        return poolsPrefix() + poolId;
    }

    public String holders(String poolId) {
        return prefix + "/holders/" + poolId;
    }

    /** Everything of every generation of the pool. */
    public String poolStatePrefix(String poolId) {
        return prefix + "/state/" + poolId + "/";
    }

    public String generationPrefix(String poolId, String generation) {
        return poolStatePrefix(poolId) + generation + "/";
    }

    /** The block after the last one a host claimed: where the next claim starts looking. */
    public String claimCursor(String poolId, String generation) {
        return generationPrefix(poolId, generation) + "claim";
    }

    public String blocksPrefix(String poolId, String generation) {
        return generationPrefix(poolId, generation) + "b/";
    }

    public String block(String poolId, String generation, BigInteger block) {
        return blocksPrefix(poolId, generation) + block.toString(16);
    }

    public static BigInteger blockIndexOf(String blockKey) {
        return new BigInteger(blockKey.substring(blockKey.lastIndexOf('/') + 1), 16);
    }

    public String addressesPrefix(String poolId, String generation) {
        return generationPrefix(poolId, generation) + "a/";
    }

    public String address(String poolId, String generation, String ip) {
        return addressesPrefix(poolId, generation) + ip;
    }

    public String mac(String poolId, String generation, String mac) {
        return generationPrefix(poolId, generation) + "m/" + mac;
    }
}
