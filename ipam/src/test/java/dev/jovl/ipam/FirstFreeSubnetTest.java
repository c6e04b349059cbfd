package dev.jovl.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.net.Cidr;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class FirstFreeSubnetTest {

    private static final Cidr RANGE = Cidr.parse("10.200.0.0/16");

    @Test
    void skipsTakenSubnetsAndBiggerOverlaps() {
        assertEquals(
                "10.200.0.0/24",
                PoolManager.firstFreeSubnet(RANGE, 24, List.of()).orElseThrow().toString());
        assertEquals(
                "10.200.1.0/24",
                PoolManager.firstFreeSubnet(RANGE, 24, List.of(Cidr.parse("10.200.0.0/24")))
                        .orElseThrow()
                        .toString());
        assertEquals(
                "10.200.4.0/24",
                PoolManager.firstFreeSubnet(RANGE, 24, List.of(Cidr.parse("10.200.0.0/22")))
                        .orElseThrow()
                        .toString());
        // a small pool inside a candidate makes the whole candidate unusable
        assertEquals(
                "10.200.1.0/24",
                PoolManager.firstFreeSubnet(RANGE, 24, List.of(Cidr.parse("10.200.0.128/28")))
                        .orElseThrow()
                        .toString());
        // a pool covering the whole default range leaves nothing
        assertEquals(Optional.empty(), PoolManager.firstFreeSubnet(RANGE, 24, List.of(Cidr.parse("10.0.0.0/8"))));
    }

    @Test
    void ipv6SlashFortyEightInSlashSixtyFours() {
        Cidr range = Cidr.parse("fd6a:6f76:6c00::/48");
        assertEquals(
                "fd6a:6f76:6c00:1::/64",
                PoolManager.firstFreeSubnet(range, 64, List.of(Cidr.parse("fd6a:6f76:6c00::/64")))
                        .orElseThrow()
                        .toString());
    }

    @Property(tries = 200)
    void neverOverlapsAndIsTheLowestFree(
            @ForAll @Size(max = 30) List<@IntRange(min = 0, max = 255) Integer> third,
            @ForAll @Size(max = 30) List<@IntRange(min = 20, max = 28) Integer> prefixes) {
        List<Cidr> taken = new ArrayList<>();
        for (int i = 0; i < Math.min(third.size(), prefixes.size()); i++) {
            int p = prefixes.get(i);
            long base = (10L << 24) | (200L << 16) | ((long) third.get(i) << 8);
            long mask = ~((1L << (32 - p)) - 1) & 0xffffffffL;
            taken.add(new Cidr(
                    dev.jovl.net.IpAddress.of(dev.jovl.net.Family.V4, java.math.BigInteger.valueOf(base & mask)), p));
        }
        taken.sort(null);
        Optional<Cidr> found = PoolManager.firstFreeSubnet(RANGE, 24, taken);
        for (int k = 0; k < 256; k++) {
            Cidr candidate = Cidr.parse("10.200." + k + ".0/24");
            boolean free = taken.stream().noneMatch(candidate::overlaps);
            if (free) {
                assertEquals(Optional.of(candidate), found);
                return;
            }
        }
        assertFalse(found.isPresent());
        assertTrue(taken.size() > 0);
    }
}
