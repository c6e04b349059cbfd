package dev.jovl.ipam.store;

import dev.jovl.ipam.net.AllocationRange;
import java.math.BigInteger;

/**
 * How a pool is cut into affinity blocks: aligned runs of {@code 2^shift} offsets of the subnet,
 * each one stored key ({@link BlockValue}) once one of its addresses is allocated. A block is at
 * most {@value BlockBitmap#SIZE} addresses (one bitmap).
 *
 * <p>The size is chosen once, when the pool is created, from its "any" range: 16 blocks for a
 * small range, 64 addresses (a /26, Calico's default) from 1024 addresses on, at least 4 addresses.
 * A /24 thus serves 16 hosts of 16 addresses before any host has to borrow from another's block.
 * Pools stored before blocks had owners have no size recorded: theirs is 256 ({@link #LEGACY}).
 */
public record BlockLayout(int shift) {

    public static final int MIN_SHIFT = 2;
    public static final int MAX_SHIFT = 6;
    public static final BlockLayout LEGACY = new BlockLayout(BlockBitmap.SHIFT);

    public BlockLayout {
        if (shift < 0 || shift > BlockBitmap.SHIFT) {
            throw new IllegalArgumentException("block shift " + shift + " outside 0.." + BlockBitmap.SHIFT);
        }
    }

    /** The layout for a new pool whose "any" addresses come from {@code range}. */
    public static BlockLayout forRange(AllocationRange range) {
        int bits = range.capacity().bitLength();
        return new BlockLayout(Math.clamp(bits - 4, MIN_SHIFT, MAX_SHIFT));
    }

    /** The stored size (null: a pool from before, {@link #LEGACY}). */
    public static BlockLayout of(Integer storedShift) {
        return storedShift == null ? LEGACY : new BlockLayout(storedShift);
    }

    public int size() {
        return 1 << shift;
    }

    public BigInteger blockOf(BigInteger offset) {
        return offset.shiftRight(shift);
    }

    public int bitOf(BigInteger offset) {
        return offset.intValue() & (size() - 1);
    }

    public BigInteger start(BigInteger block) {
        return block.shiftLeft(shift);
    }

    public BigInteger end(BigInteger block) {
        return start(block.add(BigInteger.ONE)).subtract(BigInteger.ONE);
    }
}
