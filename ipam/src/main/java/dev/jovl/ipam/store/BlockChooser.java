package dev.jovl.ipam.store;

import dev.jovl.ipam.net.AllocationRange;
import java.math.BigInteger;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Where a host's next "any" address comes from, given every stored block of the pool. In order:
 * <ol>
 *   <li>its own blocks, at or after its cursor (the address after the last one it handed out);</li>
 *   <li>a block nobody has stored yet (entirely free), the first at or after the pool's claim
 *       cursor (the block after the last one claimed by any host), wrapping: the host claims it
 *       with the allocation;</li>
 *   <li>a stored block without an owner (its host died, or stored by an older jovl): claimed too;</li>
 *   <li>its own blocks before the cursor (addresses it released, now that no block is free);</li>
 *   <li>a free address in another host's block (borrowed; the block stays theirs).</li>
 * </ol>
 * Only when all five find nothing is the range exhausted. Hosts thus allocate in blocks of their
 * own and meet only when they claim blocks or the pool is nearly full. An address released in a
 * block that still holds others comes back only once its host has used up every free block; one
 * whose block emptied (and was deleted) only once the claim cursor went round the pool.
 *
 * <p>Cost is proportional to the number of stored blocks, never to the size of the range: a
 * missing block is entirely free.
 */
public final class BlockChooser {

    private BlockChooser() {}

    /** Where the address was found, in the order they are tried. */
    public enum Source {
        OWN,
        FREE_BLOCK,
        UNOWNED_BLOCK,
        OWN_BEFORE_CURSOR,
        BORROWED
    }

    /** The address and where it was found. */
    public record Choice(BigInteger offset, Source source) {
        /** Whether the block becomes the host's with this allocation. */
        public boolean claim() {
            return source == Source.FREE_BLOCK || source == Source.UNOWNED_BLOCK;
        }
    }

    public static Optional<Choice> choose(
            BlockLayout layout,
            AllocationRange range,
            BigInteger cursor,
            BigInteger claimCursor,
            String host,
            NavigableMap<BigInteger, BlockValue> blocks) {
        BigInteger from = cursor == null || cursor.compareTo(range.lo()) < 0 || cursor.compareTo(range.hi()) > 0
                ? range.lo()
                : cursor;
        BigInteger first = layout.blockOf(range.lo());
        BigInteger last = layout.blockOf(range.hi());
        BigInteger fromBlock = layout.blockOf(from);
        NavigableMap<BigInteger, BlockValue> inRange = blocks.subMap(first, true, last, true);

        Optional<BigInteger> own =
                firstFree(layout, range, inRange.tailMap(fromBlock, true).entrySet(), v -> v.ownedBy(host), from);
        if (own.isPresent()) {
            return own.map(o -> new Choice(o, Source.OWN));
        }
        BigInteger claimFrom =
                claimCursor == null || claimCursor.compareTo(first) < 0 || claimCursor.compareTo(last) > 0
                        ? first
                        : claimCursor;
        Optional<BigInteger> missing = firstMissing(inRange, claimFrom, last)
                .or(() -> firstMissing(inRange, first, claimFrom.subtract(BigInteger.ONE)));
        if (missing.isPresent()) {
            return missing.map(b -> new Choice(layout.start(b).max(range.lo()), Source.FREE_BLOCK));
        }
        Optional<BigInteger> unowned = firstFreeFrom(layout, range, inRange, fromBlock, true);
        if (unowned.isPresent()) {
            return unowned.map(o -> new Choice(o, Source.UNOWNED_BLOCK));
        }
        Optional<BigInteger> ownBefore = firstFree(layout, range, inRange.entrySet(), v -> v.ownedBy(host), range.lo());
        if (ownBefore.isPresent()) {
            return ownBefore.map(o -> new Choice(o, Source.OWN_BEFORE_CURSOR));
        }
        return firstFreeFrom(layout, range, inRange, fromBlock, false).map(o -> new Choice(o, Source.BORROWED));
    }

    /** The first free offset of any stored block (or only of unowned ones), from {@code fromBlock} on, wrapping. */
    private static Optional<BigInteger> firstFreeFrom(
            BlockLayout layout,
            AllocationRange range,
            NavigableMap<BigInteger, BlockValue> blocks,
            BigInteger fromBlock,
            boolean unownedOnly) {
        Predicate<BlockValue> which = unownedOnly ? v -> v.owner() == null : v -> true;
        return firstFree(layout, range, blocks.tailMap(fromBlock, true).entrySet(), which, range.lo())
                .or(() -> firstFree(
                        layout, range, blocks.headMap(fromBlock, false).entrySet(), which, range.lo()));
    }

    /** The first free offset at or after {@code from} in the blocks that {@code which} accepts. */
    private static Optional<BigInteger> firstFree(
            BlockLayout layout,
            AllocationRange range,
            Iterable<Map.Entry<BigInteger, BlockValue>> blocks,
            Predicate<BlockValue> which,
            BigInteger from) {
        for (Map.Entry<BigInteger, BlockValue> e : blocks) {
            if (which.test(e.getValue())) {
                Optional<BigInteger> free = freeIn(layout, range, e.getKey(), e.getValue(), from);
                if (free.isPresent()) {
                    return free;
                }
            }
        }
        return Optional.empty();
    }

    /** The first block index in {@code [a, b]} that is not stored. */
    private static Optional<BigInteger> firstMissing(
            NavigableMap<BigInteger, BlockValue> blocks, BigInteger a, BigInteger b) {
        if (a.compareTo(b) > 0) {
            return Optional.empty();
        }
        BigInteger candidate = a;
        for (BigInteger stored : blocks.subMap(a, true, b, true).keySet()) {
            if (stored.compareTo(candidate) > 0) {
                return Optional.of(candidate);
            }
            candidate = stored.add(BigInteger.ONE);
        }
        return candidate.compareTo(b) <= 0 ? Optional.of(candidate) : Optional.empty();
    }

    /** The first free offset of a block inside the range, at or after {@code from}. */
    private static Optional<BigInteger> freeIn(
            BlockLayout layout, AllocationRange range, BigInteger block, BlockValue value, BigInteger from) {
        BigInteger lo = layout.start(block).max(range.lo()).max(from);
        BigInteger hi = layout.end(block).min(range.hi());
        if (lo.compareTo(hi) > 0) {
            return Optional.empty();
        }
        int bit = value.bits().nextClear(layout.bitOf(lo), layout.bitOf(hi));
        return bit < 0 ? Optional.empty() : Optional.of(layout.start(block).add(BigInteger.valueOf(bit)));
    }
}
