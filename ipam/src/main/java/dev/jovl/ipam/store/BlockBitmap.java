package dev.jovl.ipam.store;

import java.util.Arrays;

/**
 * Which of the {@value #SIZE} addresses of one block are allocated. Blocks are stored only once
 * something in them is allocated, so the state of a pool grows with its allocations and never
 * with its size (an IPv6 /64 has 2^56 blocks, almost all of them never written).
 */
public final class BlockBitmap {

    public static final int SIZE = 256;
    public static final int SHIFT = 8;

    private final long[] words;

    private BlockBitmap(long[] words) {
        this.words = words;
    }

    public static BlockBitmap empty() {
        return new BlockBitmap(new long[SIZE / 64]);
    }

    /** The stored form: 32 bytes, bit {@code i} of byte {@code i / 8} is address {@code i}. */
    public static BlockBitmap decode(byte[] bytes) {
        if (bytes.length != SIZE / 8) {
            throw new IllegalArgumentException("block bitmap of " + bytes.length + " bytes, expected " + SIZE / 8);
        }
        long[] w = new long[SIZE / 64];
        for (int i = 0; i < bytes.length; i++) {
            w[i / 8] |= (bytes[i] & 0xffL) << ((i % 8) * 8);
        }
        return new BlockBitmap(w);
    }

    public byte[] encode() {
        byte[] out = new byte[SIZE / 8];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (words[i / 8] >>> ((i % 8) * 8));
        }
        return out;
    }

    public boolean get(int bit) {
        return (words[bit >>> 6] & (1L << (bit & 63))) != 0;
    }

    public BlockBitmap with(int bit, boolean allocated) {
        long[] w = words.clone();
        if (allocated) {
            w[bit >>> 6] |= 1L << (bit & 63);
        } else {
            w[bit >>> 6] &= ~(1L << (bit & 63));
        }
        return new BlockBitmap(w);
    }

    /** The first clear bit in {@code [from, to]}, or -1. */
    public int nextClear(int from, int to) {
        for (int wi = from >>> 6; wi <= to >>> 6; wi++) {
            long free = ~words[wi];
            if (wi == from >>> 6) {
                free &= -1L << (from & 63);
            }
            if (free != 0) {
                int bit = (wi << 6) + Long.numberOfTrailingZeros(free);
                return bit <= to ? bit : -1;
            }
        }
        return -1;
    }

    public int count() {
        int n = 0;
        for (long w : words) {
            n += Long.bitCount(w);
        }
        return n;
    }

    public boolean isEmpty() {
        return count() == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockBitmap b && Arrays.equals(b.words, words);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(words);
    }
}
