package dev.jovl.ipam.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class BlockBitmapTest {

    @Test
    void emptyEncodesToThirtyTwoZeroBytes() {
        assertEquals(32, BlockBitmap.empty().encode().length);
        assertTrue(BlockBitmap.empty().isEmpty());
        assertEquals(0, BlockBitmap.empty().nextClear(0, 255));
    }

    @Property(tries = 300)
    void behavesLikeABitSet(
            @ForAll @Size(max = 256) Set<@IntRange(min = 0, max = 255) Integer> bits,
            @ForAll @IntRange(min = 0, max = 255) int from,
            @ForAll @IntRange(min = 0, max = 255) int to) {
        BlockBitmap b = BlockBitmap.empty();
        BitSet expected = new BitSet();
        for (int bit : bits) {
            b = b.with(bit, true);
            expected.set(bit);
        }
        assertEquals(expected.cardinality(), b.count());
        BlockBitmap decoded = BlockBitmap.decode(b.encode());
        assertEquals(b, decoded);
        int clear = expected.nextClearBit(from);
        int want = from <= to && clear <= to ? clear : -1;
        assertEquals(want, decoded.nextClear(from, to));
        for (int bit : bits) {
            decoded = decoded.with(bit, false);
        }
        assertTrue(decoded.isEmpty());
    }
}
