package dev.jovl.ipam.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.ipam.net.AllocationRange;
import dev.jovl.net.Cidr;
import java.math.BigInteger;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class FreeAddressFinderTest {

    /** Brute force over every offset: the finder must agree with it on small ranges. */
    @Property(tries = 400)
    void agreesWithBruteForce(
            @ForAll @IntRange(min = 20, max = 30) int prefix,
            @ForAll boolean withSubRange,
            @ForAll @Size(max = 600) Set<@IntRange(min = 0, max = 4095) Integer> allocated,
            @ForAll @IntRange(min = 0, max = 4200) int cursor) {
        Cidr subnet = Cidr.parse("10.20.0.0/" + prefix);
        Cidr sub = withSubRange && prefix < 30
                ? Cidr.parse(subnet.addressAt(subnet.size().shiftRight(1)) + "/" + (prefix + 1))
                : null;
        AllocationRange range = AllocationRange.of(subnet, sub);
        NavigableMap<BigInteger, BlockBitmap> blocks = new TreeMap<>();
        for (int o : allocated) {
            if (o < subnet.size().intValue()) {
                BigInteger off = BigInteger.valueOf(o);
                blocks.merge(
                        BlockBitmap.blockOf(off),
                        BlockBitmap.empty().with(BlockBitmap.bitOf(off), true),
                        (a, b) -> a.with(BlockBitmap.bitOf(off), true));
            }
        }
        Optional<BigInteger> found = FreeAddressFinder.anywhere(range, BigInteger.valueOf(cursor), blocks);
        assertEquals(bruteForce(range, BigInteger.valueOf(cursor), blocks), found);
        found.ifPresent(
                f -> assertTrue(range.isUsable(f) && f.compareTo(range.lo()) >= 0 && f.compareTo(range.hi()) <= 0));
    }

    private static Optional<BigInteger> bruteForce(
            AllocationRange r, BigInteger cursor, NavigableMap<BigInteger, BlockBitmap> blocks) {
        BigInteger from = cursor.compareTo(r.lo()) < 0 || cursor.compareTo(r.hi()) > 0 ? r.lo() : cursor;
        for (BigInteger o = from; o.compareTo(r.hi()) <= 0; o = o.add(BigInteger.ONE)) {
            if (!taken(blocks, o)) {
                return Optional.of(o);
            }
        }
        for (BigInteger o = r.lo(); o.compareTo(from) < 0; o = o.add(BigInteger.ONE)) {
            if (!taken(blocks, o)) {
                return Optional.of(o);
            }
        }
        return Optional.empty();
    }

    private static boolean taken(NavigableMap<BigInteger, BlockBitmap> blocks, BigInteger o) {
        BlockBitmap b = blocks.get(BlockBitmap.blockOf(o));
        return b != null && b.get(BlockBitmap.bitOf(o));
    }

    @Test
    void ipv6SlashSixtyFourNearTheTopIsFoundWithoutScanning() {
        Cidr subnet = Cidr.parse("fd00::/64");
        AllocationRange range = AllocationRange.of(subnet, null);
        BigInteger top = range.hi();
        BlockBitmap full = BlockBitmap.empty();
        for (int i = 0; i < 256; i++) {
            full = full.with(i, true);
        }
        NavigableMap<BigInteger, BlockBitmap> blocks = new TreeMap<>();
        blocks.put(BlockBitmap.blockOf(top), full);
        // cursor in the full last block: wraps to the start of the range
        assertEquals(
                Optional.of(BigInteger.ONE), FreeAddressFinder.anywhere(range, top.subtract(BigInteger.TEN), blocks));
        // cursor in an untouched block far away: found at once
        BigInteger middle = BigInteger.ONE.shiftLeft(40);
        assertEquals(Optional.of(middle), FreeAddressFinder.anywhere(range, middle, blocks));
    }

    @Test
    void fullRangeIsExhausted() {
        AllocationRange range = AllocationRange.of(Cidr.parse("10.0.0.0/24"), null);
        BlockBitmap b = BlockBitmap.empty();
        for (int i = 1; i <= 254; i++) {
            b = b.with(i, true);
        }
        NavigableMap<BigInteger, BlockBitmap> blocks = new TreeMap<>();
        blocks.put(BigInteger.ZERO, b);
        assertEquals(Optional.empty(), FreeAddressFinder.anywhere(range, BigInteger.valueOf(100), blocks));
        assertEquals(
                Optional.empty(),
                FreeAddressFinder.inCursorBlock(
                        range, BigInteger.valueOf(100), Optional.of(b).get()));
    }
}
