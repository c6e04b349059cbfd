package dev.jovl.ipam;

import dev.jovl.ipam.IpamException.Kind;
import dev.jovl.ipam.net.AllocationRange;
import dev.jovl.ipam.store.BlockLayout;
import dev.jovl.ipam.store.Holders;
import dev.jovl.ipam.store.IpamKeys;
import dev.jovl.ipam.store.StoredRecords;
import dev.jovl.ipam.store.StoredRecords.PoolDefinition;
import dev.jovl.ipam.store.StoredRecords.PoolIndex;
import dev.jovl.ipam.store.StoredRecords.PoolState;
import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Op;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.Txn;
import dev.jovl.net.Cidr;
import dev.jovl.net.Family;
import dev.jovl.net.IpAddress;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pools: creation (explicit subnet, sub-range, or a free subnet picked from the default range),
 * sharing by subnet with holders per host, release with the last holder, and lookup by PoolID.
 */
final class PoolManager {

    private static final Logger LOG = LoggerFactory.getLogger(PoolManager.class);

    private final Store store;
    private final IpamConfig config;
    private final IpamKeys keys;
    private final StoreSteps retry;
    private final String hostId;

    PoolManager(Store store, IpamConfig config, IpamKeys keys, StoreSteps retry, String hostId) {
        this.store = store;
        this.config = config;
        this.keys = keys;
        this.retry = retry;
        this.hostId = hostId;
    }

    /** A pool as read from the store, with the version its definition was read at. */
    record ResolvedPool(PoolId id, PoolDefinition definition, long version, AllocationRange range) {
        String generation() {
            return definition.generation();
        }

        BlockLayout layout() {
            return BlockLayout.of(definition.blockShift());
        }

        String key() {
            return id.toString();
        }
    }

    boolean isGlobalSpace(PoolId id) {
        return id.addressSpace().equals(config.globalAddressSpace());
    }

    Optional<ResolvedPool> find(PoolId id) {
        return store.get(keys.pool(id.toString())).map(kv -> resolve(id, kv));
    }

    /** The pool, or UNKNOWN_POOL: the message is what a user sees when a network's pool is gone. */
    ResolvedPool require(PoolId id) {
        return find(id).orElseThrow(() -> new IpamException(
                Kind.UNKNOWN_POOL,
                "unknown pool " + id
                        + ": it was released or never created (is every host using the same state store?)"));
    }

    private static ResolvedPool resolve(PoolId id, KeyValue kv) {
        PoolDefinition def = StoredRecords.read(kv.value(), PoolDefinition.class);
        Cidr sub = def.subRange() == null ? null : Cidr.parse(def.subRange());
        return new ResolvedPool(id, def, kv.version(), AllocationRange.of(id.subnet(), sub));
    }

    List<PoolId> listPools() {
        return readIndex().index().pools().stream().map(PoolId::parse).toList();
    }

    /**
     * RequestPool. Explicit subnet: the existing pool of that subnet in that space if there is one
     * (with this host added as a holder), else a new pool if it overlaps none. No subnet: a new pool
     * on the first free default subnet; never one that exists already, so Docker's overlap loop ends.
     */
    ResolvedPool requestPool(String addressSpace, String pool, String subPool, boolean v6) {
        String space = addressSpace == null || addressSpace.isEmpty() ? config.localAddressSpace() : addressSpace;
        if (!IpamConfig.isValidSpaceName(space)) {
            throw IpamException.invalid("invalid address space '" + space + "'");
        }
        Cidr subnet = pool == null || pool.isEmpty() ? null : parseCidr(pool, "subnet");
        Cidr subRange = subPool == null || subPool.isEmpty() ? null : parseCidr(subPool, "ip-range");
        Family family = v6 ? Family.V6 : Family.V4;
        if (subnet == null && subRange != null) {
            throw IpamException.invalid("ip-range " + subRange + " given without a subnet; pass --subnet too");
        }
        if (subnet != null && subnet.family() != family) {
            throw IpamException.invalid("subnet " + subnet + " is not an " + (v6 ? "IPv6" : "IPv4") + " subnet");
        }
        if (subnet != null) {
            AllocationRange range = checkedRange(subnet, subRange);
            return retry.run("request pool " + subnet, () -> requestExplicit(new PoolId(space, subnet), range));
        }
        return retry.run("request a free " + family + " pool", () -> requestFree(space, family));
    }

    private static Cidr parseCidr(String text, String what) {
        try {
            return Cidr.parse(text);
        } catch (IllegalArgumentException e) {
            throw IpamException.invalid("invalid " + what + " '" + text + "': " + e.getMessage());
        }
    }

    private static AllocationRange checkedRange(Cidr subnet, Cidr subRange) {
        try {
            return AllocationRange.of(subnet, subRange);
        } catch (IllegalArgumentException e) {
            throw IpamException.invalid(e.getMessage());
        }
    }

    private ResolvedPool requestExplicit(PoolId id, AllocationRange range) {
        return requestExplicit(id, range, true);
    }

    /**
     * @param mayRetry whether a pool of this very subnet that appears in the index after the pool
     *                 key was read (another host created it meanwhile: swarm starts a new network's
     *                 first tasks on several nodes at once) is looked up again instead of refused
     */
    private ResolvedPool requestExplicit(PoolId id, AllocationRange range, boolean mayRetry) {
        Optional<KeyValue> existing = store.get(keys.pool(id.toString()));
        if (existing.isPresent()) {
            ResolvedPool pool = resolve(id, existing.get());
            if (!Objects.equals(pool.range().subRange(), range.subRange())) {
                throw new IpamException(
                        Kind.OVERLAPPING_SUBNET,
                        "subnet " + id.subnet() + " is already a pool "
                                + (pool.range().subRange() == null
                                        ? "without an ip-range"
                                        : "with ip-range " + pool.range().subRange())
                                + "; every network on it must use the same --ip-range");
            }
            addHolder(pool);
            return pool;
        }
        IndexSnapshot index = readIndex();
        for (String other : index.index().pools()) {
            PoolId otherId = PoolId.parse(other);
            if (mayRetry && otherId.equals(id)) {
                return requestExplicit(id, range, false); // created since the pool key was read
            }
            if (otherId.addressSpace().equals(id.addressSpace())
                    && otherId.subnet().overlaps(id.subnet())) {
                throw new IpamException(
                        Kind.OVERLAPPING_SUBNET,
                        "subnet " + id.subnet() + " overlaps pool " + otherId.subnet()
                                + " already in use; choose a subnet that does not overlap it");
            }
        }
        return create(id, range.subRange(), index);
    }

    private ResolvedPool requestFree(String space, Family family) {
        IndexSnapshot index = readIndex();
        List<Cidr> taken = index.index().pools().stream()
                .map(p -> PoolId.parse(p).subnet())
                .filter(c -> c.family() == family)
                .sorted(Comparator.naturalOrder())
                .toList();
        Cidr range = family == Family.V4 ? config.defaultV4Range() : config.defaultV6Range();
        int prefix = family == Family.V4 ? config.defaultV4Prefix() : config.defaultV6Prefix();
        Cidr free = firstFreeSubnet(range, prefix, taken)
                .orElseThrow(() -> new IpamException(
                        Kind.POOL_EXHAUSTED,
                        "no free /" + prefix + " left in the default range " + range + "; pass --subnet"));
        return create(new PoolId(space, free), null, index);
    }

    /**
     * The first {@code /prefix} of {@code range} overlapping none of {@code taken} (sorted). Each
     * overlap makes the search jump past the pool it hit, so the cost grows with the number of
     * pools, not with the number of candidate subnets.
     */
    static Optional<Cidr> firstFreeSubnet(Cidr range, int prefix, List<Cidr> taken) {
        BigInteger step = BigInteger.ONE.shiftLeft(range.family().bits() - prefix);
        BigInteger end = range.last().value();
        BigInteger candidate = range.network().value();
        while (candidate.add(step).subtract(BigInteger.ONE).compareTo(end) <= 0) {
            Cidr c = new Cidr(IpAddress.of(range.family(), candidate), prefix);
            Cidr hit = null;
            for (Cidr t : taken) {
                if (t.overlaps(c)) {
                    hit = t;
                    break;
                }
            }
            if (hit == null) {
                return Optional.of(c);
            }
            BigInteger afterHit = hit.last().value().add(BigInteger.ONE);
            // round up to the next multiple of the candidate size (range is aligned to it)
            BigInteger rem = afterHit.mod(step);
            BigInteger next = rem.signum() == 0 ? afterHit : afterHit.add(step).subtract(rem);
            candidate = next.max(candidate.add(step));
        }
        return Optional.empty();
    }

    private ResolvedPool create(PoolId id, Cidr subRange, IndexSnapshot index) {
        String generation =
                HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        PoolDefinition def = new PoolDefinition(
                id.toString(),
                id.addressSpace(),
                id.subnet().toString(),
                subRange == null ? null : subRange.toString(),
                generation,
                hostId,
                Instant.now().toString(),
                BlockLayout.forRange(AllocationRange.of(id.subnet(), subRange)).shift());
        PoolState state = new PoolState(List.of(hostId), null, List.of(), 0);
        Store.TxnResult result = store.commit(Txn.of(
                index.update(keys.index(), index.index().with(id.toString())),
                Op.create(keys.pool(id.toString()), StoredRecords.write(def)),
                Op.create(keys.holders(id.toString()), StoredRecords.write(state))));
        LOG.info("created pool {} (ip-range {}, generation {}) for host {}", id, subRange, generation, hostId);
        ResolvedPool pool = new ResolvedPool(id, def, result.version(1), AllocationRange.of(id.subnet(), subRange));
        removeOtherGenerations(pool.key(), generation);
        return pool;
    }

    private void addHolder(ResolvedPool pool) {
        KeyValue stateKv = store.get(keys.holders(pool.key()))
                .orElseThrow(() -> new StoreException.Conflict(keys.holders(pool.key()), "pool being released"));
        PoolState state = StoredRecords.read(stateKv.value(), PoolState.class);
        List<String> holders = Holders.add(state.holders(), hostId);
        if (holders == state.holders()) {
            return;
        }
        store.commit(Txn.of(
                Op.checkVersion(keys.pool(pool.key()), pool.version()),
                Op.compareAndSet(
                        keys.holders(pool.key()), stateKv.version(), StoredRecords.write(state.withHolders(holders)))));
        LOG.info("host {} now also holds pool {}", hostId, pool.id());
    }

    /**
     * ReleasePool: this host lets go; the pool, its addresses and its gateway go with the last
     * holder. Releasing a pool that is gone, or that this host does not hold, changes nothing.
     */
    void releasePool(PoolId id) {
        boolean deleted = retry.run("release pool " + id, () -> releaseOnce(id));
        if (deleted) {
            LOG.info("released pool {} (last holder {})", id, hostId);
        }
    }

    private boolean releaseOnce(PoolId id) {
        Optional<ResolvedPool> found = find(id);
        Optional<KeyValue> stateKv = store.get(keys.holders(id.toString()));
        if (found.isEmpty() || stateKv.isEmpty()) {
            return false;
        }
        ResolvedPool pool = found.get();
        PoolState state = StoredRecords.read(stateKv.get().value(), PoolState.class);
        boolean global = isGlobalSpace(id);
        List<String> holders = Holders.release(state.holders(), hostId, global);
        if (holders.equals(state.holders())) {
            return false;
        }
        if (!holders.isEmpty()) {
            // the gateway stays reserved for the remaining holders; this host no longer uses it
            List<String> gatewayHolders = Holders.release(state.gatewayHolders(), hostId, false);
            store.commit(Txn.of(
                    Op.checkVersion(keys.pool(id.toString()), pool.version()),
                    Op.compareAndSet(
                            keys.holders(id.toString()),
                            stateKv.get().version(),
                            StoredRecords.write(
                                    state.withHolders(holders).withGateway(state.gateway(), gatewayHolders)))));
            return false;
        }
        IndexSnapshot index = readIndex();
        store.commit(Txn.of(
                index.update(keys.index(), index.index().without(id.toString())),
                Op.deleteIfVersion(keys.pool(id.toString()), pool.version()),
                Op.deleteIfVersion(keys.holders(id.toString()), stateKv.get().version())));
        deleteUnder(keys.generationPrefix(id.toString(), pool.generation()));
        return true;
    }

    /** Best effort: leftovers of earlier incarnations of this pool (an interrupted cleanup). */
    private void removeOtherGenerations(String poolId, String generation) {
        String keep = keys.generationPrefix(poolId, generation);
        try {
            List<String> stale = new ArrayList<>();
            for (KeyValue kv : store.list(keys.poolStatePrefix(poolId)).entries()) {
                if (!kv.key().startsWith(keep)) {
                    stale.add(kv.key());
                }
            }
            deleteKeys(stale);
        } catch (RuntimeException e) {
            // the pool exists and works: leftovers of another generation are never read
            LOG.warn("cleanup of old generations of {} interrupted: {}", poolId, e.toString());
        }
    }

    /** Deletes every key under {@code prefix}, in transactions of at most {@link Txn#MAX_OPS}. */
    private void deleteUnder(String prefix) {
        try {
            deleteKeys(store.list(prefix).entries().stream().map(KeyValue::key).toList());
        } catch (RuntimeException e) {
            // the pool is already gone from the index; a new incarnation gets a new generation
            LOG.warn("cleanup of {} interrupted: {}", prefix, e.toString());
        }
    }

    private void deleteKeys(List<String> keysToDelete) {
        for (int i = 0; i < keysToDelete.size(); i += Txn.MAX_OPS) {
            Txn.Builder txn = Txn.builder();
            keysToDelete
                    .subList(i, Math.min(keysToDelete.size(), i + Txn.MAX_OPS))
                    .forEach(k -> txn.add(Op.delete(k)));
            store.commit(txn.build());
        }
    }

    Optional<PoolState> state(PoolId id) {
        return store.get(keys.holders(id.toString())).map(kv -> StoredRecords.read(kv.value(), PoolState.class));
    }

    private IndexSnapshot readIndex() {
        return store.get(keys.index())
                .map(kv -> new IndexSnapshot(StoredRecords.read(kv.value(), PoolIndex.class), kv.version()))
                .orElse(new IndexSnapshot(new PoolIndex(List.of()), 0));
    }

    /** The pool index and the version it was read at (0: absent). */
    private record IndexSnapshot(PoolIndex index, long version) {
        /** Writes {@code next}; an empty index is deleted, so that no key is left once every pool is gone. */
        Op update(String key, PoolIndex next) {
            if (next.pools().isEmpty() && version != 0) {
                return Op.deleteIfVersion(key, version);
            }
            byte[] value = StoredRecords.write(next);
            return version == 0 ? Op.create(key, value) : Op.compareAndSet(key, version, value);
        }
    }
}
