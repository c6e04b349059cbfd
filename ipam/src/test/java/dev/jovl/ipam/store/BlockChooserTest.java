package dev.jovl.ipam.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.ipam.net.AllocationRange;
import dev.jovl.ipam.store.BlockChooser.Choice;
import dev.jovl.ipam.store.BlockChooser.Source;
import dev.jovl.net.Cidr;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The block chooser against a brute force over every offset of small pools. */
class BlockChooserTest {

    private static final String ME = "me";

    record Stored(int block, String owner, List<Integer> bits) {}

    @Provide
    Arbitrary<List<Stored>> blocks() {
        return net.jqwik.api.Combinators.combine(
                        Arbitraries.integers().between(0, 15),
                        Arbitraries.of(ME, "other", "").map(o -> o.isEmpty() ? "" : o),
                        Arbitraries.integers().between(0, 15).list().ofMaxSize(16))
                .as(Stored::new)
                .list()
                .ofMaxSize(10);
    }

    @Property(tries = 2000)
    void answersAFreeAddressInTheRangeWithTheRightPriorityAndExhaustedOnlyWhenNoneIsFree(
            @ForAll @IntRange(min = 26, max = 30) int prefix,
            @ForAll @IntRange(min = 0, max = 3) int subRangeShrink,
            @ForAll @IntRange(min = 0, max = 70) int cursor,
            @ForAll @IntRange(min = 0, max = 20) int claimCursor,
            @ForAll("blocks") List<Stored> stored) {
        Cidr subnet = Cidr.parse("10.9.0.0/" + prefix);
        Cidr subRange = subRangeShrink == 0 || prefix + subRangeShrink > 32
                ? null
                : new Cidr(subnet.addressAt(subnet.size().shiftRight(1)), prefix + subRangeShrink);
        AllocationRange range = AllocationRange.of(subnet, subRange);
        BlockLayout layout = BlockLayout.forRange(range);
        TreeMap<BigInteger, BlockValue> blocks = new TreeMap<>();
        for (Stored s : stored) {
            BigInteger index = BigInteger.valueOf(s.block() % (subnet.size().intValue() >> layout.shift()));
            BlockBitmap bits = BlockBitmap.empty();
            for (int bit : s.bits()) {
                bits = bits.with(bit % layout.size(), true);
            }
            blocks.put(index, new BlockValue(bits, s.owner().isEmpty() ? null : s.owner()));
        }
        BigInteger from = BigInteger.valueOf(cursor);
        Optional<Choice> got = BlockChooser.choose(layout, range, from, BigInteger.valueOf(claimCursor), ME, blocks);

        BigInteger clamped = from.compareTo(range.lo()) < 0 || from.compareTo(range.hi()) > 0 ? range.lo() : from;
        Predicate<BigInteger> free = o -> {
            BlockValue v = blocks.get(layout.blockOf(o));
            return v == null || !v.bits().get(layout.bitOf(o));
        };
        Predicate<BigInteger> mine = o -> {
            BlockValue v = blocks.get(layout.blockOf(o));
            return v != null && v.ownedBy(ME);
        };
        Predicate<BigInteger> missing = o -> blocks.get(layout.blockOf(o)) == null;
        Predicate<BigInteger> unowned = o -> {
            BlockValue v = blocks.get(layout.blockOf(o));
            return v != null && v.owner() == null;
        };
        List<BigInteger> freeOffsets = offsets(range).stream().filter(free).toList();
        if (freeOffsets.isEmpty()) {
            assertTrue(got.isEmpty(), "a full range gave " + got);
            return;
        }
        assertTrue(got.isPresent(), "free addresses " + freeOffsets + " but nothing chosen");
        BigInteger o = got.get().offset();
        assertTrue(freeOffsets.contains(o), o + " is not a free offset of the range");
        Source expected;
        if (freeOffsets.stream().anyMatch(x -> mine.test(x) && x.compareTo(clamped) >= 0)) {
            expected = Source.OWN;
        } else if (freeOffsets.stream().anyMatch(missing)) {
            expected = Source.FREE_BLOCK;
        } else if (freeOffsets.stream().anyMatch(unowned)) {
            expected = Source.UNOWNED_BLOCK;
        } else if (freeOffsets.stream().anyMatch(mine)) {
            expected = Source.OWN_BEFORE_CURSOR;
        } else {
            expected = Source.BORROWED;
        }
        assertEquals(expected, got.get().source(), "chose " + o);
        switch (expected) {
            case OWN -> assertTrue(mine.test(o) && o.compareTo(clamped) >= 0);
            case FREE_BLOCK -> {
                assertTrue(missing.test(o));
                assertEquals(layout.start(layout.blockOf(o)).max(range.lo()), o, "a claimed block starts at its start");
            }
            case UNOWNED_BLOCK -> assertTrue(unowned.test(o));
            case OWN_BEFORE_CURSOR -> assertTrue(mine.test(o));
            case BORROWED -> assertTrue(!mine.test(o) && !unowned.test(o) && !missing.test(o));
        }
    }

    private static List<BigInteger> offsets(AllocationRange range) {
        List<BigInteger> out = new java.util.ArrayList<>();
        for (BigInteger o = range.lo(); o.compareTo(range.hi()) <= 0; o = o.add(BigInteger.ONE)) {
            out.add(o);
        }
        return out;
    }

    @Test
    void aHostKeepsToItsBlockAndClaimsAtTheClaimCursor() {
        AllocationRange range = AllocationRange.of(Cidr.parse("10.9.0.0/24"), null);
        BlockLayout layout = BlockLayout.forRange(range);
        assertEquals(16, layout.size());
        TreeMap<BigInteger, BlockValue> blocks = new TreeMap<>();
        blocks.put(BigInteger.ZERO, new BlockValue(BlockBitmap.empty().with(1, true), "other"));
        blocks.put(BigInteger.valueOf(3), new BlockValue(BlockBitmap.empty().with(0, true), ME));
        // own block first, after the cursor
        assertEquals(
                new Choice(BigInteger.valueOf(49), Source.OWN),
                BlockChooser.choose(layout, range, BigInteger.valueOf(49), null, ME, blocks)
                        .orElseThrow());
        // no cursor: its block from its start; another host claims at the claim cursor
        assertEquals(
                new Choice(BigInteger.valueOf(49), Source.OWN),
                BlockChooser.choose(layout, range, null, null, ME, blocks).orElseThrow());
        assertEquals(
                new Choice(BigInteger.valueOf(16), Source.FREE_BLOCK),
                BlockChooser.choose(layout, range, null, null, "third", blocks).orElseThrow());
        assertEquals(
                new Choice(BigInteger.valueOf(64), Source.FREE_BLOCK),
                BlockChooser.choose(layout, range, null, BigInteger.valueOf(3), "third", blocks)
                        .orElseThrow());
    }

    @Test
    void aSixtyFourBitPoolCostsWhatItsStoredBlocksCost() {
        AllocationRange range = AllocationRange.of(Cidr.parse("fd00:1::/64"), null);
        BlockLayout layout = BlockLayout.forRange(range);
        assertEquals(64, layout.size());
        TreeMap<BigInteger, BlockValue> blocks = new TreeMap<>();
        BigInteger lastBlock = layout.blockOf(range.hi());
        BlockBitmap full = BlockBitmap.empty();
        for (int bit = 0; bit < 64; bit++) {
            full = full.with(bit, true);
        }
        blocks.put(lastBlock, new BlockValue(full, ME));
        // the claim cursor past the end wraps to the first block, which is free
        assertEquals(
                new Choice(BigInteger.ONE, Source.FREE_BLOCK),
                BlockChooser.choose(layout, range, range.hi(), lastBlock, ME, blocks)
                        .orElseThrow());
    }
}
