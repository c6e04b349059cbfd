package dev.jovl.ipam;

import dev.jovl.ipam.IpamException.Kind;
import dev.jovl.ipam.PoolManager.ResolvedPool;
import dev.jovl.ipam.net.AllocationRange;
import dev.jovl.ipam.store.BlockBitmap;
import dev.jovl.ipam.store.FreeAddressFinder;
import dev.jovl.ipam.store.Holders;
import dev.jovl.ipam.store.IpamKeys;
import dev.jovl.ipam.store.StoredRecords;
import dev.jovl.ipam.store.StoredRecords.AddressRecord;
import dev.jovl.ipam.store.StoredRecords.PoolState;
import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Op;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.Txn;
import dev.jovl.net.IpAddress;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Addresses of pools: any free one, a specific one, the gateway; release; listing.
 *
 * <p>Every allocation is one transaction that checks the pool definition's version (the pool was
 * not released meanwhile), compare-and-sets the address's block bitmap and, for "any", the cursor,
 * and creates the address record: two hosts can never both get an address, and a request that
 * fails writes nothing. What this host last read of a pool is cached; the transaction validates
 * the cache, and a lost race drops it and reads again.
 */
final class AddressAllocator {

    private final Store store;
    private final IpamKeys keys;
    private final StoreSteps retry;
    private final String hostId;
    private final PoolManager pools;
    /** Far more pools than one host's networks use; beyond it the cache starts over. */
    static final int MAX_CACHED_POOLS = 1024;

    private final Map<String, PoolCache> caches = new ConcurrentHashMap<>();

    AddressAllocator(Store store, IpamKeys keys, StoreSteps retry, String hostId, PoolManager pools) {
        this.store = store;
        this.keys = keys;
        this.retry = retry;
        this.hostId = hostId;
        this.pools = pools;
    }

    /** Any free address, searched from the pool's cursor. Returns CIDR form ({@code 10.10.0.2/24}). */
    String requestAny(PoolId id, String mac, boolean swarm) {
        return locked(id, "request an address from pool " + id, cache -> {
            boolean fresh = cache.pool == null;
            ResolvedPool pool = cache.pool();
            if (fresh && mac != null) {
                Optional<IpAddress> previous = addressOfMac(pool, mac);
                if (previous.isPresent()) {
                    return pool.id().subnet().withPrefix(previous.get());
                }
            }
            AllocationRange range = pool.range();
            Optional<KeyValue> cursorKv = cache.cursor();
            BigInteger from = FreeAddressFinder.clamp(
                    range,
                    cursorKv.map(kv -> new BigInteger(kv.valueAsString())).orElse(null));
            Optional<BigInteger> found =
                    FreeAddressFinder.inCursorBlock(range, from, bitmap(cache.block(BlockBitmap.blockOf(from))));
            if (found.isEmpty()) {
                found = FreeAddressFinder.anywhere(range, from, cache.loadAllBlocks());
            }
            if (found.isEmpty() && !fresh && mac != null) {
                // a warm cache skipped the MAC lookup above: a resend whose first answer (this
                // pool's last address) was lost must get that address, not "exhausted"
                Optional<IpAddress> previous = addressOfMac(pool, mac);
                if (previous.isPresent()) {
                    return pool.id().subnet().withPrefix(previous.get());
                }
            }
            BigInteger offset = found.orElseThrow(() -> new IpamException(
                    Kind.POOL_EXHAUSTED,
                    "pool " + id
                            + " is exhausted: all " + range.capacity() + " addresses of "
                            + (range.subRange() != null ? "ip-range " + range.subRange() : "the subnet")
                            + " are in use"));
            List<Op> cursorOp = List.of(Op.compareAndSet(
                    keys.cursor(pool.key(), pool.generation()),
                    cursorKv.map(KeyValue::version).orElse(0L),
                    utf8(offset.add(BigInteger.ONE).toString())));
            return commitAllocation(cache, offset, false, mac, mac != null, swarmTenure(pool, swarm), cursorOp);
        });
    }

    /** A specific address ({@code --ip}, {@code --aux-address}); anywhere in the subnet, not only in the ip-range. */
    String requestSpecific(PoolId id, IpAddress address, String mac, boolean swarm) {
        return locked(id, "request address " + address + " from pool " + id, cache -> {
            boolean fresh = cache.pool == null;
            ResolvedPool pool = cache.pool();
            checkAllocatable(pool, address);
            boolean indexMac = mac != null;
            if (fresh && mac != null) {
                Optional<IpAddress> previous = addressOfMac(pool, mac);
                if (previous.filter(address::equals).isPresent()) {
                    return pool.id().subnet().withPrefix(address); // resent request
                }
                // the MAC already has another address here (a container given a fixed --mac-address
                // and a new --ip): allocate, but leave the MAC pointing at the first one
                indexMac = previous.isEmpty();
            }
            BigInteger offset = pool.id().subnet().offsetOf(address);
            if (swarm && replayedForSwarm(pool, address)) {
                return pool.id().subnet().withPrefix(address);
            }
            if (failIfTaken(cache, offset, address, mac, "address " + address)) {
                return pool.id().subnet().withPrefix(address); // resent request, seen with a warm cache
            }
            return commitAllocation(cache, offset, false, mac, indexMac, swarmTenure(pool, swarm), List.of());
        });
    }

    /**
     * The gateway: reserved once per pool and shared by every host that asks (standalone mode: each
     * host's Docker requests it). Without an address it is the first address of the range, the
     * same on every host.
     */
    String requestGateway(PoolId id, IpAddress requested, boolean swarm) {
        return locked(id, "request the gateway of pool " + id, cache -> {
            ResolvedPool pool = cache.pool();
            KeyValue stateKv = holdersKv(pool);
            PoolState state = StoredRecords.read(stateKv.value(), PoolState.class);
            if (state.gateway() != null) {
                IpAddress gateway = IpAddress.parse(state.gateway());
                if (requested != null && !requested.equals(gateway)) {
                    throw new IpamException(
                            Kind.ADDRESS_IN_USE,
                            "pool " + id + " already has gateway " + gateway
                                    + "; every network on this subnet must use the same --gateway (asked for "
                                    + requested + ")");
                }
                PoolState next = swarm
                        ? SwarmHolders.takeOver(state, hostId)
                        : state.withGateway(state.gateway(), Holders.add(state.gatewayHolders(), hostId));
                if (!next.equals(state)) {
                    store.commit(Txn.of(
                            Op.checkVersion(keys.pool(pool.key()), pool.version()),
                            Op.compareAndSet(keys.holders(pool.key()), stateKv.version(), StoredRecords.write(next))));
                }
                return pool.id().subnet().withPrefix(gateway);
            }
            IpAddress gateway = requested != null
                    ? requested
                    : pool.id().subnet().addressAt(pool.range().lo());
            checkAllocatable(pool, gateway);
            BigInteger offset = pool.id().subnet().offsetOf(gateway);
            failIfTaken(cache, offset, gateway, null, "gateway " + gateway);
            PoolState withGateway = state.withGateway(gateway.toString(), List.of(hostId));
            Op setGateway = Op.compareAndSet(
                    keys.holders(pool.key()),
                    stateKv.version(),
                    StoredRecords.write(swarm ? SwarmHolders.takeOver(withGateway, hostId) : withGateway));
            return commitAllocation(cache, offset, true, null, false, null, List.of(setGateway));
        });
    }

    /**
     * ReleaseAddress. An address (or pool) that is already gone is fine: Docker may resend. The
     * gateway is freed only when its last holder releases it.
     */
    void release(PoolId id, IpAddress address) {
        locked(id, "release address " + address + " of pool " + id, cache -> {
            Optional<ResolvedPool> found = cache.poolIfExists();
            if (found.isEmpty()) {
                return null;
            }
            ResolvedPool pool = found.get();
            if (!pool.id().subnet().contains(address)) {
                throw new IpamException(Kind.ADDRESS_OUTSIDE_POOL, address + " is outside pool " + id);
            }
            releaseOnce(cache, pool, address, hostId);
            return null;
        });
    }

    private void releaseOnce(PoolCache cache, ResolvedPool pool, IpAddress address, String releasingHost) {
        Optional<KeyValue> addressKv = store.get(keys.address(pool.key(), pool.generation(), address.toString()));
        if (addressKv.isEmpty()) {
            return;
        }
        AddressRecord record = StoredRecords.read(addressKv.get().value(), AddressRecord.class);
        List<Op> ops = new ArrayList<>();
        if (record.gateway()) {
            KeyValue stateKv = holdersKv(pool);
            PoolState state = StoredRecords.read(stateKv.value(), PoolState.class);
            List<String> holders =
                    Holders.release(state.gatewayHolders(), releasingHost, pools.isGlobalSpace(pool.id()));
            if (!state.gatewayHolders().isEmpty() && holders.equals(state.gatewayHolders())) {
                return; // this host does not hold the gateway: nothing to release (idempotent)
            }
            if (!holders.isEmpty()) { // other hosts still use it
                store.commit(Txn.of(
                        Op.checkVersion(keys.pool(pool.key()), pool.version()),
                        Op.compareAndSet(
                                keys.holders(pool.key()),
                                stateKv.version(),
                                StoredRecords.write(state.withGateway(state.gateway(), holders)))));
                return;
            }
            ops.add(Op.compareAndSet(
                    keys.holders(pool.key()),
                    stateKv.version(),
                    StoredRecords.write(state.withGateway(null, List.of()))));
        }
        if (record.mac() != null) {
            store.get(keys.mac(pool.key(), pool.generation(), record.mac()))
                    .filter(kv -> kv.valueAsString().equals(address.toString()))
                    .ifPresent(kv -> ops.add(Op.deleteIfVersion(kv.key(), kv.version())));
        }
        ops.add(Op.deleteIfVersion(addressKv.get().key(), addressKv.get().version()));
        commitBlockChange(cache, pool, pool.id().subnet().offsetOf(address), false, ops);
    }

    /**
     * Releases every non-gateway address whose record names {@code deadHost}, in every pool. The
     * gateway stays: it belongs to the network, which outlives any one host.
     *
     * @return how many addresses were released
     */
    int releaseOwnedBy(String deadHost) {
        int released = 0;
        for (PoolId id : pools.listPools()) {
            List<Allocation> allocations;
            try {
                allocations = list(id);
            } catch (IpamException e) {
                if (e.kind() == Kind.UNKNOWN_POOL) {
                    continue; // released meanwhile
                }
                throw e;
            }
            for (Allocation a : allocations) {
                if (a.gateway() || a.swarm() || !deadHost.equals(a.host())) {
                    continue; // the network's gateway and the swarm's addresses outlive any one host
                }
                IpAddress address = IpAddress.parse(a.address());
                locked(id, "release address " + address + " of dead host " + deadHost, cache -> {
                    Optional<ResolvedPool> pool = cache.poolIfExists();
                    pool.ifPresent(p -> releaseOnce(cache, p, address, deadHost));
                    return null;
                });
                released++;
            }
        }
        return released;
    }

    /** Every allocated address of the pool, in address order. */
    List<Allocation> list(PoolId id) {
        ResolvedPool pool = pools.require(id);
        List<Allocation> out = new ArrayList<>();
        for (KeyValue kv :
                store.list(keys.addressesPrefix(pool.key(), pool.generation())).entries()) {
            AddressRecord r = StoredRecords.read(kv.value(), AddressRecord.class);
            out.add(new Allocation(r.address(), r.host(), r.gateway(), r.mac(), r.allocatedAt(), r.swarmOwned()));
        }
        out.sort(Comparator.comparing(a -> IpAddress.parse(a.address())));
        return out;
    }

    /** Forgets what this host cached of the pool (after it was released here). */
    void forget(PoolId id) {
        caches.remove(id.toString());
    }

    private void checkAllocatable(ResolvedPool pool, IpAddress address) {
        String why = pool.range().whyNotAllocatable(address);
        if (why != null) {
            throw new IpamException(Kind.ADDRESS_OUTSIDE_POOL, why + " (pool " + pool.id() + ")");
        }
    }

    /** Throws ADDRESS_IN_USE if the bit is set in a fresh read of its block. */
    /**
     * Throws if the address is taken by anyone but {@code mac}'s endpoint.
     *
     * @return true if {@code mac} (not null) already holds it: a resent request
     */
    private boolean failIfTaken(PoolCache cache, BigInteger offset, IpAddress address, String mac, String what) {
        BigInteger block = BlockBitmap.blockOf(offset);
        if (!bitmap(cache.block(block)).get(BlockBitmap.bitOf(offset))) {
            return false;
        }
        cache.blocks.remove(block); // the cached bitmap may be stale: decide on a fresh read
        if (!bitmap(cache.block(block)).get(BlockBitmap.bitOf(offset))) {
            return false;
        }
        ResolvedPool pool = cache.pool();
        Optional<AddressRecord> holder = store.get(keys.address(pool.key(), pool.generation(), address.toString()))
                .map(kv -> StoredRecords.read(kv.value(), AddressRecord.class));
        if (mac != null
                && holder.filter(r -> !r.gateway() && mac.equals(r.mac())).isPresent()) {
            return true;
        }
        String owner = holder.map(r -> r.gateway() ? " as the gateway" : " by a container on host " + r.host())
                .orElse("");
        throw new IpamException(Kind.ADDRESS_IN_USE, what + " is already in use" + owner + " (pool " + pool.id() + ")");
    }

    /**
     * Commits the allocation of {@code offset}; with {@code indexMac} also the MAC entry, created
     * only if absent: if it exists the transaction fails and the retry, on a cold cache, finds it.
     */
    private String commitAllocation(
            PoolCache cache,
            BigInteger offset,
            boolean gateway,
            String mac,
            boolean indexMac,
            Long swarmTenure,
            List<Op> extra) {
        ResolvedPool pool = cache.pool();
        IpAddress address = pool.id().subnet().addressAt(offset);
        List<Op> ops = new ArrayList<>(extra);
        AddressRecord record = new AddressRecord(
                address.toString(), hostId, gateway, mac, Instant.now().toString(), swarmTenure);
        ops.add(Op.create(
                keys.address(pool.key(), pool.generation(), address.toString()), StoredRecords.write(record)));
        if (indexMac) {
            ops.add(Op.create(keys.mac(pool.key(), pool.generation(), mac), utf8(address.toString())));
        }
        commitBlockChange(cache, pool, offset, true, ops);
        return pool.id().subnet().withPrefix(address);
    }

    /** Commits {@code ops} together with the pool check and the block bit flip; updates the cache. */
    private void commitBlockChange(
            PoolCache cache, ResolvedPool pool, BigInteger offset, boolean allocate, List<Op> ops) {
        BigInteger block = BlockBitmap.blockOf(offset);
        Optional<KeyValue> blockKv = cache.block(block);
        BlockBitmap next = bitmap(blockKv).with(BlockBitmap.bitOf(offset), allocate);
        String blockKey = keys.block(pool.key(), pool.generation(), block);
        long blockVersion = blockKv.map(KeyValue::version).orElse(0L);
        List<Op> all = new ArrayList<>(ops);
        all.add(Op.checkVersion(keys.pool(pool.key()), pool.version()));
        int blockOp = all.size();
        all.add(
                next.isEmpty()
                        ? Op.deleteIfVersion(blockKey, blockVersion)
                        : Op.compareAndSet(blockKey, blockVersion, next.encode()));
        Store.TxnResult result = store.commit(new Txn(all));
        cache.blocks.put(
                block,
                next.isEmpty()
                        ? Optional.empty()
                        : Optional.of(new KeyValue(blockKey, next.encode(), result.version(blockOp), "")));
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).key().equals(keys.cursor(pool.key(), pool.generation()))) {
                cache.cursor =
                        Optional.of(new KeyValue(all.get(i).key(), all.get(i).value(), result.version(i), ""));
            }
        }
    }

    /** The pool's current swarm tenure for an allocation the swarm asked for; null for a host's own. */
    private Long swarmTenure(ResolvedPool pool, boolean swarm) {
        if (!swarm) {
            return null;
        }
        return StoredRecords.read(holdersKv(pool).value(), PoolState.class).swarmTenure();
    }

    /**
     * A swarm request for an address the swarm already holds from an earlier tenure (a new leader's
     * allocator restoring what the old one allocated): the address is confirmed for the current
     * tenure and answered. The same address asked for twice in one tenure, or held by a host's
     * container, is not a replay: the caller goes on to refuse it.
     *
     * @return true if this was a replay, now recorded
     */
    private boolean replayedForSwarm(ResolvedPool pool, IpAddress address) {
        Optional<KeyValue> kv = store.get(keys.address(pool.key(), pool.generation(), address.toString()));
        if (kv.isEmpty()) {
            return false;
        }
        AddressRecord record = StoredRecords.read(kv.get().value(), AddressRecord.class);
        if (!record.swarmOwned() || record.gateway()) {
            return false;
        }
        long tenure =
                StoredRecords.read(holdersKv(pool).value(), PoolState.class).swarmTenure();
        if (record.swarmTenure() >= tenure) {
            return false;
        }
        store.commit(Txn.of(
                Op.checkVersion(keys.pool(pool.key()), pool.version()),
                Op.compareAndSet(
                        kv.get().key(), kv.get().version(), StoredRecords.write(record.withSwarmTenure(tenure)))));
        return true;
    }

    private KeyValue holdersKv(ResolvedPool pool) {
        return store.get(keys.holders(pool.key()))
                .orElseThrow(() -> new StoreException.Conflict(
                        keys.holders(pool.key()), "pool " + pool.id() + " is being released"));
    }

    private Optional<IpAddress> addressOfMac(ResolvedPool pool, String mac) {
        return store.get(keys.mac(pool.key(), pool.generation(), mac)).map(kv -> IpAddress.parse(kv.valueAsString()));
    }

    private static BlockBitmap bitmap(Optional<KeyValue> kv) {
        return kv.map(k -> BlockBitmap.decode(k.value())).orElseGet(BlockBitmap::empty);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private interface Step<T> {
        T run(PoolCache cache);
    }

    /**
     * Runs {@code step} under the pool's lock (requests of this host for one pool would only race
     * each other), retrying lost races with the cache dropped; the back-off sleeps outside the lock.
     */
    private <T> T locked(PoolId id, String what, Step<T> step) {
        if (caches.size() >= MAX_CACHED_POOLS) {
            caches.clear(); // more pools than any host uses: start over rather than grow
        }
        PoolCache cache = caches.computeIfAbsent(id.toString(), k -> new PoolCache(id));
        try {
            return retry.run(what, () -> {
                synchronized (cache) {
                    try {
                        return step.run(cache);
                    } catch (StoreException.Conflict | IpamException e) {
                        cache.clear();
                        throw e;
                    }
                }
            });
        } finally {
            synchronized (cache) {
                if (cache.pool == null) {
                    // a pool that does not exist (or failed to load) keeps no entry: a request
                    // naming an unknown PoolID must not leave memory behind
                    caches.remove(id.toString(), cache);
                }
            }
        }
    }

    /** Pools whose cache entry this host holds (tests). */
    int cachedPools() {
        return caches.size();
    }

    /** What this host last read of one pool; every transaction re-checks the versions it used. */
    private final class PoolCache {
        private final PoolId id;
        private ResolvedPool pool;
        private Optional<KeyValue> cursor;
        private final Map<BigInteger, Optional<KeyValue>> blocks = new HashMap<>();

        PoolCache(PoolId id) {
            this.id = id;
        }

        void clear() {
            pool = null;
            cursor = null;
            blocks.clear();
        }

        ResolvedPool pool() {
            if (pool == null) {
                pool = pools.require(id);
            }
            return pool;
        }

        Optional<ResolvedPool> poolIfExists() {
            if (pool == null) {
                pool = pools.find(id).orElse(null);
            }
            return Optional.ofNullable(pool);
        }

        Optional<KeyValue> cursor() {
            if (cursor == null) {
                cursor = store.get(keys.cursor(pool().key(), pool().generation()));
            }
            return cursor;
        }

        Optional<KeyValue> block(BigInteger block) {
            return blocks.computeIfAbsent(block, b -> store.get(keys.block(pool().key(), pool().generation(), b)));
        }

        /** Reads every stored block of the pool: the full search when the cursor's block is full. */
        NavigableMap<BigInteger, BlockBitmap> loadAllBlocks() {
            NavigableMap<BigInteger, BlockBitmap> all = new TreeMap<>();
            blocks.clear();
            for (KeyValue kv : store.list(keys.blocksPrefix(pool().key(), pool().generation()))
                    .entries()) {
                BigInteger index = IpamKeys.blockIndexOf(kv.key());
                blocks.put(index, Optional.of(kv));
                all.put(index, BlockBitmap.decode(kv.value()));
            }
            return all;
        }
    }
}
