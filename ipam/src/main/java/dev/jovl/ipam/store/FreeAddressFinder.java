package dev.jovl.ipam.store;

import dev.jovl.ipam.net.AllocationRange;
import java.math.BigInteger;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * Picks the next free offset of a range at or after a cursor, wrapping around once.
 *
 * <p>Starting at the cursor (the offset after the last one handed out) rather than at the lowest
 * free address is the quarantine: an address that was just released is handed out again only
 * after the whole range has been gone through, so a peer's stale ARP entry for it has long expired.
 *
 * <p>Cost is proportional to the number of blocks present in the map (blocks with allocations),
 * never to the size of the range: a missing block is entirely free and ends the search at once.
 */
public final class FreeAddressFinder {

    private FreeAddressFinder() {}

    /** Searches only the cursor's own block, from the cursor on: the common case, one stored key. */
    public static Optional<BigInteger> inCursorBlock(
            AllocationRange range, BigInteger cursor, BlockBitmap cursorBlock) {
        BigInteger from = clamp(range, cursor);
        BigInteger block = BlockBitmap.blockOf(from);
        BigInteger to = BlockBitmap.blockEnd(block).min(range.hi());
        return inBlock(block, cursorBlock, from, to);
    }

    /**
     * Searches the whole range from the cursor, wrapping around once.
     *
     * @param blocks every stored block of the pool (absent = nothing allocated in it)
     */
    public static Optional<BigInteger> anywhere(
            AllocationRange range, BigInteger cursor, NavigableMap<BigInteger, BlockBitmap> blocks) {
        BigInteger from = clamp(range, cursor);
        Optional<BigInteger> found = inSegment(blocks, from, range.hi());
        if (found.isEmpty() && from.compareTo(range.lo()) > 0) {
            found = inSegment(blocks, range.lo(), from.subtract(BigInteger.ONE));
        }
        return found;
    }

    /** The cursor as a position in the range: before or after it means "start at the beginning". */
    public static BigInteger clamp(AllocationRange range, BigInteger cursor) {
        if (cursor == null || cursor.compareTo(range.lo()) < 0 || cursor.compareTo(range.hi()) > 0) {
            return range.lo();
        }
        return cursor;
    }

    private static Optional<BigInteger> inSegment(
            NavigableMap<BigInteger, BlockBitmap> blocks, BigInteger from, BigInteger to) {
        BigInteger pos = from;
        while (pos.compareTo(to) <= 0) {
            BigInteger block = BlockBitmap.blockOf(pos);
            BlockBitmap bitmap = blocks.get(block);
            if (bitmap == null) {
                return Optional.of(pos);
            }
            BigInteger blockTo = BlockBitmap.blockEnd(block).min(to);
            Optional<BigInteger> found = inBlock(block, bitmap, pos, blockTo);
            if (found.isPresent()) {
                return found;
            }
            // next block: if it is not stored it is entirely free and the next turn returns its start
            pos = BlockBitmap.blockStart(block.add(BigInteger.ONE));
        }
        return Optional.empty();
    }

    private static Optional<BigInteger> inBlock(BigInteger block, BlockBitmap bitmap, BigInteger from, BigInteger to) {
        if (from.compareTo(to) > 0) {
            return Optional.empty();
        }
        if (bitmap == null) {
            return Optional.of(from);
        }
        int bit = bitmap.nextClear(BlockBitmap.bitOf(from), BlockBitmap.bitOf(to));
        return bit < 0
                ? Optional.empty()
                : Optional.of(BlockBitmap.blockStart(block).add(BigInteger.valueOf(bit)));
    }
}
