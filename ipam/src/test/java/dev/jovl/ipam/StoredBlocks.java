package dev.jovl.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.ipam.store.BlockBitmap;
import dev.jovl.ipam.store.BlockLayout;
import dev.jovl.ipam.store.BlockValue;
import dev.jovl.ipam.store.IpamKeys;
import dev.jovl.ipam.store.StoredRecords;
import dev.jovl.ipam.store.StoredRecords.PoolDefinition;
import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Store;
import dev.jovl.net.Cidr;
import dev.jovl.net.IpAddress;
import java.math.BigInteger;
import java.util.TreeMap;
import java.util.TreeSet;

/** Test check: a pool's stored blocks agree with its address records (tests of every package). */
public final class StoredBlocks {

    private StoredBlocks() {}

    /**
     * Asserts that the bits set in the pool's blocks are exactly its address records, that no
     * empty block is left, that no bit lies outside its block, and that every block has an owner.
     *
     * @return allocated offset to the owner of its block
     */
    public static TreeMap<BigInteger, String> assertMatchRecords(Store store, String keyPrefix, String poolId) {
        return assertMatchRecords(store, keyPrefix, poolId, true);
    }

    /** As above; without {@code ownersRequired} a block may have no owner (its host was declared dead). */
    public static TreeMap<BigInteger, String> assertMatchRecords(
            Store store, String keyPrefix, String poolId, boolean ownersRequired) {
        IpamKeys keys = new IpamKeys(keyPrefix);
        PoolDefinition def =
                StoredRecords.read(store.get(keys.pool(poolId)).orElseThrow().value(), PoolDefinition.class);
        BlockLayout layout = BlockLayout.of(def.blockShift());
        Cidr subnet = Cidr.parse(def.subnet());
        TreeMap<BigInteger, String> fromBits = new TreeMap<>();
        for (KeyValue kv :
                store.list(keys.blocksPrefix(poolId, def.generation())).entries()) {
            BlockValue b = BlockValue.decode(kv.value());
            assertTrue(!b.bits().isEmpty(), "empty block left in the store: " + kv.key());
            assertTrue(!ownersRequired || b.owner() != null, "block without an owner: " + kv.key());
            BigInteger start = layout.start(IpamKeys.blockIndexOf(kv.key()));
            for (int bit = 0; bit < BlockBitmap.SIZE; bit++) {
                if (b.bits().get(bit)) {
                    assertTrue(bit < layout.size(), "bit " + bit + " outside a block of " + layout.size());
                    fromBits.put(start.add(BigInteger.valueOf(bit)), b.owner());
                }
            }
        }
        TreeSet<BigInteger> records = new TreeSet<>();
        for (KeyValue kv :
                store.list(keys.addressesPrefix(poolId, def.generation())).entries()) {
            String address = StoredRecords.read(kv.value(), StoredRecords.AddressRecord.class)
                    .address();
            records.add(subnet.offsetOf(IpAddress.parse(address)));
        }
        assertEquals(records, fromBits.navigableKeySet(), "block bitmaps disagree with the address records");
        return fromBits;
    }
}
